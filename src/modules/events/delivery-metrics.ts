/**
 * The one place webhook delivery outcomes are reported, attempt by attempt. Counting them (a
 * prom-client counter labelled by outcome) is one line in countDeliveryOutcome.
 */
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

export function countDeliveryOutcome(_outcome: DeliveryOutcome): void {}
