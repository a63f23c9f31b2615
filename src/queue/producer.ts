/**
 * The one way work gets into Redis: typed payloads, deterministic job ids, retries with backoff.
 * Completed jobs are removed so the same id can be enqueued again later (PostgreSQL, not Redis,
 * remembers what is done).
 */
import { type JobsOptions, Queue } from "bullmq";
import { Redis } from "ioredis";
import type { Config } from "../config.ts";
import { queuePrefix } from "./connection.ts";
import { type JobName, type JobPayloads, jobId, QUEUE } from "./jobs.ts";

export interface Producer {
  add<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    opts?: { delayMs?: number },
  ): Promise<void>;
  addMany<N extends JobName>(name: N, payloads: JobPayloads[N][]): Promise<void>;
  /** Removes a delayed job (e.g. a cancelled campaign's start); absent jobs are fine. */
  remove<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<void>;
  /**
   * A BullMQ job scheduler making `name` jobs every `everyMs` (the first at once), upserted: every
   * process may call it, at start and every reconcile, there is one schedule. 0 removes it.
   */
  every<N extends JobName>(name: N, everyMs: number, payload: JobPayloads[N]): Promise<void>;
  queue: Queue;
  close(): Promise<void>;
}

const DEFAULTS: JobsOptions = {
  attempts: 6,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: true,
  // Failed jobs leave Redis too: PostgreSQL still says the work is unfinished, and the
  // reconciler enqueues it again under the same id (a kept failed job would block that id).
  removeOnFail: true,
};

export function createProducer(config: Pick<Config, "redisUrl" | "redisPrefix">): Producer {
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  connection.on("error", () => {});
  const queue = new Queue(QUEUE, {
    connection,
    prefix: queuePrefix(config),
    defaultJobOptions: DEFAULTS,
  });
  queue.on("error", () => {});
  return {
    queue,
    async add(name, payload, opts = {}) {
      await queue.add(name, payload, {
        jobId: jobId(name, payload),
        ...(opts.delayMs ? { delay: opts.delayMs } : {}),
      });
    },
    async addMany(name, payloads) {
      if (payloads.length === 0) return;
      await queue.addBulk(
        payloads.map((data) => ({ name, data, opts: { jobId: jobId(name, data) } })),
      );
    },
    async remove(name, payload) {
      await queue.remove(jobId(name, payload)).catch(() => 0);
    },
    async every(name, everyMs, payload) {
      if (everyMs <= 0) {
        await queue.removeJobScheduler(name);
        return;
      }
      // Left alone when it is there as asked (so calling this often does not move its next tick);
      // made again when missing, e.g. after Redis lost everything.
      if ((await queue.getJobScheduler(name))?.every === everyMs) return;
      // One attempt: a tick that fails is followed by the next one.
      await queue.upsertJobScheduler(
        name,
        { every: everyMs },
        { name, data: payload, opts: { attempts: 1, removeOnComplete: true, removeOnFail: true } },
      );
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
