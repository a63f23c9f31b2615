/**
 * One webhook attempt over node:http(s): the host checked and pinned (address-guard.ts), no
 * redirects followed (a 3xx is a failed attempt: following one would let a public receiver point
 * us at a private address), the answer read up to a cap, the whole attempt bounded in time.
 */

import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { AddressRefused, checkedAddress, type Resolver } from "./address-guard.ts";

export interface SendOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  allowPrivate: boolean;
  timeoutMs: number;
  /** Bytes of the answer read at most; the rest is not waited for. */
  maxResponseBytes?: number;
  resolve?: Resolver;
}

export interface SendResult {
  ok: boolean;
  /** The receiver's HTTP status; null when no answer came (refused, unreachable, timed out). */
  statusCode: number | null;
  /** Why the attempt failed, in words a customer can act on; null on success. */
  error: string | null;
  durationMs: number;
}

export const MAX_RESPONSE_BYTES = 64 * 1024;

export async function sendWebhook(opts: SendOptions): Promise<SendResult> {
  const started = Date.now();
  const done = (statusCode: number | null, error: string | null): SendResult => ({
    ok: error === null,
    statusCode,
    error,
    durationMs: Date.now() - started,
  });
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    return done(null, "the endpoint URL is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return done(null, `the scheme ${url.protocol} is not http or https`);

  let timer: NodeJS.Timeout | undefined;
  const abort = new AbortController();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new Error(`no answer within ${opts.timeoutMs / 1000} s`));
    }, opts.timeoutMs);
  });
  try {
    const target = await Promise.race([
      checkedAddress(url.hostname, { allowPrivate: opts.allowPrivate, resolve: opts.resolve }),
      deadline,
    ]);
    return await Promise.race([post(url, target, opts, done, abort.signal), deadline]);
  } catch (error) {
    if (error instanceof AddressRefused) return done(null, error.message);
    return done(null, (error as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

function post(
  url: URL,
  target: { address: string; family: 4 | 6 },
  opts: SendOptions,
  done: (status: number | null, error: string | null) => SendResult,
  signal: AbortSignal,
): Promise<SendResult> {
  // Connect to the address that was checked, whatever the name resolves to now (no rebinding).
  // Node passes all: true when it races address families; answer in the shape it asked for.
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
  const cap = opts.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  return new Promise<SendResult>((resolve, reject) => {
    const request = (url.protocol === "https:" ? https : http).request(url, {
      method: "POST",
      lookup: pinned,
      agent: false,
      signal,
      headers: { ...opts.headers, "content-length": String(Buffer.byteLength(opts.body)) },
    });
    const stop = () => request.destroy();
    request.on("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(`could not deliver: ${error.code ?? error.message}`)),
    );
    request.on("response", (response) => {
      const status = response.statusCode ?? 0;
      let read = 0;
      const finish = () => {
        stop();
        if (status >= 200 && status < 300) resolve(done(status, null));
        else if (status >= 300 && status < 400)
          resolve(done(status, `answered ${status}: redirects are not followed`));
        else resolve(done(status, `answered ${status}`));
      };
      response.on("data", (chunk: Buffer) => {
        read += chunk.length;
        if (read >= cap) finish();
      });
      response.on("end", finish);
      response.on("error", finish);
    });
    request.end(opts.body);
  });
}
