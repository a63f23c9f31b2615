/**
 * The door of the operator pages (/metrics, /admin/queues): an admin-scope key of an operator
 * account (OPERATOR_ACCOUNT_IDS), sent as a Bearer token or as the password of HTTP Basic auth (so
 * a browser can open the queues board), or for /metrics an address in METRICS_ALLOW_CIDRS. The
 * address is the connection's (no trustProxy): a forwarded-for header cannot claim a range.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { addressMatcher } from "../address-ranges.ts";
import type { Config } from "../config.ts";
import type { AccountsService } from "../modules/accounts/accounts.service.ts";
import type { AuthFailureLimiter } from "./auth-failure-limit.ts";
import { sendProblem } from "./problem.ts";

export interface OperatorGuardOptions {
  accounts: Pick<AccountsService, "authenticate">;
  operators: Config["operators"];
  failures?: AuthFailureLimiter;
  /** Let the METRICS_ALLOW_CIDRS addresses in without a key. */
  allowRanges: boolean;
  /** What a valid key of the wrong kind sees: 403 (the page exists) or 404 (it does not, for you). */
  wrongKey: "forbidden" | "not_found";
  /** WWW-Authenticate challenge: "Basic" makes a browser ask for the key. */
  challenge: "Bearer" | "Basic";
}

export function secretOf(header: string | undefined): string | undefined {
  const bearer = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (bearer) return bearer;
  const basic = header?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i)?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, "base64").toString("utf8");
  // user:password; the key is the password (any user name), or the user name with no password.
  const colon = decoded.indexOf(":");
  const password = colon < 0 ? decoded : decoded.slice(colon + 1);
  return password || decoded.slice(0, Math.max(0, colon)) || undefined;
}

export function operatorGuard(opts: OperatorGuardOptions) {
  const inRange = addressMatcher(opts.operators.metricsAllow);
  const operatorAccounts = new Set(opts.operators.accountIds);
  const realm = `${opts.challenge} realm="cardmerge operators"`;

  /**
   * The refusal is sent here, not thrown: bull-board's plugin sets an error handler of its own,
   * which would turn a thrown 401 into its 500. Same problem+json as every other refusal.
   */
  const unauthorized = async (request: FastifyRequest, reply: FastifyReply, detail: string) => {
    reply.header("www-authenticate", realm);
    const counted = await opts.failures?.hit(request.ip);
    if (counted?.limited) {
      reply.header("retry-after", String(counted.retryAfter));
      return sendProblem(
        reply,
        429,
        `Too many requests without a valid key from this address. Retry after ${counted.retryAfter} s.`,
        { retry_after: counted.retryAfter } as Record<string, unknown>,
      );
    }
    return sendProblem(reply, 401, detail);
  };

  return async function guard(request: FastifyRequest, reply: FastifyReply) {
    if (opts.allowRanges && inRange(request.ip)) return;
    const secret = secretOf(request.headers.authorization);
    if (!secret)
      return unauthorized(request, reply, "This page needs an operator's admin API key.");
    const auth = await opts.accounts.authenticate(secret);
    if (!auth) return unauthorized(request, reply, "This API key is unknown or has been revoked.");
    if (auth.scopes.includes("admin") && operatorAccounts.has(auth.accountId)) return;
    if (opts.wrongKey === "not_found")
      return sendProblem(
        reply,
        404,
        `No route matches ${request.method} ${request.url.split("?")[0]}.`,
      );
    return sendProblem(
      reply,
      403,
      "Only an admin key of an operator account (OPERATOR_ACCOUNT_IDS) may read this.",
    );
  };
}
