/**
 * Idempotency-Key on POST (Stripe's semantics): the first request with a key runs and its response
 * (2xx/4xx) is kept for 24 hours; the same key and body replays it; the same key with another body
 * is 422; a second request while the first still runs is 409. Keys are per account. 5xx answers are
 * not kept, so a retry after a server fault runs again. A running request keeps its claim alive with
 * a heartbeat; a claim without one for a minute belonged to a process that died, and is taken over.
 *
 * Streamed bodies (CSV, JSON imports, multipart) are compared by a hash of their bytes, taken while
 * the route reads them (body-digest.ts): the first request's hash is kept with its answer, and a
 * retry reads its body through the same hash before it is told replay or 422. An answer given
 * before the body was read to its end is not kept (its body's hash is unknown): a retry runs again.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Pool } from "../db/pool.ts";
import { AppError } from "../errors.ts";
import { type BodyDigest, digestBody, digestBytes } from "./body-digest.ts";

declare module "fastify" {
  interface FastifyRequest {
    idempotency: {
      accountId: string;
      key: string;
      heartbeat: NodeJS.Timeout;
      /** The client went away before sending its whole request. */
      aborted?: boolean;
      /** A streamed body's hash, known once the route has read it to the end. */
      digest?: BodyDigest;
    } | null;
  }
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
export interface IdempotencyOptions {
  pool: Pool;
  /** A claim whose heartbeat is older than this belonged to a request that died; default 60 s. */
  abandonAfterMs?: number;
  /** How often a running request renews its claim; default 15 s. */
  heartbeatMs?: number;
}
const REPLAYED_HEADERS = ["content-type", "location"];

/** A parsed JSON body; streamed uploads (text/csv, multipart) arrive as streams or not at all. */
function isParsed(body: unknown): boolean {
  if (body === undefined || body === null || typeof body !== "object")
    return typeof body === "string";
  return Array.isArray(body) || Object.getPrototypeOf(body) === Object.prototype;
}

function parsedBodyHash(request: FastifyRequest): string {
  return createHash("sha256")
    .update(`${request.method} ${request.url}\n`)
    .update(JSON.stringify(request.body))
    .digest("hex");
}

/** Starts hashing a streamed body: method, URL and media type, then its bytes as they are read. */
function streamedBodyDigest(request: FastifyRequest): BodyDigest {
  const [type = "", ...params] = (request.headers["content-type"] ?? "").split(";");
  const boundary = params
    .map((p) => /^\s*boundary="?([^";]+)"?\s*$/i.exec(p)?.[1])
    .find((b) => b !== undefined);
  const prefix = `${request.method} ${request.url}\n${type.trim().toLowerCase()}\n`;
  return digestBody(request.raw, prefix, boundary);
}

/** Stored while a streamed request runs: its hash is not known until its body has been read. */
const STREAMING = "streaming";

interface StoredRow {
  request_hash: string;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
}

