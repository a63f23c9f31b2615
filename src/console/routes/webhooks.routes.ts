/**
 * Webhook endpoints (admins only): the list, a new endpoint (URL and event types; the URL goes
 * through the service's checks, which refuse loopback, private and metadata addresses) whose
 * signing secret is shown once, a page per endpoint with its recent deliveries, disable/enable,
 * and delete after a confirmation page. The console acts in live mode with every scope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, notFound } from "../../errors.ts";
import { EVENT_TYPES } from "../../modules/events/event-types.ts";
import { deliveryJson, endpointJson } from "../../modules/events/webhook-endpoint-json.ts";
import { MAX_URL_LENGTH } from "../../modules/events/webhook-url.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";
import { requireAdmin } from "./admin-only.ts";
import { type Form, FormErrors, ID, list, text } from "./form-input.ts";

const hide = { hide: true };
type WithId = FastifyRequest<{ Params: { id: string } }>;
const CHOICES = [
  { value: "*", help: "Every event" },
  ...Object.entries(EVENT_TYPES).map(([value, help]) => ({ value, help })),
];
/** The service names a type's fault by its place in the list it was given. */
const typeError = (field: string) => /^event_types\/\d+$/.test(field);

export async function webhooksPages(app: FastifyInstance, { deps }: ConsoleContext) {
  const endpoints = deps.webhookEndpoints;

  app.addHook("preHandler", async (request) => requireAdmin(request, "manage webhook endpoints"));

  const listPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { url: string; description: string; types: string[]; errors: Record<string, string> } = {
      url: "",
      description: "",
      types: [],
      errors: {},
    },
  ) => {
    const rows = await endpoints.list(accountOf(request), { limit: 100 });
    return reply.page("settings/webhooks", {
      title: "Webhooks",
      section: "settings",
      tab: "webhooks",
      endpoints: rows.map(endpointJson),
      form,
      max_url: MAX_URL_LENGTH,
      choices: CHOICES.map((c) => ({ ...c, on: form.types.includes(c.value) })),
    });
  };

  app.get("/settings/webhooks", { schema: hide }, async (request, reply) =>
    listPage(request, reply),
  );

  app.post<{ Body: Form }>("/settings/webhooks", { schema: hide }, async (request, reply) => {
    const errors = new FormErrors();
    const url = text(request.body, "url", { max: MAX_URL_LENGTH, errors, label: "The URL" });
    const description = text(request.body, "description", {
      max: 200,
      errors,
      label: "The description",
    });
    const types = list(request.body, "event_types", {
      max: 60,
      maxItems: CHOICES.length,
      errors,
    });
    if (!url && !errors.list.some((e) => e.field === "url"))
      errors.add("url", "give the https:// address that should receive the events");
    if (types.length === 0 && !errors.list.some((e) => e.field === "event_types"))
      errors.add("event_types", "choose at least one event type");
    if (!errors.any) {
      try {
        const row = await endpoints.create(accountOf(request), {
          url,
          description: description || null,
          event_types: types,
        });
        return reply.code(201).page("settings/webhook-created", {
          title: "Webhook endpoint created",
          section: "settings",
          tab: "webhooks",
          endpoint: endpointJson(row),
          secret: row.secret,
          scripts: ["settings-copy.js"],
        });
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        if (error.errors.length === 0) errors.add("form", error.message);
        for (const e of error.errors)
          errors.add(typeError(e.field ?? "") ? "event_types" : (e.field ?? "form"), e.message);
      }
    }
    return listPage(request, reply.code(400), {
      url,
      description,
      types,
      errors: errors.byField(),
    });
  });

  const endpointOf = async (request: WithId) => {
    if (!ID.test(request.params.id)) throw notFound("Webhook endpoint");
    return endpoints.get(accountOf(request), request.params.id);
  };

  app.get<{ Params: { id: string } }>(
    "/settings/webhooks/:id",
    { schema: hide },
    async (request, reply) => {
      const endpoint = await endpointOf(request);
      const rows = await endpoints.deliveries(accountOf(request), endpoint.id, { limit: 50 });
      return reply.page("settings/webhook", {
        title: "Webhook endpoint",
        section: "settings",
        tab: "webhooks",
        endpoint: endpointJson(endpoint),
        enabled: endpoint.status === "enabled",
        deliveries: rows.map(deliveryJson),
      });
    },
  );

  app.post<{ Params: { id: string }; Body: Form }>(
    "/settings/webhooks/:id/status",
    { schema: hide },
    async (request, reply) => {
      const endpoint = await endpointOf(request);
      const status = request.body?.status;
      if (status !== "enabled" && status !== "disabled")
        throw new AppError("validation", "Choose enable or disable.");
      await endpoints.update(accountOf(request), endpoint.id, { status });
      return reply.redirect(`/settings/webhooks/${endpoint.id}`, 303);
    },
  );

  // A new signing secret, shown once; the old one keeps signing beside it for a day.
  app.post<{ Params: { id: string } }>(
    "/settings/webhooks/:id/roll",
    { schema: hide },
    async (request, reply) => {
      const endpoint = await endpointOf(request);
      const row = await endpoints.rollSecret(accountOf(request), endpoint.id);
      return reply.code(201).page("settings/webhook-created", {
        title: "New signing secret",
        section: "settings",
        tab: "webhooks",
        endpoint: endpointJson(row),
        secret: row.secret,
        rolled: true,
        scripts: ["settings-copy.js"],
      });
    },
  );

  // Send a delivery again now (a receiver that was down is fixed).
  app.post<{ Params: { id: string; delivery: string } }>(
    "/settings/webhooks/:id/deliveries/:delivery/retry",
    { schema: hide },
    async (request, reply) => {
      const endpoint = await endpointOf(request);
      if (!ID.test(request.params.delivery)) throw notFound("Delivery");
      await endpoints.retry(accountOf(request), endpoint.id, request.params.delivery);
      return reply.redirect(`/settings/webhooks/${endpoint.id}`, 303);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/settings/webhooks/:id/delete",
    { schema: hide },
    async (request, reply) =>
      reply.page("settings/webhook-delete", {
        title: "Delete webhook endpoint",
        section: "settings",
        tab: "webhooks",
        endpoint: endpointJson(await endpointOf(request)),
      }),
  );

  app.post<{ Params: { id: string } }>(
    "/settings/webhooks/:id/delete",
    { schema: hide },
    async (request, reply) => {
      const endpoint = await endpointOf(request);
      await endpoints.remove(accountOf(request), endpoint.id);
      return reply.redirect("/settings/webhooks", 303);
    },
  );
}
