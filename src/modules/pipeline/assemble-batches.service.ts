/**
 * The batch step. Planning (once every card has an outcome) groups the rendered cards by format,
 * presorts them and splits them into batches of at most N, in one transaction under the campaign's
 * row lock: each card lands in exactly one batch, and (campaign, format, number) is unique.
 * Assembly then writes each batch's PDF, manifest and ZIP (deterministic keys and bytes, so a
 * retried assembly rewrites the same files) and marks it ready; the last ready batch readies the
 * campaign. A batch whose assembly keeps failing (MAX_BATCH_FAILURES times, over at least the
 * config's giveUpSeconds, so a passing outage is only waited out) is failed, so the campaign
 * finishes and the business sees which batch needs attention.
 */
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { newId } from "../../ids.ts";
import type { Logger } from "../../logger.ts";
import type { Producer } from "../../queue/producer.ts";
import { type BatchReport, canLendPhotos, PhotoBuffers, renderBatch } from "../../render/index.ts";
import type { Storage, StoredObject } from "../../storage/storage.ts";
import { batchFileName } from "../batches/batch-file-name.ts";
import { batchZip } from "../batches/batch-zip.ts";
import { manifestImposition } from "../batches/imposed-sheets.service.ts";
import { manifestHeader, manifestLine } from "../batches/manifest.ts";
import { presort, splitBatches } from "../batches/presort.ts";
import type { CampaignRow } from "../campaigns/campaigns.repository.ts";
import { cardInput, type PhotoLoader } from "../cards/card-input.ts";
import type { TemplatesService } from "../templates/templates.service.ts";
import * as repo from "./pipeline.repository.ts";

/** Failed assemblies before a batch is failed (they must also span giveUpSeconds). */
export const MAX_BATCH_FAILURES = 5;

