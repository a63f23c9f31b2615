import { describe, expect, it } from "vitest";
import { splitCombinedAddress } from "../../../src/csv/address.ts";
import { countryCode } from "../../../src/csv/countries.ts";
import { parseDate } from "../../../src/csv/dates.ts";
import { completeLength } from "../../../src/csv/decode.ts";
import { customKey, foldHeader } from "../../../src/csv/fold.ts";
import { splitFullName } from "../../../src/csv/names.ts";
import { checkPostalCode } from "../../../src/csv/postal-codes.ts";
import { regionCode } from "../../../src/csv/regions.ts";
import { sniffDelimiter } from "../../../src/csv/sniff.ts";

describe("dates", () => {
  const cases: [string, boolean, string | undefined][] = [
    ["1990-03-14", true, "1990-03-14"],
    ["1990-3-4", true, "1990-03-04"],
    ["1990/03/14", false, "1990-03-14"],
    ["1990-03-14T00:00:00", true, "1990-03-14"],
    ["1990-03-14 00:00:00", true, "1990-03-14"],
    ["03/14/1990", true, "1990-03-14"],
    ["3/14/1990", false, "1990-03-14"], // 14 cannot be a month
    ["14/03/1990", true, "1990-03-14"], // 14 cannot be a month, even in a US file
    ["14.03.1990", true, "1990-03-14"],
    ["04/05/1990", true, "1990-04-05"], // ambiguous: US reads month first
    ["04/05/1990", false, "1990-05-04"], // elsewhere day first
    ["04.05.1990", true, "1990-05-04"], // dots are always day first
    ["04-05-1990", true, "1990-04-05"],
    ["3/14/90", true, "1990-03-14"],
    ["3/14", true, "--03-14"], // Mailchimp MM/DD
    ["14.03.", false, "--03-14"],
    ["--03-14", true, "--03-14"],
    ["--0314", true, "--03-14"],
    ["March 14", true, "--03-14"],
    ["march 14th", true, "--03-14"],
    ["14 March", false, "--03-14"],
    ["Mar 14, 1990", true, "1990-03-14"],
    ["14 Mar 1990", true, "1990-03-14"],
    ["14-Mar-90", true, "1990-03-14"],
    ["Wednesday, March 14, 1990", true, "1990-03-14"],
    ["Sept 5", true, "--09-05"],
    ["1988-02-29", true, "1988-02-29"],
    ["2/29/2000", true, "2000-02-29"],
    ["--02-29", true, "--02-29"],
    ["February 29", true, "--02-29"],
    ["29.02.", false, "--02-29"],
    ["1604-03-14", true, "--03-14"], // Apple Contacts' "no year"
    ["", true, undefined],
    ["  ", true, undefined],
    ["0/0/00", true, undefined], // Outlook's "no date"
  ];
  it.each(cases)("%j (month first: %s) → %s", (raw, monthFirst, want) => {
    const got = parseDate(raw, monthFirst);
    expect(got === undefined ? undefined : got.ok ? got.value : `error: ${got.reason}`).toBe(want);
  });

  const invalid: [string, string][] = [
    ["1990-02-29", "has February 29 in 1990, which is not a leap year"],
    ["2/29/1900", "has February 29 in 1900, which is not a leap year"],
    ["13/13/1990", "has no month 13"],
    ["1990-04-31", "has no day 31 in April"],
    ["--02-30", "has no day 30 in February"],
    ["March 32", "has no day 32 in March"],
    ["yesterday", "is not a date"],
    ["14 Smarch 1990", "is not a date"],
    ["1990", "is not a date"],
    ["March", "is not a date"],
    ["0001-01-01", "has an unlikely year 1"],
  ];
  it.each(invalid)("%j is an error: %s", (raw, reason) => {
    expect(parseDate(raw, true)).toEqual({ ok: false, reason });
  });
});

describe("postal codes", () => {
  const cases: [string, string, string | undefined, boolean?][] = [
    ["US", "02134", "02134"],
    ["US", "2134", "02134", true], // Excel dropped the zero
    ["US", "601", "00601", true],
    ["US", "02134-1234", "02134-1234"],
    ["US", "021341234", "02134-1234"],
    ["US", "21341234", "02134-1234", true],
    ["US", "123456", undefined],
    ["US", "ABCDE", undefined],
    ["US", "34", undefined],
    ["CA", "k1a0b1", "K1A 0B1"],
    ["CA", "K1A 0B1", "K1A 0B1"],
    ["CA", "12345", undefined],
    ["GB", "sw1a1aa", "SW1A 1AA"],
    ["GB", "M1 1AE", "M1 1AE"],
    ["GB", "EC1A 1BB", "EC1A 1BB"],
    ["GB", "12345", undefined],
    ["DE", "01067", "01067"],
    ["DE", "1067", "01067", true],
    ["DE", "D-01067", undefined],
    ["NL", "1234ab", "1234 AB"],
    ["AU", "800", "0800", true],
    ["PL", "00-001", "00-001"],
    ["JP", "100-0001", "100-0001"],
  ];
  it.each(cases)("%s %j → %s", (country, raw, want, padded) => {
    const got = checkPostalCode(country, raw);
    if (want === undefined) expect(got.ok).toBe(false);
    else
      expect(got).toEqual(
        padded ? { ok: true, value: want, padded: true } : { ok: true, value: want },
      );
  });
});

