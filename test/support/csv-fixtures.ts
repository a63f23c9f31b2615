/**
 * CSV files built in code: the same people written in every encoding, delimiter and line end
 * people's tools produce, and under the header sets of real exports.
 */
import iconv from "iconv-lite";
import type { Recipient } from "../../src/render/card-data.ts";

export type FixtureEncoding = "utf-8" | "utf-8-bom" | "utf-16le" | "utf-16be" | "windows-1252";
export type FixtureDelimiter = "," | ";" | "\t" | "|";
export type FixtureLineEnd = "\r\n" | "\n" | "\r";

export const ENCODINGS: FixtureEncoding[] = [
  "utf-8",
  "utf-8-bom",
  "utf-16le",
  "utf-16be",
  "windows-1252",
];
export const DELIMITERS: FixtureDelimiter[] = [",", ";", "\t", "|"];
export const LINE_ENDS: FixtureLineEnd[] = ["\r\n", "\n", "\r"];

/** Quotes a value when it holds a delimiter, quote or line break (what Excel does). */
function quote(value: string, delimiter: string, always: boolean): string {
  if (always || value.includes(delimiter) || /["\r\n]/.test(value)) {
    return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

export interface CsvTextOptions {
  delimiter?: FixtureDelimiter;
  lineEnd?: FixtureLineEnd;
  quoteAll?: boolean;
  /** Line end after the last row too (Excel writes one). */
  trailingLineEnd?: boolean;
}

export function csvText(rows: string[][], opts: CsvTextOptions = {}): string {
  const { delimiter = ",", lineEnd = "\r\n", quoteAll = false, trailingLineEnd = true } = opts;
  const body = rows.map((r) => r.map((v) => quote(v, delimiter, quoteAll)).join(delimiter));
  return body.join(lineEnd) + (trailingLineEnd ? lineEnd : "");
}

/** Bytes as a program saving in `encoding` writes them (UTF-16 with its BOM, as Excel does). */
export function encodeText(text: string, encoding: FixtureEncoding): Buffer {
  switch (encoding) {
    case "utf-8":
      return Buffer.from(text, "utf8");
    case "utf-8-bom":
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]);
    case "utf-16le":
      return Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, "utf-16le")]);
    case "utf-16be":
      return Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, "utf-16be")]);
    case "windows-1252": {
      const bytes = iconv.encode(text, "win1252");
      if (iconv.decode(bytes, "win1252") !== text) {
        throw new Error("fixture text has characters Windows-1252 cannot encode");
      }
      return bytes;
    }
  }
}

export function csvBytes(
  rows: string[][],
  opts: CsvTextOptions & { encoding?: FixtureEncoding } = {},
): Buffer {
  return encodeText(csvText(rows, opts), opts.encoding ?? "utf-8");
}

