import type { Config } from "../config.ts";

/** BullMQ's prefix lives under the deployment's Redis prefix so tests and deployments can share a Redis. */
export function queuePrefix(config: Pick<Config, "redisPrefix">): string {
  return `${config.redisPrefix}:bull`;
}
