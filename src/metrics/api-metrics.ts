/**
 * What one API process serves at /metrics: its own HTTP latencies and process figures, the queue
 * read from Redis at scrape time, and the workers' pipeline counts summed from their snapshots.
 * No Fastify here: the HTTP layer feeds observeRequest from a hook.
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { clusterPipelineMetrics } from "./worker-snapshots.ts";

/** Job states worth watching; "completed" is absent because completed jobs leave Redis. */
const STATES = ["wait", "active", "delayed", "prioritized", "waiting-children", "failed"] as const;

export interface ApiMetrics {
  /** `route` is the matched route pattern (never the raw URL), or "unmatched". */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  contentType: string;
  render(): Promise<string>;
}

export function createApiMetrics(opts: {
  queues: Queue[];
  redis: Redis;
  prefix: string;
  /** This process's proof cache (hits, misses, what it holds). */
  proofCache?: () => { entries: number; bytes: number; hits: number; misses: number };
}): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const http = new Histogram({
    name: "cardmerge_http_request_duration_seconds",
    help: "API request latency by method, route pattern and status code",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });

  new Gauge({
    name: "cardmerge_queue_jobs",
    help: "Jobs in each BullMQ queue by state, read from Redis at scrape time",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of opts.queues) {
        const counts = await queue.getJobCounts(...STATES);
        for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });

  new Gauge({
    name: "cardmerge_queue_oldest_waiting_seconds",
    help: "Age of the oldest job waiting to be picked up in each queue (0 when none waits)",
    labelNames: ["queue"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const now = Date.now();
      for (const queue of opts.queues) {
        // The wait list takes new jobs at its head: the oldest is its last entry (asc = oldest first).
        const [oldestWaiting] = await queue.getJobs(["wait"], 0, 0, true);
        const [oldestPrioritized] = await queue.getJobs(["prioritized"], 0, 0, true);
        const born = [oldestWaiting, oldestPrioritized]
          .map((job) => job?.timestamp)
          .filter((t): t is number => typeof t === "number");
        const age = born.length > 0 ? Math.max(0, (now - Math.min(...born)) / 1000) : 0;
        this.set({ queue: queue.name }, age);
      }
    },
  });

  const proofCache = opts.proofCache;
  if (proofCache) {
    // Counters in the cache itself; read at scrape time (a miss is a card drawn or rasterized).
    new Gauge({
      name: "cardmerge_proof_cache_lookups",
      help: "Proof cache lookups of this API process since start, by outcome (hit, miss)",
      labelNames: ["outcome"] as const,
      registers: [registry],
      collect() {
        const s = proofCache();
        this.set({ outcome: "hit" }, s.hits);
        this.set({ outcome: "miss" }, s.misses);
      },
    });
    new Gauge({
      name: "cardmerge_proof_cache_bytes",
      help: "Bytes of PDFs and pictures this API process's proof cache holds",
      registers: [registry],
      collect() {
        this.set(proofCache().bytes);
      },
    });
  }

  const workers = new Gauge({
    name: "cardmerge_worker_processes_reporting",
    help: "Worker processes whose metrics snapshot in Redis is fresh (published within a minute)",
    registers: [registry],
  });

  return {
    observeRequest(method, route, status, seconds) {
      http.observe({ method, route, status_code: String(status) }, seconds);
    },
    contentType: registry.contentType,
    async render() {
      const cluster = await clusterPipelineMetrics(opts.redis, opts.prefix);
      workers.set(cluster.workers);
      return `${await registry.metrics()}\n${cluster.text}`;
    },
  };
}
