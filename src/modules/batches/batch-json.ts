/** A batch as the API shows it (also the object of batch events). */
import type { BatchRow } from "../pipeline/pipeline.repository.ts";

function file(b: BatchRow, kind: "pdf" | "manifest" | "zip", path: string) {
  const key = b[`${kind}_key`];
  return key
    ? {
        url: `/v1/batches/${b.id}/${path}`,
        bytes: Number(b[`${kind}_bytes`]),
        sha256: b[`${kind}_sha256`] as string,
      }
    : null;
}

export const batchJson = (b: BatchRow) => ({
  object: "batch" as const,
  id: b.id,
  campaign_id: b.campaign_id,
  format: b.format,
  number: b.number,
  cards: b.card_count,
  pages: b.pages,
  color_mode: b.color_mode,
  status: b.status,
  automation: b.automation ?? null,
  files: {
    pdf: file(b, "pdf", "pdf"),
    manifest: file(b, "manifest", "manifest.csv"),
    zip: file(b, "zip", "zip"),
  },
  ready_at: b.ready_at?.toISOString() ?? null,
  downloaded_at: b.downloaded_at?.toISOString() ?? null,
  printed_at: b.printed_at?.toISOString() ?? null,
  mailed_at: b.mailed_at?.toISOString() ?? null,
  created_at: b.created_at.toISOString(),
});
