import { foldHeader } from "./fold.ts";

/** Names people write that are not the English short name, folded. */
const ALIASES: Record<string, string> = {
  usa: "US",
  us: "US",
  america: "US",
  unitedstatesofamerica: "US",
  uk: "GB",
  greatbritain: "GB",
  britain: "GB",
  england: "GB",
  scotland: "GB",
  wales: "GB",
  northernireland: "GB",
  deutschland: "DE",
  bundesrepublikdeutschland: "DE",
  osterreich: "AT",
  schweiz: "CH",
  suisse: "CH",
  svizzera: "CH",
  espana: "ES",
  italia: "IT",
  nederland: "NL",
  holland: "NL",
  thenetherlands: "NL",
  belgie: "BE",
  belgique: "BE",
  eire: "IE",
  republicofireland: "IE",
  sverige: "SE",
  norge: "NO",
  danmark: "DK",
  suomi: "FI",
  polska: "PL",
  ceskarepublika: "CZ",
  czechrepublic: "CZ",
  magyarorszag: "HU",
  brasil: "BR",
  mexico: "MX",
  uae: "AE",
  korea: "KR",
  southkorea: "KR",
  republicofkorea: "KR",
  russia: "RU",
  turkey: "TR",
  turkiye: "TR",
  vietnam: "VN",
  hongkongsar: "HK",
  hongkong: "HK",
  prc: "CN",
  myanmar: "MM",
  burma: "MM",
  macau: "MO",
  macao: "MO",
  ivorycoast: "CI",
};

/** ISO alpha-3 codes of the countries most lists carry. */
const ALPHA3: Record<string, string> = {
  usa: "US",
  can: "CA",
  gbr: "GB",
  deu: "DE",
  fra: "FR",
  esp: "ES",
  ita: "IT",
  nld: "NL",
  bel: "BE",
  che: "CH",
  aut: "AT",
  irl: "IE",
  aus: "AU",
  nzl: "NZ",
  mex: "MX",
  bra: "BR",
  jpn: "JP",
  chn: "CN",
  ind: "IN",
  swe: "SE",
  nor: "NO",
  dnk: "DK",
  fin: "FI",
  pol: "PL",
  prt: "PT",
};

/** Codes ICU names that are not countries today: groupings, pseudo-regions and withdrawn codes. */
const NOT_COUNTRIES = new Set([
  ...["EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"],
  ...[
    "AN",
    "BU",
    "CS",
    "DD",
    "DY",
    "FX",
    "HV",
    "NH",
    "RH",
    "SU",
    "TP",
    "UK",
    "VD",
    "YD",
    "YU",
    "ZR",
  ],
]);

let byName: Map<string, string> | undefined;
let codes: Set<string> | undefined;

/** English names of every region ICU knows, folded → alpha-2; built once, on first use. */
function tables(): { byName: Map<string, string>; codes: Set<string> } {
  if (!byName || !codes) {
    byName = new Map();
    codes = new Set();
    const names = new Intl.DisplayNames(["en"], { type: "region" });
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        const name = names.of(code);
        if (!name || name === code || NOT_COUNTRIES.has(code)) continue;
        codes.add(code);
        byName.set(foldHeader(name), code);
        // "Bosnia & Herzegovina" is also written with "and".
        if (name.includes("&")) byName.set(foldHeader(name.replace("&", "and")), code);
      }
    }
  }
  return { byName, codes };
}

/** "United States", "USA", "Deutschland", "uk", "de" → ISO alpha-2; undefined if not recognised. */
export function countryCode(raw: string): string | undefined {
  const text = raw.trim();
  if (text === "") return undefined;
  const t = tables();
  if (/^[A-Za-z]{2}$/.test(text)) {
    const upper = text.toUpperCase();
    if (upper === "UK") return "GB";
    return t.codes.has(upper) ? upper : undefined;
  }
  const folded = foldHeader(text);
  return ALIASES[folded] ?? t.byName.get(folded) ?? ALPHA3[folded];
}
