/**
 * The queues and their job payloads. Payloads carry ids only (never recipient data): a worker
 * re-reads the state from PostgreSQL, so a stale or duplicated job cannot print a wrong card.
 * Job ids are derived from what the job is about, so enqueueing twice is harmless.
 */
import { Type } from "typebox";
import { Value } from "typebox/value";

export const QUEUE = "cardmerge";

export const StartCampaignJob = Type.Object({ campaignId: Type.String() });
export const RenderCardsJob = Type.Object({
  campaignId: Type.String(),
  /** The chunk's fixed number in the campaign: the job id, stable across re-enqueues. */
  chunk: Type.Integer({ minimum: 0 }),
  cardIds: Type.Array(Type.String(), { minItems: 1, maxItems: 1000 }),
});
export const PlanBatchesJob = Type.Object({ campaignId: Type.String() });
export const AssembleBatchJob = Type.Object({ campaignId: Type.String(), batchId: Type.String() });
/** The automations' clock: made by a BullMQ job scheduler, it carries nothing (the time is now). */
export const AutomationsTickJob = Type.Object({}, { additionalProperties: false });
/** One account's automations, one calendar day (YYYY-MM-DD). */
export const RunAutomationsJob = Type.Object({
  accountId: Type.String({ maxLength: 64 }),
  date: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }),
});
/** One attempt of one webhook delivery (the attempt number keeps each retry's job id its own). */
export const DeliverWebhookJob = Type.Object({
  deliveryId: Type.String({ maxLength: 64 }),
  attempt: Type.Integer({ minimum: 0 }),
});

export interface JobPayloads {
  "start-campaign": { campaignId: string };
  "render-cards": { campaignId: string; chunk: number; cardIds: string[] };
  "plan-batches": { campaignId: string };
  "assemble-batch": { campaignId: string; batchId: string };
  "automations-tick": Record<string, never>;
  "run-automations": { accountId: string; date: string };
  "deliver-webhook": { deliveryId: string; attempt: number };
}
export type JobName = keyof JobPayloads;

const SCHEMAS = {
  "start-campaign": StartCampaignJob,
  "render-cards": RenderCardsJob,
  "plan-batches": PlanBatchesJob,
  "assemble-batch": AssembleBatchJob,
  "automations-tick": AutomationsTickJob,
  "run-automations": RunAutomationsJob,
  "deliver-webhook": DeliverWebhookJob,
} as const;

/** A job whose payload does not match its schema: retrying cannot help. */
export class BadPayload extends Error {
  override name = "BadPayload";
}

/** Validates a payload where it enters a worker (parse at the border). */
export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayloads[N] {
  const schema = SCHEMAS[name];
  if (!Value.Check(schema, data)) {
    const first = [...Value.Errors(schema, data)][0];
    throw new BadPayload(
      `bad ${name} payload: ${first ? `${first.instancePath} ${first.message}` : "invalid"}`,
    );
  }
  return data as JobPayloads[N];
}

/** Deterministic job ids: the same work always has the same id. */
export function jobId<N extends JobName>(name: N, payload: JobPayloads[N]): string {
  switch (name) {
    case "render-cards": {
      const { campaignId, chunk } = payload as JobPayloads["render-cards"];
      return `render-cards.${campaignId}.${chunk}`;
    }
    case "assemble-batch":
      return `assemble-batch.${(payload as JobPayloads["assemble-batch"]).batchId}`;
    case "automations-tick":
      // Ticks are made by the job scheduler, which names them itself; this one is a tick by hand.
      return "automations-tick.now";
    case "run-automations": {
      const { accountId, date } = payload as JobPayloads["run-automations"];
      return `run-automations.${accountId}.${date}`;
    }
    case "deliver-webhook": {
      const { deliveryId, attempt } = payload as JobPayloads["deliver-webhook"];
      return `deliver-webhook.${deliveryId}.${attempt}`;
    }
    default:
      return `${name}.${(payload as { campaignId: string }).campaignId}`;
  }
}
