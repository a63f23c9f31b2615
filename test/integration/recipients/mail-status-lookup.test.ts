// An import reads the account's unmailable contacts once when they are few, and asks per chunk
// when they are many: both ways must find exactly the do-not-mail and returned people.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailStatusLookup } from "../../../src/modules/recipients/import-checks.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let accountId: string;
let otherAccountId: string;
const keys: Record<string, string> = {};

const contact = (key: string, first: string, mailStatus: string) =>
  ctx.app
    .inject({
      method: "POST",
      url: "/v1/contacts",
      headers: bearer(key),
      payload: {
        first_name: first,
        last_name: "Lookup",
        address: {
          line1: `${first.length} Elm St`,
          city: "Springfield",
          region: "IL",
          postal_code: "62701",
        },
        mail_status: mailStatus,
      },
    })
    .then((res) => {
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    });

beforeAll(async () => {
  ctx = await createTestContext();
  const mine = await ctx.account();
  const other = await ctx.account({ name: "Other Co" });
  accountId = mine.accountId;
  otherAccountId = other.accountId;
  await contact(mine.secret, "Ann", "active");
  await contact(mine.secret, "Bob", "do_not_mail");
  await contact(mine.secret, "Cyrus", "returned");
  // Another account's do-not-mail contact at the same address must not count here.
  await contact(other.secret, "Ann", "do_not_mail");
  const { rows } = await ctx.deps.pool.query<{ first: string; dedupe_key: string }>(
    "SELECT data->>'firstName' AS first, dedupe_key FROM contacts WHERE account_id = $1",
    [accountId],
  );
  for (const r of rows) keys[r.first] = r.dedupe_key;
});
afterAll(() => ctx.close());

describe("mailStatusLookup", () => {
  it.each([
    ["read once (few unmailable contacts)", 20_000],
    ["asked per chunk (more than it preloads)", 1],
  ])("%s: finds exactly the do-not-mail and returned contacts", async (_how, preload) => {
    const client = await ctx.deps.pool.connect();
    try {
      const lookup = await mailStatusLookup(client, accountId, preload);
      const found = await lookup([keys.Ann, keys.Bob, keys.Cyrus, "no-such-key"] as string[]);
      expect(Object.fromEntries(found)).toEqual({
        [keys.Bob as string]: "do_not_mail",
        [keys.Cyrus as string]: "returned",
      });
      expect((await lookup([])).size).toBe(0);
    } finally {
      client.release();
    }
  });

  it("sees nothing of another account's contacts", async () => {
    const client = await ctx.deps.pool.connect();
    try {
      const lookup = await mailStatusLookup(client, otherAccountId);
      expect((await lookup([keys.Bob, keys.Cyrus] as string[])).size).toBe(0);
      expect([...(await lookup([keys.Ann] as string[])).values()]).toEqual(["do_not_mail"]);
    } finally {
      client.release();
    }
  });
});
