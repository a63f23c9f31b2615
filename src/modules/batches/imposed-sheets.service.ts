/**
 * A batch as imposed press sheets (cut and stack), made on first request and kept in storage
 * beside the batch PDF: the renderer is deterministic, so a kept file is the one a re-run would
 * write, and two requests racing write the same bytes. Cards are drawn in this process, not the
 * render sandbox, for the reason batch assembly does so: each already rendered alone within its
 * bounds from the same frozen inputs.
 */
import { PassThrough } from "node:stream";
import type { Pool } from "../../db/pool.ts";
import {
  DEFAULT_SHEET,
  type FormatId,
  imposeBatch,
  imposedPlace,
  imposition,
  isSheetId,
  type SheetId,
} from "../../render/index.ts";
import type { Storage } from "../../storage/storage.ts";
import type { CampaignRow } from "../campaigns/campaigns.repository.ts";
import { cardInput, type PhotoLoader } from "../cards/card-input.ts";
import { type BatchRow, batchCards } from "../pipeline/pipeline.repository.ts";
import type { TemplatesService } from "../templates/templates.service.ts";

/** The account's vendor sheet (accounts.imposition_sheet), the default of every imposition. */
export async function accountSheet(db: Pool, accountId: string): Promise<SheetId> {
  const { rows } = await db.query<{ imposition_sheet: string }>(
    "SELECT imposition_sheet FROM accounts WHERE id = $1",
    [accountId],
  );
  const sheet = rows[0]?.imposition_sheet ?? DEFAULT_SHEET;
  return isSheetId(sheet) ? sheet : DEFAULT_SHEET;
}

/** The manifest's sheet columns for a batch's i-th card, on the account's sheet. */
export async function manifestImposition(db: Pool, batch: BatchRow, cards: number) {
  const size = await accountSheet(db, batch.account_id);
  const imp = imposition(batch.format as FormatId, size, cards);
  return (index: number) => ({ size, ...imposedPlace(imp, index) });
}

export function imposedKey(batch: BatchRow, sheet: SheetId): string {
  const base = (batch.pdf_key as string).replace(/\.pdf$/, "");
  return `${base}-imposed-${sheet}.pdf`;
}

export function createImposedSheetsService(deps: {
  pool: Pool;
  storage: Storage;
  templates: TemplatesService;
  photos: PhotoLoader;
}) {
  const { pool, storage } = deps;
  /** One imposition per file at a time in this process; the others wait for it. */
  const inFlight = new Map<string, Promise<void>>();

  async function write(batch: BatchRow, sheet: SheetId, key: string): Promise<void> {
    const { rows } = await pool.query<CampaignRow>("SELECT * FROM campaigns WHERE id = $1", [
      batch.campaign_id,
    ]);
    const campaign = rows[0];
    if (!campaign) throw new Error(`batch ${batch.id} has no campaign`);
    const cards = await batchCards(pool, batch.id);
    const out = new PassThrough();
    const stop = <T>(p: Promise<T>) =>
      p.catch((error: unknown) => {
        out.destroy(error as Error);
        throw error;
      });
    await Promise.all([
      stop(
        imposeBatch(
          cards.length,
          async (i) => cardInput(deps, campaign, cards[i] as (typeof cards)[0]),
          out,
          {
            format: batch.format as FormatId,
            sheet,
            batchId: batch.id,
            colourMode: batch.color_mode,
            title: `${campaign.name} — ${batch.format} batch ${batch.number}, imposed ${sheet}`,
          },
        ),
      ),
      stop(storage.put(key, out, { contentType: "application/pdf" })),
    ]);
  }

  return {
    accountSheet: (accountId: string) => accountSheet(pool, accountId),

    /** The imposed PDF's storage key and size, writing it first if it is not kept yet. */
    async file(batch: BatchRow, sheet: SheetId): Promise<{ key: string; bytes: number }> {
      const key = imposedKey(batch, sheet);
      let info = await storage.stat(key);
      if (!info) {
        let job = inFlight.get(key);
        if (!job) {
          job = write(batch, sheet, key).finally(() => inFlight.delete(key));
          inFlight.set(key, job);
        }
        await job;
        info = await storage.stat(key);
        if (!info) throw new Error(`imposed PDF ${key} vanished after writing`);
      }
      return { key, bytes: info.bytes };
    },
  };
}

export type ImposedSheetsService = ReturnType<typeof createImposedSheetsService>;