describe("countries and regions", () => {
  const cases: [string, string | undefined][] = [
    ["US", "US"],
    ["us", "US"],
    ["USA", "US"],
    ["U.S.A.", "US"],
    ["United States", "US"],
    ["United States of America", "US"],
    ["UK", "GB"],
    ["United Kingdom", "GB"],
    ["England", "GB"],
    ["Deutschland", "DE"],
    ["Germany", "DE"],
    ["DEU", "DE"],
    ["Österreich", "AT"],
    ["France", "FR"],
    ["Canada", "CA"],
    ["Hong Kong", "HK"],
    ["Ireland", "IE"],
    ["The Netherlands", "NL"],
    ["Bosnia and Herzegovina", "BA"],
    ["Narnia", undefined],
    ["XX", undefined],
    ["EU", undefined],
  ];
  it.each(cases)("%j → %s", (raw, want) => {
    expect(countryCode(raw)).toBe(want);
  });

  it("US, CA and AU regions become postal abbreviations; others stay as written", () => {
    expect(regionCode("US", "Massachusetts")).toBe("MA");
    expect(regionCode("US", "ma")).toBe("MA");
    expect(regionCode("US", "Masachusets")).toBeUndefined();
    expect(regionCode("CA", "Québec")).toBe("QC");
    expect(regionCode("AU", "New South Wales")).toBe("NSW");
    expect(regionCode("GB", "Greater London")).toBe("Greater London");
  });
});

describe("names", () => {
  const cases: [string, string, string, string][] = [
    ["Zoë Ångström", "Zoë", "Ångström", "Zoë Ångström"],
    ["Dr. Zoë Ångström", "Zoë", "Ångström", "Dr. Zoë Ångström"],
    ["José Núñez García", "José", "García", "José Núñez García"],
    ["Martin Luther King Jr.", "Martin", "King", "Martin Luther King Jr."],
    ["Ludwig van Beethoven", "Ludwig", "van Beethoven", "Ludwig van Beethoven"],
    ["Smith, John", "John", "Smith", "John Smith"],
    ["John Smith, Jr.", "John", "Smith", "John Smith, Jr."],
    ["  Cher  ", "Cher", "", "Cher"],
  ];
  it.each(cases)("%j → %s / %s / %s", (written, first, last, full) => {
    expect(splitFullName(written)).toEqual({ firstName: first, lastName: last, fullName: full });
  });
});

describe("headers and keys", () => {
  it("folds headers", () => {
    expect(foldHeader(" E-mail 1 - Value ")).toBe("email1value");
    expect(foldHeader("Home Country/Region")).toBe("homecountryregion");
    expect(foldHeader("Prénom")).toBe("prenom");
  });

  it.each([
    ["Last Purchase", "lastPurchase"],
    ["last_purchase", "lastPurchase"],
    ["lastPurchase", "lastPurchase"],
    ["SPOUSE NAME", "spouseName"],
    ["Spouse's Name", "spousesName"],
    ["Photo URL", "photoUrl"],
    ["2024 Total", "_2024Total"],
    ["Größe", "größe"],
    ["!!!", "column7"],
  ])("custom key of %j is %s", (header, key) => {
    expect(customKey(header, 7)).toBe(key);
  });
});

describe("low-level pieces", () => {
  it("Mailchimp's combined address splits from the end", () => {
    expect(splitCombinedAddress("1 Main St  Apt 2  Springfield  IL  62701  US")).toEqual({
      line1: "1 Main St",
      line2: "Apt 2",
      city: "Springfield",
      region: "IL",
      postalCode: "62701",
      country: "US",
    });
    expect(splitCombinedAddress("1 Main St  Springfield  IL  62701")).toEqual({
      line1: "1 Main St",
      city: "Springfield",
      region: "IL",
      postalCode: "62701",
    });
  });

  it("sniffs the delimiter outside quotes, waiting for the whole header line", () => {
    expect(sniffDelimiter(Buffer.from('"a,b";c;d\n1,2,3'), false)).toBe(";");
    expect(sniffDelimiter(Buffer.from("a\tb\tc"), false)).toBeUndefined();
    expect(sniffDelimiter(Buffer.from("a\tb\tc"), true)).toBe("\t");
    expect(sniffDelimiter(Buffer.from("a|b|c\r"), false)).toBe("|");
    expect(sniffDelimiter(Buffer.from("\r\n\r\nname\r\n"), false)).toBe(",");
  });

  it("keeps an incomplete UTF-8 sequence for the next chunk", () => {
    const zoe = Buffer.from("Zoë");
    expect(completeLength(zoe)).toBe(4);
    expect(completeLength(zoe.subarray(0, 3))).toBe(2);
    expect(completeLength(Buffer.from("€").subarray(0, 2))).toBe(0);
    expect(completeLength(Buffer.from("😀").subarray(0, 3))).toBe(0);
  });
});
