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
import {
  type CampaignsService,
  createCampaignsService,
} from "./modules/campaigns/campaigns.service.ts";
import { createPhotoLoader } from "./modules/cards/card-input.ts";
import { findPhoto } from "./modules/photos/photos.repository.ts";
import { createPhotosService, type PhotosService } from "./modules/photos/photos.service.ts";
import {
  createRecipientsService,
  type RecipientsService,
} from "./modules/recipients/recipients.service.ts";
import {
  createTemplatesService,
  type TemplatesService,
} from "./modules/templates/templates.service.ts";
import { createStorage } from "./storage/index.ts";
import type { Storage } from "./storage/storage.ts";

export interface Deps {
  config: Config;
  logger: Logger;
  pool: Pool;
  redis: Redis;
  storage: Storage;
  accounts: AccountsService;
  templates: TemplatesService;
  campaigns: CampaignsService;
  photos: PhotosService;
  recipients: RecipientsService;
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
  const storage = createStorage(config);
  const accounts = createAccountsService({ pool });
  const templates = createTemplatesService();
  const campaigns = createCampaignsService({ pool, templates });
  const photos = createPhotosService({ pool, storage, maxBytes: config.uploadLimitBytes });
  const photoLoader = createPhotoLoader({ storage, findPhoto: (a, id) => findPhoto(pool, a, id) });
  const recipients = createRecipientsService({
    pool,
    storage,
    campaigns,
    templates,
    photos: photoLoader,
  });
  return {
    config,
    logger,
    pool,
    redis,
    storage,
    accounts,
    templates,
    campaigns,
    photos,
    recipients,
    async close() {
      redis.disconnect();
      await pool.end();
    },
  };
}
