/**
 * The manifest CSV that travels with each batch PDF: one line per card in print order, so the
 * printer can check page counts and the mail house can match cards to addresses.
 * Every cell is neutralised against formula injection (a name like =HYPERLINK(…) stays text).
 */

import { csvLine } from "../../csv/csv-line.ts";
import type { Recipient } from "../../render/card-data.ts";

export const MANIFEST_HEADER = [
  "sequence",
  "first_page",
  "pages",
  "card_id",
  "recipient_name",
  "company",
  "address_line1",
  "address_line2",
  "city",
  "region",
  "postal_code",
  "country",
  "campaign",
] as const;

export interface ManifestEntry {
  sequence: number;
  firstPage: number;
  pages: number;
  cardId: string;
  recipient: Recipient;
  campaign: string;
}

export function manifestHeader(): string {
  return csvLine(MANIFEST_HEADER);
}

export function manifestLine(e: ManifestEntry): string {
  const a = e.recipient.address;
  return csvLine([
    e.sequence,
    e.firstPage,
    e.pages,
    e.cardId,
    e.recipient.fullName,
    e.recipient.company,
    a.line1,
    a.line2,
    a.city,
    a.region,
    a.postalCode,
    a.country,
    e.campaign,
  ]);
}