export const idempotencyPlugin = fp(
  async (app: FastifyInstance, opts: IdempotencyOptions) => {
    const { pool, abandonAfterMs = 60_000, heartbeatMs = 15_000 } = opts;
    app.decorateRequest("idempotency", null);

    const beat = (accountId: string, key: string) => {
      const timer = setInterval(() => {
        pool
          .query(
            `UPDATE idempotency_keys SET heartbeat_at = now()
              WHERE account_id = $1 AND key = $2 AND response_status IS NULL`,
            [accountId, key],
          )
          .catch(() => {}); // a missed beat only risks a retry running early, as before
      }, heartbeatMs);
      timer.unref();
      return timer;
    };
    const release = (request: FastifyRequest) => {
      const claim = request.idempotency;
      if (claim) clearInterval(claim.heartbeat);
      request.idempotency = null;
      return claim;
    };

    app.addHook("preHandler", async (request: FastifyRequest, reply: FastifyReply) => {
      const key = request.headers["idempotency-key"];
      if (request.method !== "POST" || key === undefined || !request.auth) return;
      if (typeof key !== "string" || !KEY_PATTERN.test(key)) {
        throw new AppError(
          "validation",
          "Idempotency-Key must be 1 to 255 visible ASCII characters.",
          {
            errors: [{ field: "header.idempotency-key", message: "invalid" }],
          },
        );
      }
      const accountId = request.auth.accountId;
      const streamed = !isParsed(request.body);
      const digest = streamed ? streamedBodyDigest(request) : undefined;
      const hash = digest ? STREAMING : parsedBodyHash(request);
      // Claim the key: a fresh row, or one that expired (24 h) or whose request died mid-flight.
      const claimed = await pool.query(
        `INSERT INTO idempotency_keys (account_id, key, request_hash, method, path)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id, key) DO UPDATE
            SET request_hash = EXCLUDED.request_hash, method = EXCLUDED.method, path = EXCLUDED.path,
                response_status = NULL, response_headers = NULL, response_body = NULL,
                created_at = now(), heartbeat_at = now()
          WHERE idempotency_keys.created_at < now() - interval '24 hours'
             OR (idempotency_keys.response_status IS NULL
                 AND idempotency_keys.heartbeat_at < now() - make_interval(secs => $6::float8 / 1000))
         RETURNING 1`,
        [accountId, key, hash, request.method, request.url, abandonAfterMs],
      );
      if (claimed.rowCount) {
        request.idempotency = { accountId, key, heartbeat: beat(accountId, key), digest };
        return;
      }
      const { rows } = await pool.query<StoredRow>(
        `SELECT request_hash, response_status, response_headers, response_body
           FROM idempotency_keys WHERE account_id = $1 AND key = $2`,
        [accountId, key],
      );
      const row = rows[0];
      if (!row)
        throw new AppError("conflict", "This Idempotency-Key is being reused right now; retry.");
      const differs = () =>
        new AppError(
          "unprocessable",
          "This Idempotency-Key was already used with a different request. Use a new key for a new request.",
        );
      if (!digest && row.request_hash !== hash) throw differs();
      if (row.response_status === null) {
        throw new AppError(
          "conflict",
          "A request with this Idempotency-Key is still being processed. Retry after it finishes.",
        );
      }
      if (digest) {
        // Read this body through the hash, no further than the stored one's length, then compare.
        const storedBytes = digestBytes(row.request_hash);
        if (storedBytes === undefined) throw differs();
        const whole = await digest.readToEnd(storedBytes);
        if (!whole || digest.value() !== row.request_hash) throw differs();
      }
      reply.headers(row.response_headers ?? {});
      reply.header("idempotent-replayed", "true");
      return reply.code(row.response_status).send(row.response_body ?? "");
    });

    // A request that ends without a response (the client went away) stops beating too.
    app.addHook("onResponse", async (request) => {
      release(request);
    });
    // The client went away mid-request: it never sees an answer, so none is kept for a retry
    // (onSend forgets the key once the handler is done; until then the claim holds, unrenewed).
    app.addHook("onRequestAbort", async (request) => {
      const claim = request.idempotency;
      if (!claim) return;
      clearInterval(claim.heartbeat);
      claim.aborted = true;
    });

    app.addHook("onSend", async (request, reply, payload) => {
      const claim = release(request);
      if (!claim) return payload;
      const status = reply.statusCode;
      // The whole body arrived but the route stopped reading early: the rest is already buffered,
      // so read it into the hash and keep the answer. A body still arriving is not waited for.
      if (claim.digest && !claim.digest.ended && request.raw.complete !== false) {
        await claim.digest.readToEnd(Number.POSITIVE_INFINITY);
      }
      const requestHash = claim.digest ? claim.digest.value() : undefined;
      if (
        claim.aborted ||
        status >= 500 ||
        (claim.digest && requestHash === undefined) ||
        (payload !== null && typeof payload !== "string" && !Buffer.isBuffer(payload))
      ) {
        await pool.query("DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2", [
          claim.accountId,
          claim.key,
        ]);
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      await pool.query(
        `UPDATE idempotency_keys SET response_status = $3, response_headers = $4, response_body = $5,
                request_hash = COALESCE($6, request_hash)
          WHERE account_id = $1 AND key = $2`,
        [
          claim.accountId,
          claim.key,
          status,
          headers,
          payload === null ? "" : payload.toString(),
          requestHash ?? null,
        ],
      );
      return payload;
    });
  },
  { name: "cardmerge-idempotency", dependencies: ["cardmerge-auth"] },
);
