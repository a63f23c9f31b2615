/**
 * API keys (admins only): the list (prefix, scopes, mode, last used), a new key whose secret is
 * shown once, on the page that answers the form (it is never stored, so it cannot be shown
 * again), and revoking after a confirmation page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, notFound } from "../../errors.ts";
import { apiKeyJson } from "../../modules/accounts/accounts.schemas.ts";
import { MODES, SCOPES } from "../../modules/accounts/api-key-secret.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";
import { requireAdmin } from "./admin-only.ts";
import { type Form, FormErrors, ID, list, text } from "./form-input.ts";

const hide = { hide: true };
const SCOPE_HELP: Record<string, string> = {
  campaigns: "campaigns, contacts, automations, photos",
  batches: "print batches (a print vendor's key)",
  admin: "the account, its keys and webhooks",
};

export async function apiKeysPages(app: FastifyInstance, { deps }: ConsoleContext) {
  const { accounts } = deps;

  app.addHook("preHandler", async (request) => {
    requireAdmin(request, "manage API keys");
  });

  const listPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { name: string; scopes: string[]; mode: string; errors: Record<string, string> } = {
      name: "",
      scopes: ["campaigns", "batches"],
      mode: "live",
      errors: {},
    },
  ) => {
    const { liveAccountId } = accountOf(request);
    const rows = await accounts.listKeys(liveAccountId, { limit: 200 });
    const keys = rows.map(apiKeyJson);
    return reply.page("settings/keys", {
      title: "API keys",
      section: "settings",
      tab: "keys",
      keys: [...keys.filter((k) => !k.revoked_at).reverse(), ...keys.filter((k) => k.revoked_at)],
      form,
      scopes: SCOPES.map((s) => ({ value: s, help: SCOPE_HELP[s], on: form.scopes.includes(s) })),
      modes: MODES.map((m) => ({ value: m, on: m === form.mode })),
    });
  };

  app.get("/settings/keys", { schema: hide }, async (request, reply) => listPage(request, reply));

  app.post<{ Body: Form }>("/settings/keys", { schema: hide }, async (request, reply) => {
    const errors = new FormErrors();
    const name = text(request.body, "name", { max: 100, errors, label: "The name" });
    const scopes = list(request.body, "scopes", { max: 20, maxItems: SCOPES.length, errors });
    const mode = text(request.body, "mode", { max: 10, errors, label: "The mode" }) || "live";
    if (!errors.any) {
      try {
        const { key, secret } = await accounts.createKey(accountOf(request).liveAccountId, {
          name,
          scopes,
          mode,
        });
        return reply.code(201).page("settings/key-created", {
          title: "API key created",
          section: "settings",
          tab: "keys",
          key: apiKeyJson(key),
          secret,
          scripts: ["settings-copy.js"],
        });
      } catch (error) {
        if (!(error instanceof AppError) || error.status !== 400) throw error;
        for (const e of error.errors) errors.add(e.field ?? "form", e.message);
      }
    }
    return listPage(request, reply.code(400), {
      name,
      scopes: scopes.filter((s) => (SCOPES as readonly string[]).includes(s)),
      mode,
      errors: errors.byField(),
    });
  });

  const keyOf = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    if (!ID.test(request.params.id)) throw notFound("API key");
    return accounts.getKey(accountOf(request).liveAccountId, request.params.id);
  };

  app.get<{ Params: { id: string } }>(
    "/settings/keys/:id/revoke",
    { schema: hide },
    async (request, reply) =>
      reply.page("settings/key-revoke", {
        title: "Revoke API key",
        section: "settings",
        tab: "keys",
        key: apiKeyJson(await keyOf(request)),
      }),
  );

  app.post<{ Params: { id: string } }>(
    "/settings/keys/:id/revoke",
    { schema: hide },
    async (request, reply) => {
      const key = await keyOf(request);
      await accounts.revokeKey(key.account_id, key.id);
      return reply.redirect("/settings/keys", 303);
    },
  );
}
