/**
 * What the pipeline does, counted where it happens (a worker process, or the CLI rendering alone):
 * cards rendered and failed by reason, render seconds per card, batch assembly seconds, webhook
 * deliveries. One registry per process, as prom-client intends and as a logger is: counting is
 * a side concern of every process, so the pipeline calls one function here instead of having a
 * registry threaded through its dependencies. A worker publishes this registry to Redis
 * (./worker-snapshots.ts) and the API's /metrics adds up every worker's, so Prometheus scrapes one
 * target however many worker containers or machines there are.
 */
import { Counter, Histogram, Registry } from "prom-client";

export const pipelineRegistry = new Registry();

const cardsRendered = new Counter({
  name: "cardmerge_cards_rendered_total",
  help: "Cards rendered and recorded (a card counts once: the first outcome wins)",
  registers: [pipelineRegistry],
});

const cardsFailed = new Counter({
  name: "cardmerge_cards_failed_total",
  help: "Cards failed for good, by reason (message_overflow, render_limit, render_crash, render_error…)",
  labelNames: ["reason"] as const,
  registers: [pipelineRegistry],
});

const renderSeconds = new Histogram({
  name: "cardmerge_card_render_seconds",
  help: "Wall seconds to draw one card in the render sandbox (worker side), by outcome",
  labelNames: ["outcome"] as const,
  buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
  registers: [pipelineRegistry],
});

const assemblySeconds = new Histogram({
  name: "cardmerge_batch_assembly_seconds",
  help: "Wall seconds to assemble one print batch (PDF, manifest, ZIP), by outcome",
  labelNames: ["outcome"] as const,
  buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
  registers: [pipelineRegistry],
});

const webhookDeliveries = new Counter({
  name: "cardmerge_webhook_deliveries_total",
  help: "Webhook delivery attempts, by outcome (delivered, failed: will retry, gave_up)",
  labelNames: ["outcome"] as const,
  registers: [pipelineRegistry],
});

const webhookSeconds = new Histogram({
  name: "cardmerge_webhook_delivery_seconds",
  help: "Wall seconds of one webhook delivery attempt (request to answer or timeout)",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: [pipelineRegistry],
});

/** Failure reasons are a closed list in render/report.ts; anything else is folded, so no caller can grow the series. */
const REASON = /^[a-z_]{1,32}$/;

export type WebhookOutcome = "delivered" | "failed" | "gave_up";

export const pipelineMetrics = {
  /** A card's outcome was recorded: `changed` is the UPDATE's rowCount (0 when another attempt won). */
  cardRendered(changed: number | null): void {
    if (changed) cardsRendered.inc(changed);
  },
  cardFailed(changed: number | null, reason: string): void {
    if (changed) cardsFailed.inc({ reason: REASON.test(reason) ? reason : "other" }, changed);
  },
  /** Times one card's render; a CardRenderError counts as outcome "failed", a crash as "error". */
  async timeRender<T>(run: () => Promise<T>): Promise<T> {
    return timed(renderSeconds, run, (e) =>
      (e as { name?: string }).name === "CardRenderError" ? "failed" : "error",
    );
  },
  async timeAssembly<T>(run: () => Promise<T>): Promise<T> {
    return timed(
      assemblySeconds,
      run,
      () => "error",
      (result) => (result === "skipped" ? undefined : String(result)),
    );
  },
  /**
   * For the webhook delivery (modules/events, in progress on its own branch): call once per
   * delivery attempt with its outcome and how long the request took.
   */
  webhookDelivery(outcome: WebhookOutcome, seconds?: number): void {
    webhookDeliveries.inc({ outcome });
    if (seconds !== undefined) webhookSeconds.observe(seconds);
  },
};

async function timed<T>(
  histogram: Histogram<"outcome">,
  run: () => Promise<T>,
  errorOutcome: (error: unknown) => string,
  okOutcome: (result: T) => string | undefined = () => "ok",
): Promise<T> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const result = await run();
    const outcome = okOutcome(result);
    // A skipped job did nothing: timing it would pull the histogram towards zero.
    if (outcome) histogram.observe({ outcome }, seconds());
    return result;
  } catch (error) {
    histogram.observe({ outcome: errorOutcome(error) }, seconds());
    throw error;
  }
}
