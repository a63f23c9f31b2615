import { foldHeader } from "./fold.ts";

/** Countries whose postal services want the state or province on the envelope, by code → name. */
const REGIONS: Record<string, Record<string, string>> = {
  US: {
    AL: "Alabama",
    AK: "Alaska",
    AZ: "Arizona",
    AR: "Arkansas",
    CA: "California",
    CO: "Colorado",
    CT: "Connecticut",
    DE: "Delaware",
    DC: "District of Columbia",
    FL: "Florida",
    GA: "Georgia",
    HI: "Hawaii",
    ID: "Idaho",
    IL: "Illinois",
    IN: "Indiana",
    IA: "Iowa",
    KS: "Kansas",
    KY: "Kentucky",
    LA: "Louisiana",
    ME: "Maine",
    MD: "Maryland",
    MA: "Massachusetts",
    MI: "Michigan",
    MN: "Minnesota",
    MS: "Mississippi",
    MO: "Missouri",
    MT: "Montana",
    NE: "Nebraska",
    NV: "Nevada",
    NH: "New Hampshire",
    NJ: "New Jersey",
    NM: "New Mexico",
    NY: "New York",
    NC: "North Carolina",
    ND: "North Dakota",
    OH: "Ohio",
    OK: "Oklahoma",
    OR: "Oregon",
    PA: "Pennsylvania",
    RI: "Rhode Island",
    SC: "South Carolina",
    SD: "South Dakota",
    TN: "Tennessee",
    TX: "Texas",
    UT: "Utah",
    VT: "Vermont",
    VA: "Virginia",
    WA: "Washington",
    WV: "West Virginia",
    WI: "Wisconsin",
    WY: "Wyoming",
    PR: "Puerto Rico",
    GU: "Guam",
    VI: "Virgin Islands",
    AS: "American Samoa",
    MP: "Northern Mariana Islands",
    AA: "Armed Forces Americas",
    AE: "Armed Forces Europe",
    AP: "Armed Forces Pacific",
  },
  CA: {
    AB: "Alberta",
    BC: "British Columbia",
    MB: "Manitoba",
    NB: "New Brunswick",
    NL: "Newfoundland and Labrador",
    NS: "Nova Scotia",
    NT: "Northwest Territories",
    NU: "Nunavut",
    ON: "Ontario",
    PE: "Prince Edward Island",
    QC: "Quebec",
    SK: "Saskatchewan",
    YT: "Yukon",
  },
  AU: {
    ACT: "Australian Capital Territory",
    NSW: "New South Wales",
    NT: "Northern Territory",
    QLD: "Queensland",
    SA: "South Australia",
    TAS: "Tasmania",
    VIC: "Victoria",
    WA: "Western Australia",
  },
};

const LOOKUP = new Map<string, Map<string, string>>();
for (const [country, regions] of Object.entries(REGIONS)) {
  const byKey = new Map<string, string>();
  for (const [code, name] of Object.entries(regions)) {
    byKey.set(code.toLowerCase(), code);
    byKey.set(foldHeader(name), code);
  }
  LOOKUP.set(country, byKey);
}
LOOKUP.get("CA")?.set("quebec", "QC");
LOOKUP.get("US")?.set("washingtondc", "DC");

/** Whether the country's addresses need a state/province (US, CA, AU). */
export function needsRegion(country: string): boolean {
  return LOOKUP.has(country);
}

/**
 * The postal abbreviation for a region of US/CA/AU ("Massachusetts" → MA); undefined when the
 * country has such a list and the value is not on it. Other countries keep the value as written.
 */
export function regionCode(country: string, value: string): string | undefined {
  const table = LOOKUP.get(country);
  if (!table) return value;
  return table.get(foldHeader(value));
}
