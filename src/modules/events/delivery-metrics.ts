/**
 * The one place webhook delivery outcomes are reported, attempt by attempt: counted in /metrics
 * (cardmerge webhook deliveries by outcome, and their seconds).
 */
import { pipelineMetrics } from "../../metrics/pipeline-metrics.ts";

export interface DeliveryOutcome {
  /** succeeded: a 2xx; failed: any other answer, a timeout or a refused address. */
  outcome: "succeeded" | "failed";
  /** The receiver's status, null when no answer came. */
  statusCode: number | null;
  /** The address guard refused to connect (SSRF rules). */
  refused: boolean;
  durationMs: number;
  attempt: number;
}

export function countDeliveryOutcome(o: DeliveryOutcome): void {
  pipelineMetrics.webhookDelivery(
    o.outcome === "succeeded" ? "delivered" : "failed",
    o.durationMs / 1000,
  );
}
