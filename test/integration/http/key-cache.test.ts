// API keys served from memory, against the real database: a known key costs no query, and every
// change made elsewhere (another process, the CLI, SQL by hand) stops the cached copy at once, by
// the triggers' NOTIFY. While the listening connection is down, nothing is served from memory.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Listener, listen } from "../../../src/db/listen.ts";
import type { Pool } from "../../../src/db/pool.ts";
import {
  type AuthContext,
  createAccountsService,
} from "../../../src/modules/accounts/accounts.service.ts";
import {
  AUTH_CHANGES_CHANNEL,
  createKeyCache,
  type KeyCache,
} from "../../../src/modules/accounts/key-cache.ts";
import { createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let listener: Listener | undefined;
let cache: KeyCache<AuthContext>;
let queries = 0;
let accounts: ReturnType<typeof createAccountsService>;

/** Polls until `ok()` holds (state-based; fails after `ms`). */
async function until(ok: () => boolean | Promise<boolean>, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  ctx = await createTestContext();
  // The real pool, counted: how many statements the service sends.
  const pool = ctx.deps.pool;
  const counted = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === "query")
        return (...args: unknown[]) => {
          queries++;
          return (target.query as (...a: unknown[]) => unknown).apply(target, args);
        };
      return Reflect.get(target, prop, receiver);
    },
  }) as Pool;
  cache = createKeyCache<AuthContext>({
    ttlMs: 60_000,
    max: 100,
    watch: (handlers) => {
      listener = listen(ctx.config, AUTH_CHANGES_CHANNEL, handlers);
      return listener;
    },
  });
  accounts = createAccountsService({ pool: counted, keyCache: cache });
});
afterAll(async () => {
  await cache.close();
  await ctx.close();
});

/** A key that the cache serves: looked up until a lookup is kept (the first use writes last use). */
async function cachedKey(opts?: Parameters<TestContext["account"]>[0]) {
  const made = await ctx.account(opts);
  await until(async () => {
    expect(await accounts.authenticate(made.secret)).toBeDefined();
    const before = queries;
    await accounts.authenticate(made.secret);
    return queries === before;
  });
  return made;
}

const sql = (text: string, values: unknown[]) => ctx.deps.pool.query(text, values);

describe("API keys served from memory", () => {
  it("answers a known key with no query, and looks up an unknown one every time", async () => {
    const { secret, accountId } = await cachedKey({ name: "Memory Co" });
    const before = queries;
    for (let i = 0; i < 5; i++)
      expect(await accounts.authenticate(secret)).toMatchObject({
        accountId,
        accountName: "Memory Co",
      });
    expect(queries).toBe(before);
    const unknown = `cmk_live_${"Z".repeat(32)}`;
    await accounts.authenticate(unknown);
    await accounts.authenticate(unknown);
    expect(queries).toBe(before + 2);
  });

  it("stops a key revoked elsewhere (SQL by hand) at once, and one revoked here before its reply", async () => {
    const a = await cachedKey();
    await sql("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [a.keyId]);
    await until(async () => (await accounts.authenticate(a.secret)) === undefined, 2_000);

    const b = await cachedKey();
    await accounts.revokeKey(b.accountId, b.keyId);
    expect(await accounts.authenticate(b.secret)).toBeUndefined();
  });

  it("hears a change of scopes, a rename of the account and the account's deletion", async () => {
    const a = await cachedKey();
    await sql("UPDATE api_keys SET scopes = '{batches}' WHERE id = $1", [a.keyId]);
    await until(async () => (await accounts.authenticate(a.secret))?.scopes.join() === "batches");

    const b = await cachedKey({ name: "Old Name" });
    await sql("UPDATE accounts SET name = 'New Name' WHERE id = $1", [b.accountId]);
    await until(async () => (await accounts.authenticate(b.secret))?.accountName === "New Name");

    const c = await cachedKey();
    await sql("DELETE FROM accounts WHERE id = $1", [c.accountId]);
    await until(async () => (await accounts.authenticate(c.secret)) === undefined, 2_000);
  });

  it("serves nothing from memory while the listening connection is down, and caches again once it is back", async () => {
    const a = await cachedKey();
    const pid = listener?.backendPid;
    expect(pid).toBeTypeOf("number");
    await sql("SELECT pg_terminate_backend($1)", [pid]);
    await until(() => !cache.listening);
    // A revocation while nobody listens is missed by the channel, not by the API.
    await sql("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [a.keyId]);
    expect(await accounts.authenticate(a.secret)).toBeUndefined();

    await until(() => cache.listening);
    expect(listener?.backendPid).not.toBe(pid);
    await cachedKey(); // kept again, once listening
  });
});
