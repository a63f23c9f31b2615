/**
 * A campaign leaves draft: submit freezes it (one card per recipient, data copied) and schedules
 * its start; start (a delayed job, at send_at) moves it to rendering and enqueues the render jobs;
 * cancel works until its batches are planned: cards not rendered yet are not rendered any more (the
 * render step checks card by card), no batch is planned, and rendered cards stay on record.
 */
import type { Pool, PoolClient } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { AppError, conflict } from "../../errors.ts";
import type { Producer } from "../../queue/producer.ts";
import type { CampaignsService } from "../campaigns/campaigns.service.ts";
import { emitCampaignEvent } from "../events/object-events.ts";
import { assignShortUrls } from "../scans/qr-tokens.ts";
import * as repo from "./pipeline.repository.ts";

const MAX_AHEAD_DAYS = 180;

export function createSubmitService(deps: {
  pool: Pool;
  producer: Producer;
  campaigns: CampaignsService;
  renderChunkSize: number;
  /** Base of the cards' short URLs (QR codes), fixed on each card as it is made. */
  publicUrl: string;
}) {
  const { pool, producer, campaigns } = deps;

  /** Enqueues render jobs for every pending card of a campaign, in chunks. */
  async function enqueuePending(campaignId: string): Promise<number> {
    const chunks = await repo.pendingChunks(pool, campaignId, deps.renderChunkSize);
    const jobs = [...chunks].map(([chunk, cardIds]) => ({ campaignId, chunk, cardIds }));
    await producer.addMany("render-cards", jobs);
    return jobs.reduce((n, j) => n + j.cardIds.length, 0);
  }

  /**
   * Inside the caller's transaction, with the draft campaign locked: one card per recipient (data
   * frozen), draft → scheduled, send_at set. Returns the ms until send_at; after the commit the
   * caller enqueues the start ({@link enqueueStart}), and the reconciler does if it never gets to.
   */
  async function freeze(tx: PoolClient, campaignId: string, sendAt: Date | null): Promise<number> {
    const cards = await repo.insertCardsForCampaign(tx, campaignId);
    if (cards === 0) {
      throw new AppError(
        "unprocessable",
        "The campaign has no recipients: import some before submitting.",
      );
    }
    await assignShortUrls(tx, campaignId, deps.publicUrl);
    await repo.takeAccountColorMode(tx, campaignId);
    const moved = await repo.moveCampaign(tx, campaignId, ["draft"], "scheduled");
    await repo.fixRenderChunkSize(tx, campaignId, deps.renderChunkSize);
    const delayMs = await repo.scheduleSend(tx, campaignId, sendAt);
    if (moved) await emitCampaignEvent(tx, campaignId, "campaign.submitted");
    return delayMs;
  }

  const enqueueStart = (campaignId: string, delayMs = 0) =>
    producer.add("start-campaign", { campaignId }, { delayMs });

  return {
    enqueuePending,
    freeze,
    enqueueStart,

    /**
     * `requireApprovedProofs` (the console): refused unless someone approved the proofs of the
     * campaign as it is now, checked under the same lock as the freeze, so no change slips between.
     */
    async submit(
      accountId: string,
      campaignId: string,
      sendAt?: Date,
      opts: { requireApprovedProofs?: boolean } = {},
    ) {
      const now = Date.now();
      if (sendAt && sendAt.getTime() > now + MAX_AHEAD_DAYS * 86_400_000) {
        throw new AppError("validation", `send_at can be at most ${MAX_AHEAD_DAYS} days ahead.`, {
          errors: [{ field: "send_at", message: `more than ${MAX_AHEAD_DAYS} days ahead` }],
        });
      }
      // Times are PostgreSQL's (start compares send_at with its now()): no clock skew between hosts.
      const later = sendAt && sendAt.getTime() > now ? sendAt : null;
      const delayMs = await withTransaction(pool, async (tx) => {
        const campaign = await campaigns.lockDraft(tx, accountId, campaignId);
        if (opts.requireApprovedProofs && !campaign.proofs_approved_at) {
          throw new AppError(
            "conflict",
            "Check the proofs first: tick “I have checked these proofs” and approve them, then submit. (A change to the design, message, photo or recipients asks for a new check.)",
          );
        }
        const delay = await freeze(tx, campaign.id, later);
        // Sent now: it is rendering from this moment (the start job finds it so and enqueues
        // its cards), and the answer says so instead of "scheduled".
        if (!later) await repo.moveCampaign(tx, campaign.id, ["scheduled"], "rendering");
        return delay;
      });
      // After commit: a crash here is healed by the reconciler (a scheduled campaign past its time).
      await enqueueStart(campaignId, delayMs);
      return campaigns.get(accountId, campaignId);
    },

    async cancel(accountId: string, campaignId: string) {
      const campaign = await campaigns.get(accountId, campaignId);
      // Planning batches locks the campaign row and moves it on from rendering in one transaction:
      // either this comes first (nothing is planned) or it finds the campaign batching (409).
      const moved = await repo.moveCampaign(
        pool,
        campaignId,
        ["draft", "scheduled", "rendering"],
        "cancelled",
      );
      if (!moved) {
        const { rows } = await pool.query<{ status: string }>(
          "SELECT status FROM campaigns WHERE id = $1",
          [campaignId],
        );
        throw conflict(
          `Campaign is ${rows[0]?.status ?? campaign.status}: it can be cancelled only until its cards are rendered.`,
        );
      }
      await producer.remove("start-campaign", { campaignId });
      return campaigns.get(accountId, campaignId);
    },

    /** The start job: at send_at, scheduled → rendering, then render jobs for every pending card. */
    async start(campaignId: string): Promise<"started" | "not_due" | "skipped"> {
      const moved = await repo.moveCampaign(
        pool,
        campaignId,
        ["scheduled"],
        "rendering",
        "AND send_at <= now()",
      );
      if (!moved) {
        const { rows } = await pool.query<{ status: string }>(
          "SELECT status FROM campaigns WHERE id = $1",
          [campaignId],
        );
        if (rows[0]?.status === "scheduled") {
          // Early (a retry, a reconciler, clocks): come back when it is due.
          const delayMs = await repo.msUntilSend(pool, campaignId);
          await producer.add("start-campaign", { campaignId }, { delayMs });
          return "not_due";
        }
        if (rows[0]?.status !== "rendering") return "skipped";
      }
      // Nothing left to render (e.g. a restart after the last card): go straight to batching.
      if ((await enqueuePending(campaignId)) === 0)
        await producer.add("plan-batches", { campaignId });
      return "started";
    },
  };
}

export type SubmitService = ReturnType<typeof createSubmitService>;