export function createAssembleService(deps: {
  pool: Pool;
  storage: Storage;
  producer: Producer;
  templates: TemplatesService;
  photos: PhotoLoader;
  batchSize: number;
  giveUpSeconds: number;
  logger: Pick<Logger, "error" | "info">;
}) {
  const { pool, storage, producer } = deps;

  /** Once no batch is assembling: ready when any batch can print, failed when none can. */
  async function finishIfDone(campaignId: string): Promise<void> {
    const batches = await repo.batchesOfCampaign(pool, campaignId);
    if (batches.length > 0 && batches.every((b) => b.status !== "assembling")) {
      const printable = batches.some((b) => b.status !== "failed");
      const status = printable ? "ready" : "failed";
      if (await repo.moveCampaign(pool, campaignId, ["batching"], status))
        logCampaign(campaignId, status, batches);
    }
  }

  /** The campaign's last line in the worker log, once (only the worker that moved it writes it). */
  function logCampaign(campaignId: string, status: "ready" | "failed", batches: repo.BatchRow[]) {
    const failed = batches.filter((b) => b.status === "failed").length;
    deps.logger.info(
      { campaign: campaignId, batches: batches.length, failed_batches: failed },
      `campaign ${status}`,
    );
  }

  return {
    async plan(campaignId: string): Promise<"planned" | "waiting" | "skipped" | "failed"> {
      const outcome = await withTransaction(pool, async (tx) => {
        const { rows } = await tx.query<CampaignRow>(
          "SELECT * FROM campaigns WHERE id = $1 FOR UPDATE",
          [campaignId],
        );
        const campaign = rows[0];
        if (!campaign || !["rendering", "batching"].includes(campaign.status))
          return "skipped" as const;
        if ((await repo.countPending(tx, campaignId)) > 0) return "waiting" as const;
        const cards = await repo.unbatchedRenderedCards(tx, campaignId);
        if (campaign.status === "rendering") {
          const { rows: found } = await tx.query(
            "SELECT 1 FROM cards WHERE campaign_id = $1 AND status = 'rendered' LIMIT 1",
            [campaignId],
          );
          if (found.length === 0) {
            await repo.moveCampaign(tx, campaignId, ["rendering"], "failed");
            return "failed" as const;
          }
        }
        if (cards.length > 0) {
          const existing = await repo.batchesOfCampaign(tx, campaignId);
          let number = existing.filter((b) => b.format === campaign.format).length;
          const sorted = presort(
            cards.map((c) => ({ id: c.id, address: c.data.address, fullName: c.data.fullName })),
          );
          for (const group of splitBatches(sorted, deps.batchSize)) {
            const id = newId("batch");
            number++;
            await repo.insertBatch(tx, {
              id,
              accountId: campaign.account_id,
              campaignId,
              format: campaign.format,
              number,
              cardCount: group.length,
              colorMode: campaign.color_mode ?? "rgb",
            });
            await repo.assignCards(
              tx,
              id,
              group.map((c) => c.id),
            );
          }
        }
        await repo.moveCampaign(tx, campaignId, ["rendering"], "batching");
        return "planned" as const;
      });
      if (outcome === "planned") {
        const batches = await repo.batchesOfCampaign(pool, campaignId);
        const pending = batches.filter((b) => b.status === "assembling");
        await producer.addMany(
          "assemble-batch",
          pending.map((b) => ({ campaignId, batchId: b.id })),
        );
        deps.logger.info(
          { campaign: campaignId, batches: batches.length, assembling: pending.length },
          "campaign rendered, batches planned",
        );
        if (pending.length === 0) await finishIfDone(campaignId);
      }
      if (outcome === "failed")
        deps.logger.info({ campaign: campaignId, reason: "no card rendered" }, "campaign failed");
      return outcome;
    },

    async assemble(batchId: string): Promise<"assembled" | "failed" | "skipped"> {
      const batch = await repo.findBatchById(pool, batchId);
      if (batch?.status !== "assembling") return "skipped";
      const { rows } = await pool.query<CampaignRow>("SELECT * FROM campaigns WHERE id = $1", [
        batch.campaign_id,
      ]);
      const campaign = rows[0];
      // Only a batching campaign has batches to assemble (a cancelled one never gets that far).
      if (campaign?.status !== "batching") return "skipped";
      const started = performance.now();
      try {
        await write(batch, campaign);
        deps.logger.info(
          {
            campaign: batch.campaign_id,
            batch: batchId,
            cards: batch.card_count,
            ms: Math.round(performance.now() - started),
          },
          "batch ready",
        );
      } catch (error) {
        const count = await repo.countBatchFailure(pool, batchId);
        if (!count || count.failures < MAX_BATCH_FAILURES || count.seconds < deps.giveUpSeconds)
          throw error;
        // The error itself (paths, storage details) goes to the log, not to the business.
        deps.logger.error({ batch: batchId, err: error }, "batch failed for good");
        const minutes = Math.round(count.seconds / 60);
        await repo.markBatchFailed(
          pool,
          batchId,
          `Assembly failed ${count.failures} times over ${minutes} minutes. Its cards are rendered and kept; the worker log has the error under batch ${batchId}.`,
        );
        await finishIfDone(batch.campaign_id);
        return "failed";
      }
      await finishIfDone(batch.campaign_id);
      return "assembled";
    },
  };

  /**
   * The batch's PDF, manifest and ZIP, written to storage; then the batch is ready. The batch is
   * drawn here in the worker, not in the render sandbox: every card in it has already rendered
   * alone in the sandbox, within its bounds, from the same frozen inputs (the renderer is
   * deterministic), and a batch streams page by page with flat memory.
   */
  async function write(batch: repo.BatchRow, campaign: CampaignRow): Promise<void> {
    const batchId = batch.id;
    const cards = await repo.batchCards(pool, batchId);
    const base = `accounts/${batch.account_id}/campaigns/${batch.campaign_id}/batches/${batch.format}-${String(batch.number).padStart(3, "0")}`;
    const title = `${campaign.name} — ${batch.format} batch ${batch.number}`;

    const writer = await storage.openWriter(`${base}.pdf`, { contentType: "application/pdf" });
    // Into a file, a photo only one card of the batch shows is read into buffers the batch reuses
    // (photo-buffers.ts): a fresh ~1 MB buffer per card starts a full GC every ten or so cards.
    const buffers = canLendPhotos(writer.stream) ? new PhotoBuffers() : undefined;
    const once = buffers ? photosShownOnce(cards, campaign.photo_id) : new Set<string>();
    async function* inputs() {
      for (const card of cards) {
        const photoId = card.photo_id ?? campaign.photo_id;
        const into = photoId && once.has(photoId) ? buffers : undefined;
        yield { ...(await cardInput(deps, campaign, card, into)), id: card.id };
      }
    }
    let report: BatchReport;
    let pdf: StoredObject;
    try {
      report = await renderBatch(inputs(), writer.stream, {
        sequence: true,
        title,
        colourMode: batch.color_mode,
        ...(buffers ? { photoBuffers: buffers } : {}),
      });
      pdf = await writer.done();
    } catch (error) {
      // No half-written temp file, no dangling upload.
      await writer.abort(error as Error);
      throw error;
    }
    if (report.failed > 0) {
      const first = report.outcomes.find((o) => !o.ok);
      throw new Error(
        `batch ${batchId}: ${report.failed} card(s) failed to draw (${first?.report.failure?.detail ?? "unknown"})`,
      );
    }
    const lines = [manifestHeader()];
    const imposed = await manifestImposition(pool, batch, cards.length);
    for (const outcome of report.outcomes) {
      const card = cards[outcome.index];
      if (!card) continue;
      lines.push(
        manifestLine({
          sequence: outcome.index + 1,
          firstPage: outcome.firstPage ?? 0,
          pages: outcome.report.pages ?? card.pages ?? 0,
          cardId: card.id,
          recipient: card.data,
          campaign: campaign.name,
          imposed: imposed(outcome.index),
        }),
      );
    }
    const manifest = await storage.put(`${base}.csv`, Buffer.from(lines.join("")), {
      contentType: "text/csv",
    });
    const name = batchFileName({
      id: batch.id,
      format: batch.format,
      number: batch.number,
      campaignName: campaign.name,
      fromAutomation: campaign.automation_id != null,
      test: campaign.mode === "test",
    });
    const zip = await storage.put(
      `${base}.zip`,
      batchZip([
        { name: `${name}.pdf`, stream: await storage.get(pdf.key), sha256: pdf.sha256 },
        { name: `${name}.csv`, stream: await storage.get(manifest.key), sha256: manifest.sha256 },
      ]),
      { contentType: "application/zip" },
    );
    await repo.markBatchReady(pool, batchId, { pages: report.pages, pdf, manifest, zip });
  }
}

export type AssembleService = ReturnType<typeof createAssembleService>;

/** The photos exactly one card of the batch shows (a card without one shows the campaign's). */
function photosShownOnce(
  cards: ReadonlyArray<{ photo_id: string | null }>,
  campaignPhoto: string | null,
): Set<string> {
  const seen = new Map<string, number>();
  for (const card of cards) {
    const id = card.photo_id ?? campaignPhoto;
    if (id) seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return new Set([...seen].flatMap(([id, n]) => (n === 1 ? [id] : [])));
}
