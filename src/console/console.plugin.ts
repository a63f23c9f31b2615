/**
 * The web console: server-rendered pages under / for the people who send the cards (the API stays
 * under /v1). Pages call the same module services the API calls, never the API over HTTP and never
 * SQL of their own. Its plugins (cookies, form bodies) and error page stay inside this context.
 */
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { createAuthFailureLimiter } from "../http/auth-failure-limit.ts";
import { assetRoutes, loadAssets } from "./assets.ts";
import { automationsPages } from "./routes/automations.routes.ts";
import { campaignsPages } from "./routes/campaigns.routes.ts";
import { contactsPages } from "./routes/contacts.routes.ts";
import { proofsPages } from "./routes/proofs.routes.ts";
import { recipientsPages } from "./routes/recipients.routes.ts";
import { settingsPages } from "./routes/settings.routes.ts";
import { signInPages } from "./routes/sign-in.routes.ts";
import { CsrfError, csrfTokenOf, sessionGuards } from "./session.ts";
import { createViews, type PageFrame, type Views } from "./views.ts";

declare module "fastify" {
  interface FastifyReply {
    /** Sends a whole console page (HTML) with the signed-in frame around `view`. */
    page(view: string, frame: PageFrame & Record<string, unknown>): FastifyReply;
  }
}

/** What every console route file is given. */
export interface ConsoleContext {
  deps: Deps;
  views: Views;
}

export async function consolePlugin(app: FastifyInstance, opts: { deps: Deps }) {
  const { deps } = opts;
  const views = createViews();
  const assets = loadAssets();
  const assetUrls = Object.fromEntries([...assets].map(([name, a]) => [name, a.url]));

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  sessionGuards(app, { users: deps.users, publicUrl: deps.config.publicUrl });

  app.decorateReply("page", function page(this: FastifyReply, view, frame) {
    const request = this.request;
    const session = request.session;
    const html = views.page(view, {
      ...frame,
      assets: assetUrls,
      scriptUrls: (frame.scripts ?? []).map((s) => assetUrls[s]).filter(Boolean),
      csrf: (frame.csrf as string | undefined) ?? csrfTokenOf(request),
      user: session ? { email: session.email, admin: session.role === "admin" } : null,
      account: session ? { name: session.account_name } : null,
      [`in_${frame.section ?? "none"}`]: true,
    });
    return this.type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .header("x-frame-options", "DENY")
      .header("referrer-policy", "same-origin")
      .header(
        "content-security-policy",
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      )
      .send(html);
  });

  // How long the server took for a page, where the browser's devtools (and the tests) can read it.
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("server-timing", `app;dur=${reply.elapsedTime.toFixed(1)}`);
    return payload;
  });

  app.setErrorHandler(
    (error: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
      if (error instanceof CsrfError) {
        return reply.code(403).page("error", {
          title: "Refused",
          status: 403,
          message:
            "This form was not sent from a page of this console (or it is too old). Go back, reload the page and try again.",
        });
      }
      const status = error instanceof AppError ? error.status : (error.statusCode ?? 500);
      if (status >= 500) request.log.error({ err: error }, "console page failed");
      const message =
        status >= 500
          ? "Something went wrong on our side. Try again in a moment."
          : status === 404
            ? "There is nothing here, or it belongs to another account."
            : error.message;
      return reply
        .code(status)
        .page("error", { title: status === 404 ? "Not found" : "Error", status, message });
    },
  );

  // The built-in designs are read once per process: now, not while the first person waits.
  app.addHook("onReady", async () => {
    await deps.templates.warm();
  });

  assetRoutes(app, assets);
  const context: ConsoleContext = { deps, views };
  const limiter = (scope: string, max: number) =>
    createAuthFailureLimiter({
      redis: deps.redis,
      prefix: `${deps.config.redisPrefix}:sign-in-${scope}`,
      max,
      windowSeconds: deps.config.console.signInWindowSeconds,
    });
  const { signInFailureMax } = deps.config.console;
  await app.register(signInPages, {
    ...context,
    failures: limiter("email", signInFailureMax),
    addressFailures: limiter("address", signInFailureMax * 5),
  });
  await app.register(campaignsPages, context);
  await app.register(recipientsPages, context);
  await app.register(proofsPages, context);
  await app.register(contactsPages, context);
  await app.register(automationsPages, context);
  await app.register(settingsPages, context);
}

let notFoundViews: Views | undefined;
/** The console's 404 page for an unknown path outside /v1 (the app's not-found handler calls it). */
export function consoleNotFound(_request: FastifyRequest, reply: FastifyReply): FastifyReply {
  notFoundViews ??= createViews();
  const html = notFoundViews.page("error", {
    title: "Not found",
    status: 404,
    message: "There is no page at this address.",
    assets: Object.fromEntries([...loadAssets()].map(([name, a]) => [name, a.url])),
  });
  return reply.code(404).type("text/html; charset=utf-8").send(html);
}

/** A console path given back after sign-in (`next`): only our own pages, never another site. */
export function safeNext(next: unknown): string {
  return typeof next === "string" &&
    /^\/(?![/\\])[\w\-./?=&%]*$/.test(next) &&
    !next.startsWith("/v1")
    ? next
    : "/campaigns";
}