/** Feeds bytes in chunks of `size` (1 = one byte per chunk: every character split). */
export async function* chunks(bytes: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** One person as the tests think of them; each export writes it under its own headers. */
export interface Person {
  first: string;
  last: string;
  street: string;
  street2?: string;
  city: string;
  region: string;
  zip: string;
  country: string;
  email?: string;
  birthday?: string; // ISO
}

/** People every encoding can carry (Windows-1252 has no Ł or Ż: see POLISH below). */
export const PEOPLE: Person[] = [
  {
    first: "Zoë",
    last: "Ångström",
    street: "12 Beacon St",
    street2: "Apt 3",
    city: "Boston",
    region: "MA",
    zip: "02134",
    country: "US",
    email: "zoe@example.com",
    birthday: "1990-03-14",
  },
  {
    first: "José",
    last: "Núñez",
    street: "400 Mission St, Suite 5",
    city: "San Francisco",
    region: "CA",
    zip: "94105",
    country: "US",
  },
  {
    first: "Renée",
    last: "O'Brien-Müller",
    street: '7 "The Willows" Lane',
    city: "Portland",
    region: "OR",
    zip: "97201",
    country: "US",
    birthday: "1984-02-29",
  },
];

/** Only Unicode encodings can write this one. */
export const POLISH: Person = {
  first: "Łukasz",
  last: "Żółć",
  street: "ul. Marszałkowska 1",
  city: "Warszawa",
  region: "",
  zip: "00-001",
  country: "PL",
};

/** The recipient the import should produce for a person (no custom columns). */
export function expectedRecipient(p: Person): Recipient {
  const r: Recipient = {
    firstName: p.first,
    lastName: p.last,
    fullName: `${p.first} ${p.last}`,
    address: { line1: p.street, city: p.city, country: p.country },
    custom: {},
  };
  if (p.street2) r.address.line2 = p.street2;
  if (p.region) r.address.region = p.region;
  if (p.zip) r.address.postalCode = p.zip;
  if (p.email) r.email = p.email;
  if (p.birthday) r.birthday = p.birthday;
  return r;
}

/** A plain Excel-made list of these people. */
export function excelRows(people: Person[]): string[][] {
  return [
    [
      "First Name",
      "Last Name",
      "Address",
      "Address 2",
      "City",
      "State",
      "Zip",
      "Country",
      "Email",
      "Birthday",
    ],
    ...people.map((p) => [
      p.first,
      p.last,
      p.street,
      p.street2 ?? "",
      p.city,
      p.region,
      p.zip,
      p.country,
      p.email ?? "",
      p.birthday ?? "",
    ]),
  ];
}

/**
 * Header sets of real exports, each with a writer for a person. Columns that carry nothing for a
 * card (Notes, Group Membership…) are included: they must become custom variables, not errors.
 */
export const EXPORTS: Record<string, { headers: string[]; row: (p: Person) => string[] }> = {
  excel: {
    headers: ["Name", "Street", "City", "State", "Zip Code", "Country"],
    row: (p) => [`${p.first} ${p.last}`, p.street, p.city, p.region, p.zip, p.country],
  },
  googleOld: {
    headers: [
      "Name",
      "Given Name",
      "Family Name",
      "Birthday",
      "Group Membership",
      "E-mail 1 - Type",
      "E-mail 1 - Value",
      "Phone 1 - Type",
      "Phone 1 - Value",
      "Address 1 - Type",
      "Address 1 - Formatted",
      "Address 1 - Street",
      "Address 1 - City",
      "Address 1 - PO Box",
      "Address 1 - Region",
      "Address 1 - Postal Code",
      "Address 1 - Country",
      "Address 1 - Extended Address",
    ],
    row: (p) => [
      `${p.first} ${p.last}`,
      p.first,
      p.last,
      p.birthday ?? "",
      "* myContacts",
      "* Home",
      p.email ?? "",
      "Mobile",
      "",
      "Home",
      `${p.street}\n${p.city}, ${p.region} ${p.zip}`,
      p.street,
      p.city,
      "",
      p.region,
      p.zip,
      p.country === "US" ? "United States" : p.country,
      p.street2 ?? "",
    ],
  },
  googleNew: {
    headers: [
      "First Name",
      "Middle Name",
      "Last Name",
      "Name Prefix",
      "Birthday",
      "Labels",
      "E-mail 1 - Label",
      "E-mail 1 - Value",
      "Address 1 - Label",
      "Address 1 - Formatted",
      "Address 1 - Street",
      "Address 1 - City",
      "Address 1 - PO Box",
      "Address 1 - Region",
      "Address 1 - Postal Code",
      "Address 1 - Country",
      "Address 1 - Extended Address",
    ],
    row: (p) => [
      p.first,
      "",
      p.last,
      "",
      p.birthday ? `--${p.birthday.slice(5)}` : "",
      "* myContacts",
      "* Home",
      p.email ?? "",
      "Home",
      "",
      p.street,
      p.city,
      "",
      p.region,
      p.zip,
      p.country,
      p.street2 ?? "",
    ],
  },
  outlook: {
    headers: [
      "Title",
      "First Name",
      "Middle Name",
      "Last Name",
      "Suffix",
      "Company",
      "Business Street",
      "Business City",
      "Business State",
      "Business Postal Code",
      "Business Country/Region",
      "Home Street",
      "Home Street 2",
      "Home City",
      "Home State",
      "Home Postal Code",
      "Home Country/Region",
      "Business Phone",
      "Anniversary",
      "Birthday",
      "E-mail Address",
      "Notes",
    ],
    row: (p) => [
      "",
      p.first,
      "",
      p.last,
      "",
      "",
      "1 Office Park",
      "Albany",
      "NY",
      "12207",
      "United States",
      p.street,
      p.street2 ?? "",
      p.city,
      p.region,
      p.zip,
      p.country === "US" ? "United States" : p.country,
      "",
      "0/0/00",
      p.birthday ? usDate(p.birthday) : "0/0/00",
      p.email ?? "",
      "",
    ],
  },
  mailchimp: {
    headers: [
      "Email Address",
      "First Name",
      "Last Name",
      "Address",
      "Phone Number",
      "Birthday",
      "MEMBER_RATING",
      "OPTIN_TIME",
    ],
    row: (p) => [
      p.email ?? "",
      p.first,
      p.last,
      [p.street, p.street2, p.city, p.region, p.zip, p.country].filter((s) => s).join("  "),
      "",
      p.birthday ? `${p.birthday.slice(5, 7)}/${p.birthday.slice(8)}` : "",
      "2",
      "2024-01-02 10:00:00",
    ],
  },
  hubspot: {
    headers: [
      "Record ID",
      "First Name",
      "Last Name",
      "Email",
      "Phone Number",
      "Street Address",
      "City",
      "State/Region",
      "Postal Code",
      "Country/Region",
    ],
    row: (p) => [
      "1001",
      p.first,
      p.last,
      p.email ?? "",
      "",
      p.street,
      p.city,
      p.region,
      p.zip,
      p.country,
    ],
  },
  salesforce: {
    headers: [
      "Contact ID",
      "First Name",
      "Last Name",
      "Account Name",
      "Mailing Street",
      "Mailing City",
      "Mailing State/Province",
      "Mailing Zip/Postal Code",
      "Mailing Country",
      "Birthdate",
      "Email",
    ],
    row: (p) => [
      "0035g00000AbCdE",
      p.first,
      p.last,
      "",
      p.street,
      p.city,
      p.region,
      p.zip,
      p.country,
      p.birthday ? usDate(p.birthday) : "",
      p.email ?? "",
    ],
  },
};

/** 1990-03-14 → 3/14/1990, as US Excel and Outlook write dates. */
export function usDate(iso: string): string {
  const [y, m, d] = iso.split("-");
  return `${Number(m)}/${Number(d)}/${y}`;
}

const FIRST = [
  "Ana",
  "Ben",
  "Chloé",
  "Dmitri",
  "Eun-ji",
  "Farah",
  "Günter",
  "Hana",
  "Ivan",
  "Jürgen",
];
const LAST = ["Smith", "García", "Nguyễn", "Müller", "O'Neil", "Kowalski", "Rossi", "Dubois"];
const CITIES: [string, string, string][] = [
  ["Boston", "MA", "02134"],
  ["Austin", "TX", "78701"],
  ["Denver", "CO", "80202"],
  ["Seattle", "WA", "98101"],
];

/**
 * A realistic Excel-style list of `count` distinct people, produced lazily as CSV lines so that a
 * 100,000-row file never needs to exist as one string.
 */
export async function* generatedCsv(count: number, chunkRows = 500): AsyncGenerator<Buffer> {
  const header =
    "First Name,Last Name,Company,Address,Address 2,City,State,Zip,Country,Email,Phone,Birthday,Last Purchase,Notes\r\n";
  let lines: string[] = [header];
  for (let i = 0; i < count; i++) {
    const [city, state, zip] = CITIES[i % CITIES.length] as [string, string, string];
    const first = FIRST[i % FIRST.length] as string;
    const last = LAST[(i * 7) % LAST.length] as string;
    lines.push(
      `${first},${last},Acme ${i % 97},${100 + i} Main St,${i % 3 === 0 ? `Apt ${i % 50}` : ""},${city},${state},${zip},US,${first.toLowerCase()}.${i}@example.com,555-0${i % 1000},${(i % 12) + 1}/${(i % 28) + 1}/19${50 + (i % 50)},"Order #${i}, thank you",\r\n`,
    );
    if (lines.length >= chunkRows) {
      yield Buffer.from(lines.join(""), "utf8");
      lines = [];
    }
  }
  if (lines.length > 0) yield Buffer.from(lines.join(""), "utf8");
}
