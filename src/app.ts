/**
 * buildApp assembles the HTTP API from its dependencies and never listens: the server process
 * listens, tests drive it with inject.
 */
import multipart from "@fastify/multipart";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import { consoleNotFound, consolePlugin } from "./console/console.plugin.ts";
import type { Deps } from "./deps.ts";
import { authPlugin } from "./http/auth.ts";
import { createAuthFailureLimiter } from "./http/auth-failure-limit.ts";
import { healthRoutes } from "./http/health.routes.ts";
import { type IdempotencyOptions, idempotencyPlugin } from "./http/idempotency.ts";
import { metricsRoutes, requestTimingPlugin } from "./http/metrics.routes.ts";
import { openApiPlugin } from "./http/openapi.ts";
import { registerProblemHandlers } from "./http/problem.ts";
import { queuesBoard } from "./http/queues-board.ts";
import { rateLimitPlugin } from "./http/rate-limit.ts";
import { storableInputPlugin } from "./http/storable-input.ts";
import { newId } from "./ids.ts";
import { loggerOptions } from "./logger.ts";
import { createApiMetrics } from "./metrics/api-metrics.ts";
import { accountsRoutes } from "./modules/accounts/accounts.routes.ts";
import { automationsRoutes } from "./modules/automations/automations.routes.ts";
import { batchesRoutes } from "./modules/batches/batches.routes.ts";
import { campaignsRoutes } from "./modules/campaigns/campaigns.routes.ts";
import { contactsRoutes } from "./modules/contacts/contacts.routes.ts";
import { eventsRoutes } from "./modules/events/events.routes.ts";
import { webhookEndpointsRoutes } from "./modules/events/webhook-endpoints.routes.ts";
import { photosRoutes } from "./modules/photos/photos.routes.ts";
import { pipelineRoutes } from "./modules/pipeline/pipeline.routes.ts";
import { proofsRoutes } from "./modules/recipients/proofs.routes.ts";
import { recipientsRoutes } from "./modules/recipients/recipients.routes.ts";
import { scansRoutes } from "./modules/scans/scans.routes.ts";
import { templatesRoutes } from "./modules/templates/templates.routes.ts";

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export async function buildApp(
  deps: Deps,
  opts: {
    logger?: boolean;
    idempotency?: Omit<IdempotencyOptions, "pool">;
    /** Sees every route as it is registered (the OpenAPI test checks each is documented). */
    onRoute?: (route: RouteOptions) => void;
  } = {},
): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: opts.logger === false ? false : loggerOptions(config),
    bodyLimit: config.bodyLimitBytes,
    // A caller's X-Request-Id is kept (so its logs and ours join); otherwise we make one.
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : newId("req");
    },
    // allErrors: a client fixes every field in one round trip (bodies are size-bounded).
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: "array",
        useDefaults: true,
        allErrors: true,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  if (opts.onRoute) app.addHook("onRoute", opts.onRoute);

  app.addHook("onSend", async (request, reply, payload) => {
    reply.header("x-request-id", request.id);
    return payload;
  });
  // A POST with no body at all (curl -X POST …/submit) means "no options", as in Stripe's API.
  app.addHook("preValidation", async (request) => {
    if (request.body === undefined && request.method === "POST" && !request.isMultipart())
      request.body = {};
  });
  registerProblemHandlers(app, { notFoundPage: consoleNotFound });
  const metrics = createApiMetrics({
    queues: [deps.producer.queue],
    redis: deps.redis,
    prefix: config.redisPrefix,
    proofCache: deps.recipients.proofCacheStats,
  });
  await app.register(requestTimingPlugin, { metrics });
  await app.register(storableInputPlugin);

  await app.register(multipart, {
    limits: { fileSize: config.uploadLimitBytes, files: 100, fields: 50, fieldSize: 1024 * 1024 },
  });
  await app.register(openApiPlugin);
  const failures = createAuthFailureLimiter({
    redis: deps.redis,
    prefix: config.redisPrefix,
    max: config.authFailureLimitMax,
    windowSeconds: config.rateLimit.windowSeconds,
  });
  await app.register(authPlugin, { accounts: deps.accounts, failures });
  await app.register(rateLimitPlugin, {
    redis: deps.redis,
    prefix: config.redisPrefix,
    max: config.rateLimit.max,
    windowSeconds: config.rateLimit.windowSeconds,
  });
  await app.register(idempotencyPlugin, { pool: deps.pool, ...opts.idempotency });

  await app.register(healthRoutes, { pool: deps.pool, redis: deps.redis });
  const operators = { accounts: deps.accounts, operators: config.operators, failures };
  await app.register(metricsRoutes, { metrics, guard: operators });
  await app.register(queuesBoard, { queues: [deps.producer.queue], guard: operators });
  await app.register(accountsRoutes, { accounts: deps.accounts });
  await app.register(templatesRoutes, { templates: deps.templates });
  await app.register(campaignsRoutes, { campaigns: deps.campaigns });
  await app.register(photosRoutes, {
    photos: deps.photos,
    uploadLimitBytes: config.uploadLimitBytes,
  });
  await app.register(pipelineRoutes, {
    pool: deps.pool,
    storage: deps.storage,
    campaigns: deps.campaigns,
    submit: deps.submit,
  });
  await app.register(batchesRoutes, {
    pool: deps.pool,
    storage: deps.storage,
    imposed: deps.imposedSheets,
  });
  await app.register(scansRoutes, {
    scans: deps.scans,
    rateLimit: { max: config.scanRateLimitMax, windowSeconds: config.rateLimit.windowSeconds },
  });
  await app.register(recipientsRoutes, {
    recipients: deps.recipients,
    jsonImportLimitBytes: config.jsonImportLimitBytes,
  });
  await app.register(proofsRoutes, { recipients: deps.recipients });
  await app.register(contactsRoutes, {
    contacts: deps.contacts,
    // A batch of 1,000 contacts is larger than most JSON bodies; never less than BODY_LIMIT_BYTES.
    batchBodyLimitBytes: Math.max(config.bodyLimitBytes, 4 * 1024 * 1024),
  });
  await app.register(automationsRoutes, { automations: deps.automations, sends: deps.sends });
  await app.register(eventsRoutes, { events: deps.events });
  await app.register(webhookEndpointsRoutes, { webhookEndpoints: deps.webhookEndpoints });
  // The web console: pages under / for people, in a context of its own (cookies, forms, HTML errors).
  await app.register(consolePlugin, { deps });
  return app;
}
