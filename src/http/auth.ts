/**
 * Bearer API keys for everything under /v1. A route may name the scope it needs in its config
 * (`config: { scope: "campaigns" }`); `admin` keys may do everything.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { AppError } from "../errors.ts";
import type { AccountsService, AuthContext } from "../modules/accounts/accounts.service.ts";
import type { Scope } from "../modules/accounts/api-key-secret.ts";
import type { AuthFailureLimiter } from "./auth-failure-limit.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The scope a key needs for this route; absent = any valid key. */
    scope?: Scope;
  }
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

/** The authenticated context of a /v1 request (the auth hook guarantees it exists there). */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new AppError("unauthorized", "This route needs an API key.");
  return request.auth;
}

function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

export const authPlugin = fp(
  async (
    app: FastifyInstance,
    opts: { accounts: AccountsService; failures?: AuthFailureLimiter },
  ) => {
    app.decorateRequest("auth", null);

    /** A refused request counts against its address; past the limit it is told to wait instead. */
    const refuse = async (request: FastifyRequest, unauthorized: AppError) => {
      const counted = await opts.failures?.hit(request.ip);
      if (!counted?.limited) return unauthorized;
      const { max, windowSeconds } = opts.failures as AuthFailureLimiter;
      return new AppError(
        "rate_limited",
        `Too many requests without a valid API key from this address (at most ${max} per ${windowSeconds} s). Retry after ${counted.retryAfter} s with a valid key.`,
        { extra: { retry_after: counted.retryAfter } },
      );
    };

    app.addHook("onRequest", async (request, reply) => {
      // Only the versioned API is authenticated; unknown routes fall through to 404. The matched
      // route, not the raw URL, decides: /%761/account reaches /v1/account too.
      if (!request.routeOptions.url?.startsWith("/v1/") || request.is404) return;
      const secret = bearer(request.headers.authorization);
      if (!secret) {
        reply.header("www-authenticate", 'Bearer realm="cardmerge"');
        throw await refuse(
          request,
          new AppError("unauthorized", "Send your API key as 'Authorization: Bearer <key>'."),
        );
      }
      const auth = await opts.accounts.authenticate(secret);
      if (!auth) {
        reply.header("www-authenticate", 'Bearer realm="cardmerge", error="invalid_token"');
        throw await refuse(
          request,
          new AppError("unauthorized", "This API key is unknown or has been revoked."),
        );
      }
      request.auth = auth;
      const needed = request.routeOptions.config.scope;
      if (needed && !auth.scopes.includes(needed) && !auth.scopes.includes("admin")) {
        throw new AppError(
          "forbidden",
          `This API key lacks the '${needed}' scope this route needs.`,
        );
      }
    });
  },
  { name: "cardmerge-auth" },
);
