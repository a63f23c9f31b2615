// The key cache's own rules, with a listener the test drives: nothing is served or kept while not
// listening, a change drops what it names, a lookup that spans a change is not kept, entries expire.
import { describe, expect, it } from "vitest";
import type { ListenHandlers } from "../../../src/db/listen.ts";
import { type CachedKey, createKeyCache } from "../../../src/modules/accounts/key-cache.ts";

function setup(opts: { ttlMs?: number; max?: number } = {}) {
  let handlers: ListenHandlers | undefined;
  let listening = false;
  let clock = 1_000;
  const cache = createKeyCache<string>({
    ttlMs: opts.ttlMs ?? 60_000,
    max: opts.max ?? 100,
    now: () => clock,
    watch: (h) => {
      handlers = h;
      return {
        get listening() {
          return listening;
        },
        backendPid: undefined,
        close: async () => {},
      };
    },
  });
  const entry = (keyId: string, account = "acct_1"): CachedKey<string> => ({
    value: `auth of ${keyId}`,
    keyId,
    accountIds: [account, `${account}_twin`],
    touchedAt: clock,
  });
  const up = () => {
    listening = true;
    handlers?.onListening();
  };
  const down = () => {
    listening = false;
    handlers?.onLost();
  };
  const tick = (ms: number) => {
    clock += ms;
  };
  const message = (payload: string) => handlers?.onMessage(payload);
  return { cache, entry, up, down, tick, message };
}

/** A lookup as the service makes one: begin, then put. */
const fill = (t: ReturnType<typeof setup>, hash: string, keyId: string, account?: string) => {
  t.cache.get(hash);
  t.cache.put(hash, t.cache.begin(), t.entry(keyId, account));
};

describe("key cache", () => {
  it("keeps and serves nothing until the listener is listening", () => {
    const t = setup();
    fill(t, "h1", "key_1");
    expect(t.cache.get("h1")).toBeUndefined();
    t.up();
    fill(t, "h1", "key_1");
    expect(t.cache.get("h1")?.value).toBe("auth of key_1");
  });

  it("drops a key on its own change, an account's keys on the account's, everything on an unknown payload", () => {
    const t = setup();
    t.up();
    fill(t, "h1", "key_1", "acct_a");
    fill(t, "h2", "key_2", "acct_a");
    fill(t, "h3", "key_3", "acct_b");
    t.message("key:key_1");
    expect(t.cache.get("h1")).toBeUndefined();
    expect(t.cache.get("h2")).toBeDefined();
    // A change to the test twin of acct_a names the twin: its keys go too.
    t.message("account:acct_a_twin");
    expect(t.cache.get("h2")).toBeUndefined();
    expect(t.cache.get("h3")).toBeDefined();
    t.message("something:else");
    expect(t.cache.get("h3")).toBeUndefined();
  });

  it("does not keep a lookup that began before a change was heard", () => {
    const t = setup();
    t.up();
    t.cache.get("h1");
    const startedAt = t.cache.begin();
    t.message("key:key_9"); // any change: the lookup may have read the row before it
    t.cache.put("h1", startedAt, t.entry("key_1"));
    expect(t.cache.get("h1")).toBeUndefined();
  });

  it("forgets everything when the listener is lost, and stays empty until it listens again", () => {
    const t = setup();
    t.up();
    fill(t, "h1", "key_1");
    t.down();
    expect(t.cache.get("h1")).toBeUndefined();
    fill(t, "h1", "key_1");
    expect(t.cache.get("h1")).toBeUndefined();
    t.up();
    expect(t.cache.get("h1")).toBeUndefined();
    fill(t, "h1", "key_1");
    expect(t.cache.get("h1")).toBeDefined();
  });

  it("expires an entry after ttlMs and keeps at most max entries, the oldest going first", () => {
    const t = setup({ ttlMs: 1_000, max: 2 });
    t.up();
    fill(t, "h1", "key_1");
    t.tick(999);
    expect(t.cache.get("h1")).toBeDefined();
    t.tick(1);
    expect(t.cache.get("h1")).toBeUndefined();
    fill(t, "h1", "key_1");
    fill(t, "h2", "key_2");
    fill(t, "h3", "key_3");
    expect(t.cache.get("h1")).toBeUndefined();
    expect(t.cache.get("h2")).toBeDefined();
    expect(t.cache.get("h3")).toBeDefined();
  });
});
