/**
 * The manifest CSV that travels with each batch PDF: one line per card in print order, so the
 * printer can check page counts and the mail house can match cards to addresses.
 * The last three columns say where the card sits on the imposed press sheets (the account's sheet
 * size): sheet number (front and back are PDF pages 2n-1 and 2n) and position, row-major from the
 * front's top-left. Every cell is neutralised against formula injection (a name like =HYPERLINK(…) stays text).
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
  "sheet_size",
  "sheet",
  "sheet_position",
] as const;

export interface ManifestEntry {
  sequence: number;
  firstPage: number;
  pages: number;
  cardId: string;
  recipient: Recipient;
  campaign: string;
  /** Where the imposed PDF puts the card (empty columns when not known). */
  imposed?: { size: string; sheet: number; position: number };
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
    e.imposed?.size,
    e.imposed?.sheet,
    e.imposed?.position,
  ]);
}
