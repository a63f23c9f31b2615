/**
 * Postcard address side: the recipient's address in the USPS address block and the
 * sender's return address, top left. Only text is drawn; the postage area and the
 * barcode clear zone stay empty.
 */
import type { PostalAddress, Recipient, Sender } from "./card-data.ts";

function cityLine(a: PostalAddress): string {
  if (a.country === "US" || a.country === "CA") {
    const region = a.region ? `, ${a.region}` : "";
    return `${a.city}${region}${a.postalCode ? `  ${a.postalCode}` : ""}`;
  }
  // Most of Europe writes the postcode before the city.
  return [a.postalCode, a.city, a.region].filter(Boolean).join(" ");
}

function addressLines(a: PostalAddress, home: string): string[] {
  const lines = [a.line1];
  if (a.line2) lines.push(a.line2);
  lines.push(cityLine(a));
  if (a.country !== home) lines.push(a.country);
  return lines;
}

/** Lines of the recipient's address block (kept as written: upper-casing mangles many names). */
export function recipientAddressLines(r: Recipient, senderCountry = "US"): string[] {
  const lines = [r.fullName];
  if (r.company) lines.push(r.company);
  return [...lines, ...addressLines(r.address, senderCountry)];
}

/** Lines of the return address (empty when the sender has none). */
export function returnAddressLines(s: Sender): string[] {
  if (!s.returnAddress) return [];
  return [s.businessName, ...addressLines(s.returnAddress, s.returnAddress.country)];
}
