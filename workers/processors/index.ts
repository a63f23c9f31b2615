/**
 * The queue processor of a worker process: one BullMQ Worker whose jobs are thin adapters over the
 * pipeline services. Bad payloads fail without retry (UnrecoverableError); anything else retries
 * with backoff, and a worker that dies mid-job has its job taken up again once its lock expires.
 */
import { UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Deps } from "../../src/deps.ts";
import { pipelineMetrics } from "../../src/metrics/pipeline-metrics.ts";
import { queuePrefix } from "../../src/queue/connection.ts";
import { BadPayload, type JobName, parsePayload, QUEUE } from "../../src/queue/jobs.ts";

export interface RunningProcessors {
  names: string[];
  close(): Promise<void>;
}

type Handler = (data: unknown) => Promise<unknown>;

function handlers(deps: Deps): Record<JobName, Handler> {
  return {
    "start-campaign": (data) => deps.submit.start(parsePayload("start-campaign", data).campaignId),
    "render-cards": (data) => {
      const { campaignId, cardIds } = parsePayload("render-cards", data);
      return deps.renderCards(campaignId, cardIds);
    },
    "plan-batches": (data) => deps.assemble.plan(parsePayload("plan-batches", data).campaignId),
    "assemble-batch": (data) =>
      pipelineMetrics.timeAssembly(() =>
        deps.assemble.assemble(parsePayload("assemble-batch", data).batchId),
      ),
    "automations-tick": async (data) => {
      parsePayload("automations-tick", data);
      return deps.automationsClock.tick(new Date());
    },
    "run-automations": async (data) => {
      const { accountId, date } = parsePayload("run-automations", data);
      const days = await deps.dailyRun.runDay({ accountId, date });
      // The job is retried for the automations that failed; the others are done and skip.
      const failed = days.filter((d) => d.status === "failed");
      if (failed.length > 0)
        throw new Error(failed.map((d) => `${d.automation_id}: ${d.error}`).join("; "));
      return days;
    },
    "deliver-webhook": (data) =>
      deps.webhookDelivery.deliver(parsePayload("deliver-webhook", data).deliveryId),
  };
}

export async function startProcessors(deps: Deps): Promise<RunningProcessors> {
  const { config, logger } = deps;
  const byName = handlers(deps);
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  connection.on("error", () => {});
  const worker = new Worker(
    QUEUE,
    async (job) => {
      const handler = byName[job.name as JobName];
      if (!handler) throw new UnrecoverableError(`unknown job ${job.name}`);
      try {
        return await handler(job.data);
      } catch (error) {
        if (error instanceof BadPayload) throw new UnrecoverableError(error.message);
        throw error;
      }
    },
    {
      connection,
      prefix: queuePrefix(config),
      concurrency: config.worker.concurrency,
      lockDuration: config.worker.lockMs,
      stalledInterval: Math.max(1000, Math.floor(config.worker.lockMs / 2)),
      maxStalledCount: 5,
    },
  );
  worker.on("failed", (job, err) =>
    logger.warn({ job: job?.id, attempt: job?.attemptsMade, err: err.message }, "job failed"),
  );
  worker.on("error", (err) => logger.error({ err: err.message }, "worker error"));

  // The automations' clock: one schedule however many workers upsert it, made again by the
  // reconciler's round if Redis lost it.
  const clock = () =>
    deps.producer.every("automations-tick", config.worker.automationTickSeconds * 1000, {});
  await clock();

  // The reconciler: everything unfinished at start, then stalled work every interval.
  const reconcile = (full: boolean) =>
    deps.reconcile({ full }).then(
      (report) => logger.info({ ...report, full }, "reconciled"),
      (err: Error) => logger.error({ err: err.message }, "reconcile failed"),
    );
  await reconcile(true);
  // The webhook outbox: due deliveries are read from PostgreSQL and enqueued, every poll.
  let polling = false;
  const pollWebhooks = setInterval(() => {
    if (polling) return;
    polling = true;
    deps.webhookDelivery
      .enqueueDue()
      .catch((err: Error) => logger.error({ err: err.message }, "webhook poll failed"))
      .finally(() => {
        polling = false;
      });
  }, config.webhooks.pollMs);
  pollWebhooks.unref();
  const timer = setInterval(() => {
    void reconcile(false);
    clock().catch((err: Error) => logger.error({ err: err.message }, "automations clock"));
  }, config.worker.reconcileSeconds * 1000);
  timer.unref();

  return {
    names: Object.keys(byName),
    async close() {
      clearInterval(timer);
      clearInterval(pollWebhooks);
      // Waits for jobs in flight; what cannot finish in the grace period is taken up by another worker.
      await worker.close();
      connection.disconnect();
    },
  };
}
