/**
 * The render step: each pending card of a chunk becomes a print-ready PDF in storage and an outcome
 * in PostgreSQL. Idempotent: a rendered or failed card is skipped, and a re-render writes the same
 * bytes to the same key. A card that cannot render (overflowing message, a render bound…) fails
 * once, with its reason, and does not hold up the campaign; storage or database faults throw so the
 * job retries.
 *
 * Cards render in the render sandbox (child processes with memory, time and output caps), so a
 * runaway card fails with render_limit instead of taking the worker down. Should one kill its
 * render process, or the worker itself, the start counted before its render says so: after
 * MAX_RENDER_CRASHES such starts the card is failed (render_crash) at its next pickup, without
 * rendering it again.
 */
import type { Pool } from "../../db/pool.ts";
import type { Logger } from "../../logger.ts";
import type { Producer } from "../../queue/producer.ts";
import { CardRenderError } from "../../render/index.ts";
import {
  type RenderedParts,
  type RenderPool,
  RenderProcessError,
} from "../../render-sandbox/render-pool.ts";
import type { Storage } from "../../storage/storage.ts";
import type { CampaignRow } from "../campaigns/campaigns.repository.ts";
import { cardInput, type PhotoLoader, photoRef } from "../cards/card-input.ts";
import { cardPdfKey, createCardPdfStore } from "../cards/card-pdf.ts";
import type { TemplatesService } from "../templates/templates.service.ts";
import * as repo from "./pipeline.repository.ts";

/**
 * Unexpected faults a card may cause before it is failed with reason render_error; they must also
 * span the config's giveUpSeconds, so a passing outage is waited out.
 */
export const MAX_CARD_ATTEMPTS = 4;

/** Renders of one card that killed their process before it is failed with reason render_crash. */
export const MAX_RENDER_CRASHES = 2;

export { cardPdfKey };

export function createRenderCardsService(deps: {
  pool: Pool;
  storage: Storage;
  producer: Producer;
  templates: TemplatesService;
  photos: PhotoLoader;
  renderPool: Pick<RenderPool, "renderParts">;
  giveUpSeconds: number;
  logger: Pick<Logger, "error" | "info">;
}) {
  const { pool, producer } = deps;
  const storeCardPdf = createCardPdfStore(deps.storage);

  return async function renderCards(
    campaignId: string,
    cardIds: string[],
  ): Promise<{ rendered: number; failed: number; skipped: number }> {
    const started = performance.now();
    const { rows } = await pool.query<CampaignRow>(
      "SELECT *, 0 AS recipients FROM campaigns WHERE id = $1",
      [campaignId],
    );
    const campaign = rows[0];
    const result = { rendered: 0, failed: 0, skipped: 0 };
    // A cancelled or deleted campaign renders nothing more.
    if (campaign?.status !== "rendering") {
      result.skipped = cardIds.length;
      return result;
    }
    for (const card of await repo.cardsById(pool, campaignId, cardIds)) {
      // Counted before anything of the card is loaded or drawn; nothing when the card is done or
      // its campaign was cancelled meanwhile (checked card by card, not once per chunk).
      const start = card.status === "pending" ? await repo.startRender(pool, card.id) : undefined;
      if (!start) {
        result.skipped++;
        continue;
      }
      if (start.crashes >= MAX_RENDER_CRASHES) {
        deps.logger.error({ card: card.id, crashes: start.crashes }, "card crashed its renders");
        await repo.markFailed(pool, card.id, {
          reason: "render_crash",
          detail: `Drawing this card crashed the process drawing it ${start.crashes} times, so it is not tried again; the campaign's other cards go on. Simplify the design or the message; the worker log has the crashes under card ${card.id}.`,
          report: {},
        });
        result.failed++;
        continue;
      }
      let rendered: RenderedParts;
      let photo: ReturnType<typeof photoRef>;
      try {
        const input = await cardInput(deps, campaign, card);
        photo = photoRef(input.photo);
        rendered = await deps.renderPool.renderParts(input);
      } catch (error) {
        if (error instanceof CardRenderError) {
          await repo.markFailed(pool, card.id, {
            reason: error.reason,
            detail: error.message,
            report: error.report,
          });
          result.failed++;
          continue;
        }
        // Its render process died under it: the start stays without an end (a crash, as if the
        // worker had died), and the job comes back for the next pickup to judge.
        if (error instanceof RenderProcessError && error.crashed) throw error;
        // Something about this card (a photo gone from storage, a drawing fault on its data) or a
        // passing fault: retry a few times, then fail the card so the campaign is not held up.
        const fault = await repo.countFault(pool, card.id);
        if (!fault || fault.attempts < MAX_CARD_ATTEMPTS || fault.seconds < deps.giveUpSeconds)
          throw error;
        // The error itself (paths, storage details) goes to the log, not to the business.
        deps.logger.error({ card: card.id, err: error }, "card failed for good");
        const minutes = Math.round(fault.seconds / 60);
        const detail = `The card could not be rendered after ${fault.attempts} attempts over ${minutes} minutes; the worker log has the error under card ${card.id}.`;
        await repo.markFailed(pool, card.id, { reason: "render_error", detail, report: {} });
        result.failed++;
        continue;
      }
      // Storage and database faults from here on are the infrastructure's, not the card's: the job
      // retries. The render itself came back, so its start is not a crash (best effort: with the
      // database gone this cannot be written, and one such start alone fails nothing).
      try {
        // Stored without its photo and font programs (card-pdf.ts): kept once, not once per card.
        const stored = await storeCardPdf(card, rendered, photo);
        await repo.markRendered(pool, card.id, {
          pdfKey: stored.key,
          sha256: stored.sha256,
          pages: rendered.report.pages,
          report: rendered.report,
        });
      } catch (error) {
        await repo.endRender(pool, card.id).catch(() => {});
        throw error;
      }
      result.rendered++;
    }
    // One query gives both the last chunk's signal and the campaign's progress for the log.
    const counts = await repo.cardCounts(pool, campaignId);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const pending = counts.pending ?? 0;
    // One line per chunk: what a watcher of the worker's log needs to see it move, no names.
    deps.logger.info(
      {
        campaign: campaignId,
        cards: cardIds.length,
        ...result,
        ms: Math.round(performance.now() - started),
        progress: `${total - pending}/${total}`,
        failed_so_far: counts.failed ?? 0,
      },
      "render chunk done",
    );
    if (pending === 0) await producer.add("plan-batches", { campaignId });
    return result;
  };
}

export type RenderCardsService = ReturnType<typeof createRenderCardsService>;
