/**
 * Worker metrics reach Prometheus through Redis, not through a port per worker. Each worker process
 * writes its pipeline registry (prom-client's JSON form) into one Redis hash every few seconds and
 * when it stops; the API's /metrics reads the hash at scrape time and sums the fresh entries with
 * prom-client's AggregatorRegistry (the cluster-mode aggregation). Why: workers are many, scaled
 * (`--scale worker=N`), forked (WORKER_PROCESSES children) and maybe on machines Prometheus cannot
 * reach; they already share one Redis, and the API is already the authenticated HTTP front. One
 * scrape target, one guard, no service discovery. Cost: one HSET per worker process per interval,
 * whatever the number of cards. A process gone quiet for STALE_MS drops out of the sum (its counts
 * with it: Prometheus's rate() reads that as a counter reset, as for any restarted process).
 */
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import { AggregatorRegistry, type Registry } from "prom-client";
import { pipelineRegistry } from "./pipeline-metrics.ts";

/** How often a worker process publishes its counts. */
export const PUBLISH_MS = 5_000;
/** A snapshot older than this is from a process that is gone: ignored, then removed. */
export const STALE_MS = 60_000;

export const snapshotsKey = (prefix: string) => `${prefix}:metrics:workers`;

interface Snapshot {
  at: number;
  metrics: object[];
}

export interface MetricsPublisher {
  /** Publishes now (e.g. at the end of a test or a job). */
  flush(): Promise<void>;
  /** Publishes a last time and stops. */
  close(): Promise<void>;
}

export function startMetricsPublisher(opts: {
  redis: Redis;
  prefix: string;
  registry?: Registry;
  everyMs?: number;
}): MetricsPublisher {
  const registry = opts.registry ?? pipelineRegistry;
  const field = `${hostname()}:${process.pid}`;
  const key = snapshotsKey(opts.prefix);
  const flush = async () => {
    const snapshot: Snapshot = { at: Date.now(), metrics: await registry.getMetricsAsJSON() };
    await opts.redis.hset(key, field, JSON.stringify(snapshot));
  };
  // Counting must never stop a worker: a failed publish is retried at the next interval.
  const timer = setInterval(() => void flush().catch(() => {}), opts.everyMs ?? PUBLISH_MS);
  timer.unref();
  void flush().catch(() => {});
  return {
    flush,
    async close() {
      clearInterval(timer);
      await flush().catch(() => {});
    },
  };
}

/** Every fresh worker snapshot, by process ("host:pid"); stale ones are removed on the way. */
export async function readWorkerSnapshots(
  redis: Redis,
  prefix: string,
  now = Date.now(),
): Promise<Map<string, object[]>> {
  const key = snapshotsKey(prefix);
  const entries = await redis.hgetall(key);
  const fresh = new Map<string, object[]>();
  const stale: string[] = [];
  for (const [field, raw] of Object.entries(entries)) {
    try {
      const snapshot = JSON.parse(raw) as Snapshot;
      if (typeof snapshot.at === "number" && now - snapshot.at <= STALE_MS)
        fresh.set(field, snapshot.metrics);
      else stale.push(field);
    } catch {
      stale.push(field);
    }
  }
  if (stale.length > 0) await redis.hdel(key, ...stale);
  return fresh;
}

/** The cluster's pipeline counts: every worker's snapshot plus this process's own registry, summed. */
export async function clusterPipelineMetrics(
  redis: Redis,
  prefix: string,
): Promise<{ text: string; workers: number }> {
  const snapshots = await readWorkerSnapshots(redis, prefix);
  // This process's own (all zeros in an API) keeps every series' HELP and TYPE in the output
  // before the first worker reports.
  const all = [...snapshots.values(), await pipelineRegistry.getMetricsAsJSON()];
  const text = await AggregatorRegistry.aggregate(all).metrics();
  return { text, workers: snapshots.size };
}

/** One counter or histogram sample summed over a snapshot, for tests and benchmarks. */
export function sampleOf(metrics: object[], name: string): number {
  let total = 0;
  for (const metric of metrics as { name: string; values: { value: number }[] }[])
    if (metric.name === name) for (const v of metric.values) total += v.value;
  return total;
}
