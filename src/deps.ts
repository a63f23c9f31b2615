/**
 * Composition root: builds every long-lived resource of a process from its config, and closes
 * them in order. The API, the workers and the CLI all start here; none reaches for a global.
 */
import { Redis } from "ioredis";
import type { Config } from "./config.ts";
import { createPool, type Pool } from "./db/pool.ts";
import { createLogger, type Logger } from "./logger.ts";
import {
  type AccountsService,
  createAccountsService,
} from "./modules/accounts/accounts.service.ts";

export interface Deps {
  config: Config;
  logger: Logger;
  pool: Pool;
  redis: Redis;
  accounts: AccountsService;
  close(): Promise<void>;
}

export function createRedis(config: Pick<Config, "redisUrl">): Redis {
  // maxRetriesPerRequest null: BullMQ requires it, and commands wait for a reconnect instead of failing.
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on("error", () => {}); // reconnects by itself; readiness reports the outage
  return redis;
}

export function createDeps(config: Config, name = "cardmerge"): Deps {
  const logger = createLogger(config, name);
  const pool = createPool(config);
  const redis = createRedis(config);
  const accounts = createAccountsService({ pool });
  return {
    config,
    logger,
    pool,
    redis,
    accounts,
    async close() {
      redis.disconnect();
      await pool.end();
    },
  };
}
