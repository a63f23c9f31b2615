/**
 * What a campaign and an automation both say about the card they make, as the API shows it:
 * one place, so the two objects name and shape these fields alike.
 */
import type { Sender } from "../../render/card-data.ts";
import { senderJson } from "./sender.ts";

export interface CardDesignRow {
  name: string;
  occasion: string;
  template_id: string;
  format: string;
  message: string | null;
  merge_fields: string[];
  sender: Sender;
  photo_id: string | null;
  landing_url?: string | null;
}

export const cardDesignJson = (row: CardDesignRow) => ({
  name: row.name,
  occasion: row.occasion,
  template: row.template_id,
  format: row.format,
  message: row.message,
  merge_fields: row.merge_fields,
  sender: senderJson(row.sender),
  photo_id: row.photo_id,
  landing_url: row.landing_url ?? null,
});
