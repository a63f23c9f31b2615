/**
 * PostgreSQL is the source of truth; Redis only carries work. The reconciler re-enqueues whatever
 * PostgreSQL says is unfinished, so an emptied Redis or a lost job costs time, never cards.
 * Every job it adds has a deterministic id, so work already queued is not duplicated, and every
 * job is idempotent, so work done twice prints once.
 */
import type { Pool } from "../../db/pool.ts";
import type { Producer } from "../../queue/producer.ts";
import type { SubmitService } from "./submit.service.ts";

export interface ReconcileReport {
  started: number;
  scheduled: number;
  rendering: number;
  cards: number;
  batching: number;
}

export function createReconciler(deps: {
  pool: Pool;
  producer: Producer;
  submit: SubmitService;
  stallSeconds: number;
}) {
  const { pool, producer, submit } = deps;

  /**
   * `full` (at worker start): every unfinished campaign gets its jobs again. Otherwise (every
   * minute) only campaigns that made no progress for `stallSeconds`.
   */
  return async function reconcile(opts: { full: boolean }): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      started: 0,
      scheduled: 0,
      rendering: 0,
      cards: 0,
      batching: 0,
    };
    const { rows: scheduled } = await pool.query<{ id: string; send_at: Date }>(
      "SELECT id, send_at FROM campaigns WHERE status = 'scheduled'",
    );
    for (const c of scheduled) {
      const delayMs = Math.max(0, c.send_at.getTime() - Date.now());
      await producer.add("start-campaign", { campaignId: c.id }, { delayMs });
      if (delayMs === 0) report.started++;
      else report.scheduled++;
    }

    const { rows: rendering } = await pool.query<{ id: string }>(
      `SELECT c.id FROM campaigns c
        WHERE c.status = 'rendering'
          AND ($1 OR (c.rendering_at < now() - make_interval(secs => $2)
                      AND NOT EXISTS (SELECT 1 FROM cards k
                                       WHERE k.campaign_id = c.id
                                         AND greatest(k.rendered_at, k.failed_at) > now() - make_interval(secs => $2))))`,
      [opts.full, deps.stallSeconds],
    );
    for (const c of rendering) {
      report.rendering++;
      const cards = await submit.enqueuePending(c.id);
      report.cards += cards;
      if (cards === 0) await producer.add("plan-batches", { campaignId: c.id });
    }

    const { rows: batching } = await pool.query<{ id: string }>(
      "SELECT id FROM campaigns WHERE status = 'batching'",
    );
    for (const c of batching) {
      report.batching++;
      await producer.add("plan-batches", { campaignId: c.id });
    }
    return report;
  };
}

export type Reconciler = ReturnType<typeof createReconciler>;
