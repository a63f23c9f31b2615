/**
 * Composition root: builds every long-lived resource of a process from its config, and closes
 * them in order. The API, the workers and the CLI all start here; none reaches for a global.
 */
import { Redis } from "ioredis";
import { applyCjkFont, applyColorProfiles } from "./cjk-font-config.ts";
import type { Config } from "./config.ts";
import { listen } from "./db/listen.ts";
import { createPool, type Pool } from "./db/pool.ts";
import { createLogger, type Logger } from "./logger.ts";
import { pipelineMetrics } from "./metrics/pipeline-metrics.ts";
import {
  type AccountsService,
  type AuthContext,
  createAccountsService,
} from "./modules/accounts/accounts.service.ts";
import { AUTH_CHANGES_CHANNEL, createKeyCache } from "./modules/accounts/key-cache.ts";
import {
  type AutomationsService,
  createAutomationsService,
} from "./modules/automations/automations.service.ts";
import {
  type AutomationsClock,
  createAutomationsClock,
} from "./modules/automations/clock.service.ts";
import {
  createDailyRunService,
  type DailyRunService,
} from "./modules/automations/daily-run.service.ts";
import { createSendsService, type SendsService } from "./modules/automations/sends.service.ts";
import {
  createImposedSheetsService,
  type ImposedSheetsService,
} from "./modules/batches/imposed-sheets.service.ts";
import {
  type CampaignsService,
  createCampaignsService,
} from "./modules/campaigns/campaigns.service.ts";
import { createPhotoLoader } from "./modules/cards/card-input.ts";
import { createRasterizer } from "./modules/cards/rasterize-pdf.ts";
import {
  type ContactsService,
  createContactsService,
} from "./modules/contacts/contacts.service.ts";
import {
  createWebhookDelivery,
  type WebhookDelivery,
} from "./modules/events/deliver-webhook.service.ts";
import { createEventsService, type EventsService } from "./modules/events/events.service.ts";
import {
  createWebhookEndpointsService,
  type WebhookEndpointsService,
} from "./modules/events/webhook-endpoints.service.ts";
import { findPhoto } from "./modules/photos/photos.repository.ts";
import { createPhotosService, type PhotosService } from "./modules/photos/photos.service.ts";
import {
  type AssembleService,
  createAssembleService,
} from "./modules/pipeline/assemble-batches.service.ts";
import { createReconciler, type Reconciler } from "./modules/pipeline/reconcile.service.ts";
import {
  createRenderCardsService,
  type RenderCardsService,
} from "./modules/pipeline/render-cards.service.ts";
import { createSubmitService, type SubmitService } from "./modules/pipeline/submit.service.ts";
import {
  createRecipientsService,
  type RecipientsService,
} from "./modules/recipients/recipients.service.ts";
import { createScansService, type ScansService } from "./modules/scans/scans.service.ts";
import {
  createTemplatesService,
  type TemplatesService,
} from "./modules/templates/templates.service.ts";
import { createUsersService, type UsersService } from "./modules/users/users.service.ts";
import { createProducer, type Producer } from "./queue/producer.ts";
import { createRenderPool, type RenderPool } from "./render-sandbox/render-pool.ts";
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
  contacts: ContactsService;
  producer: Producer;
  /** The render sandbox every customer's card is drawn in (its processes start on first use or warm()). */
  renderPool: RenderPool;
  submit: SubmitService;
  renderCards: RenderCardsService;
  assemble: AssembleService;
  /** Batches imposed on press sheets, made on request (GET /v1/batches/:id/imposed.pdf). */
  imposedSheets: ImposedSheetsService;
  scans: ScansService;
  reconcile: Reconciler;
  automations: AutomationsService;
  sends: SendsService;
  dailyRun: DailyRunService;
  automationsClock: AutomationsClock;
  events: EventsService;
  webhookEndpoints: WebhookEndpointsService;
  webhookDelivery: WebhookDelivery;
  /** People who sign in to the web console, and their sessions. */
  users: UsersService;
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
  applyCjkFont(config.cjkFont);
  applyColorProfiles(config.colorProfiles);
  const pool = createPool(config);
  const redis = createRedis(config);
  const storage = createStorage(config);
  const keyCache =
    config.authCacheSeconds > 0
      ? createKeyCache<AuthContext>({
          ttlMs: config.authCacheSeconds * 1000,
          max: 10_000,
          watch: (handlers) => listen(config, AUTH_CHANGES_CHANNEL, handlers),
        })
      : undefined;
  const accounts = createAccountsService({ pool, keyCache });
  const templates = createTemplatesService({ pool, storage });
  const campaigns = createCampaignsService({ pool, storage, templates, logger });
  const photos = createPhotosService({
    pool,
    storage,
    maxBytes: config.uploadLimitBytes,
    zipInflatedLimitBytes: config.zipInflatedLimitBytes,
    concurrency: config.photoUploadConcurrency,
  });
  const photoLoader = createPhotoLoader({ storage, findPhoto: (a, id) => findPhoto(pool, a, id) });
  const renderPool = createRenderPool({
    ...config.render,
    cjkFont: config.cjkFont,
    colorProfiles: config.colorProfiles,
  });
  const recipients = createRecipientsService({
    pool,
    storage,
    campaigns,
    templates,
    photos: photoLoader,
    renderPool,
    rasterize: createRasterizer({
      concurrency: config.render.processes,
      timeoutMs: config.render.timeoutMs,
    }),
    publicUrl: config.publicUrl,
  });
  const contacts = createContactsService({ pool, storage });
  const producer = createProducer(config);
  const submit = createSubmitService({
    pool,
    producer,
    campaigns,
    renderChunkSize: config.worker.renderChunkSize,
    publicUrl: config.publicUrl,
  });
  const pipeline = {
    pool,
    storage,
    producer,
    templates,
    photos: photoLoader,
    // The pipeline's renders are timed (cardmerge_card_render_seconds); proofs are not cards.
    renderPool: {
      renderParts: (input: Parameters<RenderPool["renderParts"]>[0]) =>
        pipelineMetrics.timeRender(() => renderPool.renderParts(input)),
    },
    giveUpSeconds: config.worker.giveUpSeconds,
    logger,
  };
  const renderCards = createRenderCardsService(pipeline);
  const assemble = createAssembleService({ ...pipeline, batchSize: config.worker.batchSize });
  const imposedSheets = createImposedSheetsService(pipeline);
  const scans = createScansService({ pool });
  const reconcile = createReconciler({
    pool,
    producer,
    submit,
    stallSeconds: config.worker.reconcileSeconds,
  });
  const automations = createAutomationsService({ pool, templates, accounts });
  const sends = createSendsService({ pool, templates, accounts, contacts });
  const dailyRun = createDailyRunService({ pool, submit, templates });
  const automationsClock = createAutomationsClock({ pool, producer, logger });
  const events = createEventsService({ pool });
  const webhookEndpoints = createWebhookEndpointsService({ pool, webhooks: config.webhooks });
  const webhookDelivery = createWebhookDelivery({
    pool,
    producer,
    webhooks: config.webhooks,
    logger,
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
    contacts,
    producer,
    renderPool,
    submit,
    renderCards,
    assemble,
    imposedSheets,
    scans,
    reconcile,
    automations,
    sends,
    dailyRun,
    automationsClock,
    events,
    webhookEndpoints,
    webhookDelivery,
    users: createUsersService({ pool }),
    async close() {
      await keyCache?.close();
      await renderPool.close();
      await producer.close();
      redis.disconnect();
      await pool.end();
    },
  };
}
