import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../../../src/db/transaction.ts";
import {
  claimDelivery,
  recordAttempt,
} from "../../../src/modules/events/webhook-deliveries.repository.ts";
import { type ConsoleUser, consoleUser } from "../../support/console-session.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let accountId: string;
let admin: ConsoleUser;

beforeAll(async () => {
  ctx = await createTestContext();
  ({ accountId } = await ctx.account({ name: "Bright Smiles Dental" }));
  admin = await consoleUser(ctx, accountId, { role: "admin" });
});
afterAll(() => ctx.close());

const unescapeHtml = (s: string) =>
  s
    .replaceAll("&#x3D;", "=")
    .replaceAll("&amp;", "&")
    .replaceAll("&quot;", '"')
    .replaceAll("&#x27;", "'");
/** The text of the one-time secret box of a page. */
const secretIn = (html: string) => /<p class="secret" id="secret">([^<]+)<\/p>/.exec(html)?.[1];
/** A urlencoded body with repeated fields (checkboxes). */
const formOf = (csrf: string, fields: [string, string][]) =>
  new URLSearchParams([["_csrf", csrf], ...fields]).toString();
const postMany = (user: ConsoleUser, url: string, fields: [string, string][]) =>
  ctx.app.inject({
    method: "POST",
    url,
    headers: { cookie: user.cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: formOf(user.csrf, fields),
  });

const ACCOUNT_FORM = {
  time_zone: "America/Chicago",
  send_hour: "7",
  "return_address.line1": "12 Harbor Rd",
  "return_address.line2": "",
  "return_address.city": "Portland",
  "return_address.region": "Maine",
  "return_address.postal_code": "04101",
  "return_address.country": "US",
};

describe("console settings: the account", () => {
  it("saves the time zone, send hour and return address through the accounts service", async () => {
    const page = await admin.get("/settings");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<option value="Pacific/Auckland">');
    const res = await admin.post("/settings/account", ACCOUNT_FORM);
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe("/settings?saved=1");
    const account = await ctx.deps.accounts.getAccount(accountId);
    expect(account.time_zone).toBe("America/Chicago");
    expect(account.send_hour).toBe(7);
    // The state is written as the post office wants it.
    expect(account.return_address).toEqual({
      line1: "12 Harbor Rd",
      city: "Portland",
      region: "ME",
      postalCode: "04101",
      country: "US",
    });
    const saved = await admin.get("/settings?saved=1");
    expect(saved.body).toContain("Saved.");
    expect(saved.body).toContain('<option value="America/Chicago" selected>');
    expect(saved.body).toContain('value="12 Harbor Rd"');
    // And the API shows it.
    const { secret } = await ctx.deps.accounts.createKey(accountId, { scopes: ["admin"] });
    const api = await ctx.app.inject({ url: "/v1/account", headers: bearer(secret) });
    expect(api.json()).toMatchObject({
      time_zone: "America/Chicago",
      return_address: { line1: "12 Harbor Rd", region: "ME", postal_code: "04101" },
    });
    // Every line emptied: no return address.
    const cleared = await admin.post("/settings/account", {
      ...ACCOUNT_FORM,
      "return_address.line1": "",
      "return_address.city": "",
      "return_address.region": "",
      "return_address.postal_code": "",
      "return_address.country": "",
    });
    expect(cleared.statusCode).toBe(303);
    expect((await ctx.deps.accounts.getAccount(accountId)).return_address).toBeNull();
  });

  it("a bad time zone is a field error with the form kept; nothing is saved", async () => {
    await admin.post("/settings/account", ACCOUNT_FORM);
    const res = await admin.post("/settings/account", {
      ...ACCOUNT_FORM,
      time_zone: "Mars/Olympus_Mons",
      "return_address.line1": "99 Changed St",
      "return_address.postal_code": "ABC",
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(
      /id="time_zone-error">&quot;Mars\/Olympus_Mons&quot; is not a time zone/,
    );
    expect(res.body).toMatch(/id="ra-postal_code-error">expected/);
    // What was typed stays, the bad zone still chosen.
    expect(res.body).toContain('<option value="Mars/Olympus_Mons" selected>');
    expect(res.body).toContain('value="99 Changed St"');
    const account = await ctx.deps.accounts.getAccount(accountId);
    expect(account.time_zone).toBe("America/Chicago");
    expect(account.return_address?.line1).toBe("12 Harbor Rd");
  });

  it("an address without a city, or with a region its country lacks, names each field", async () => {
    const res = await admin.post("/settings/account", {
      ...ACCOUNT_FORM,
      "return_address.city": "",
      "return_address.region": "Atlantis",
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('id="ra-city-error">give the city');
    expect(res.body).toContain('id="ra-region-error">not a region of US');
  });

  it("hostile account input is refused calmly: huge fields, NUL, arrays, a bad hour", async () => {
    const cases: Record<string, string>[] = [
      { ...ACCOUNT_FORM, time_zone: "x".repeat(10_000) },
      { ...ACCOUNT_FORM, "return_address.line1": "y".repeat(10_000) },
      { ...ACCOUNT_FORM, "return_address.city": "Port\u0000land" },
      { ...ACCOUNT_FORM, send_hour: "24" },
      { ...ACCOUNT_FORM, send_hour: "-1" },
      { ...ACCOUNT_FORM, time_zone: "../../etc/passwd" },
    ];
    for (const fields of cases) {
      const res = await admin.post("/settings/account", fields);
      expect(res.statusCode).toBe(400);
    }
    const twice = await postMany(admin, "/settings/account", [
      ...Object.entries(ACCOUNT_FORM),
      ["time_zone", "Europe/Paris"],
    ]);
    expect(twice.statusCode).toBe(400);
    expect(twice.body).toContain("must be given once");
    expect((await ctx.deps.accounts.getAccount(accountId)).time_zone).toBe("America/Chicago");
  });
  it("the API's PATCH /v1/account sets and removes the return address with the same checks", async () => {
    const { secret } = await ctx.account();
    const patch = (payload: Record<string, unknown>) =>
      ctx.app.inject({ method: "PATCH", url: "/v1/account", headers: bearer(secret), payload });
    const set = await patch({
      return_address: {
        line1: "1 Rue de la Paix",
        city: "Paris",
        postal_code: "75002",
        country: "France",
      },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().return_address).toEqual({
      line1: "1 Rue de la Paix",
      line2: null,
      city: "Paris",
      region: null,
      postal_code: "75002",
      country: "FR",
    });
    const bad = await patch({
      return_address: { line1: "1 Main St", city: "Springfield", country: "US" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers["content-type"]).toMatch(/problem\+json/);
    expect(bad.json().errors).toEqual([
      { field: "return_address.region", message: "US addresses need one" },
    ]);
    const extra = await patch({
      return_address: { line1: "1 Main St", city: "X", planet: "Mars" },
    });
    expect(extra.statusCode).toBe(400);
    const removed = await patch({ return_address: null });
    expect(removed.json().return_address).toBeNull();
  });
});

describe("console settings: API keys", () => {
  it("a new key's secret is shown once, works against /v1/account, and stops when revoked", async () => {
    const res = await postMany(admin, "/settings/keys", [
      ["name", "Shopify store"],
      ["scopes", "campaigns"],
      ["scopes", "admin"],
      ["mode", "live"],
    ]);
    expect(res.statusCode, res.body).toBe(201);
    const secret = secretIn(res.body) as string;
    expect(secret).toMatch(/^cmk_live_/);
    const api = await ctx.app.inject({ url: "/v1/account", headers: bearer(secret) });
    expect(api.statusCode).toBe(200);
    expect(api.json().key.scopes.sort()).toEqual(["admin", "campaigns"]);

    // The list shows its prefix, scopes, mode and last use, never the secret.
    const list = await admin.get("/settings/keys");
    expect(list.body).not.toContain(secret);
    const key = api.json().key as { id: string; prefix: string };
    expect(list.body).toContain(`${key.prefix}…`);
    expect(list.body).toContain("Shopify store");
    // Used once just now: its last use is shown (the other keys say Never).
    expect(list.body).toMatch(/data-label="Last used">[A-Z][a-z]{2} \d/);
    expect(list.body).toContain('data-label="Mode">live');

    // Revoking asks first, then the key answers 401.
    const confirm = await admin.get(`/settings/keys/${key.id}/revoke`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain("This cannot be undone");
    const revoked = await admin.post(`/settings/keys/${key.id}/revoke`);
    expect(revoked.statusCode).toBe(303);
    const after = await ctx.app.inject({ url: "/v1/account", headers: bearer(secret) });
    expect(after.statusCode).toBe(401);
    expect((await admin.get("/settings/keys")).body).toContain("Revoked");
  });

  it("a test-mode key is made as asked; no scope or an unknown one is a field error with the form kept", async () => {
    const test = await postMany(admin, "/settings/keys", [
      ["name", "Staging"],
      ["scopes", "campaigns"],
      ["mode", "test"],
    ]);
    expect(test.statusCode).toBe(201);
    expect(secretIn(test.body)).toMatch(/^cmk_test_/);
    const none = await postMany(admin, "/settings/keys", [["name", "Nothing"]]);
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain("No scope given");
    expect(none.body).toContain('value="Nothing"');
    const bad = await postMany(admin, "/settings/keys", [
      ["name", "Root"],
      ["scopes", "superuser"],
      ["mode", "live"],
    ]);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("Unknown scope(s): superuser");
    const mode = await postMany(admin, "/settings/keys", [
      ["scopes", "batches"],
      ["mode", "prod"],
    ]);
    expect(mode.statusCode).toBe(400);
    for (const res of [none, bad, mode]) expect(secretIn(res.body)).toBeUndefined();
  });

  it("hostile key input: a huge name, NUL, many scopes, ../ and other accounts' ids", async () => {
    const huge = await postMany(admin, "/settings/keys", [
      ["name", "n".repeat(5000)],
      ["scopes", "campaigns"],
    ]);
    expect(huge.statusCode).toBe(400);
    expect(huge.body).toContain("at most 100 characters");
    const nul = await postMany(admin, "/settings/keys", [
      ["name", "a\u0000b"],
      ["scopes", "campaigns"],
    ]);
    expect(nul.statusCode).toBe(400);
    const many = await postMany(
      admin,
      "/settings/keys",
      Array.from({ length: 40 }, () => ["scopes", "campaigns"] as [string, string]),
    );
    expect(many.statusCode).toBe(400);
    const other = await ctx.account();
    const theirs = await ctx.deps.accounts.createKey(other.accountId, { scopes: ["campaigns"] });
    expect((await admin.get(`/settings/keys/${theirs.key.id}/revoke`)).statusCode).toBe(404);
    expect((await admin.post(`/settings/keys/${theirs.key.id}/revoke`)).statusCode).toBe(404);
    expect((await admin.post("/settings/keys/..%2F..%2Fv1/revoke")).statusCode).toBe(404);
    const still = await ctx.app.inject({ url: "/v1/account", headers: bearer(theirs.secret) });
    expect(still.statusCode).toBe(200);
  });
});

describe("console settings: webhook endpoints", () => {
  it("an endpoint is created with its secret shown once, listed, and shows its deliveries", async () => {
    const res = await postMany(admin, "/settings/webhooks", [
      ["url", "https://hooks.example.com/cardmerge"],
      ["description", "CRM"],
      ["event_types", "contact_import.completed"],
      ["event_types", "batch.*"],
    ]);
    expect(res.statusCode, res.body).toBe(201);
    const secret = secretIn(res.body) as string;
    expect(secret).toMatch(/^whsec_/);
    const list = await admin.get("/settings/webhooks");
    expect(list.body).toContain("https://hooks.example.com/cardmerge");
    expect(list.body).not.toContain(secret);
    const id = /href="\/settings\/webhooks\/(we_\w+)"/.exec(list.body)?.[1] as string;
    expect(id).toBeDefined();

    // An event it wants: a contacts import. Its delivery is queued, then one attempt fails (503).
    await ctx.deps.contacts.import(accountId, {
      body: Readable.from([Buffer.from("First Name,Last Name\nAmy,Adams\n")]),
    });
    const page = await admin.get(`/settings/webhooks/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(secret);
    expect(page.body).toContain("contact_import.completed");
    expect(page.body).toContain("none yet");
    const { rows } = await ctx.deps.pool.query<{ id: string }>(
      "SELECT id FROM webhook_deliveries WHERE endpoint_id = $1",
      [id],
    );
    expect(rows).toHaveLength(1);
    const claimed = await claimDelivery(ctx.deps.pool, rows[0]?.id as string, 60_000);
    if (!claimed) throw new Error("delivery not claimed");
    await withTransaction(ctx.deps.pool, (tx) =>
      recordAttempt(tx, claimed, {
        ok: false,
        statusCode: 503,
        error: "HTTP 503",
        durationMs: 12,
        retryInMs: 60_000,
        giveUpAfterMs: 3 * 86_400_000,
      }),
    );
    const after = await admin.get(`/settings/webhooks/${id}`);
    expect(after.body).toMatch(/data-label="Attempts">1</);
    expect(after.body).toContain("HTTP 503");
    expect(after.body).toMatch(/status-pending">pending/);

    // Sent again now: due at once.
    const again = await admin.post(`/settings/webhooks/${id}/deliveries/${claimed.id}/retry`);
    expect(again.statusCode).toBe(303);
    const { rows: due } = await ctx.deps.pool.query<{ due: boolean }>(
      "SELECT next_attempt_at <= now() AS due FROM webhook_deliveries WHERE id = $1",
      [claimed.id],
    );
    expect(due[0]?.due).toBe(true);
    expect(
      (await admin.post(`/settings/webhooks/${id}/deliveries/whd_nothing/retry`)).statusCode,
    ).toBe(404);

    // A new signing secret is shown once; the old one keeps signing for a day.
    const rolled = await admin.post(`/settings/webhooks/${id}/roll`);
    expect(rolled.statusCode).toBe(201);
    const fresh = secretIn(rolled.body) as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(secret);
    expect(rolled.body).toContain("The old secret keeps signing beside it until");
    const row = await ctx.deps.webhookEndpoints.get({ accountId, scopes: ["admin"] }, id);
    expect([row.secret, row.previous_secret]).toEqual([fresh, secret]);
    expect((await admin.get(`/settings/webhooks/${id}`)).body).not.toContain(fresh);
  });

  it("disable, enable and delete (after a confirmation)", async () => {
    const endpoint = await ctx.deps.webhookEndpoints.create(
      { accountId, scopes: ["admin"], mode: "live" },
      { url: "https://hooks.example.com/two", event_types: ["*"] },
    );
    const off = await admin.post(`/settings/webhooks/${endpoint.id}/status`, {
      status: "disabled",
    });
    expect(off.statusCode).toBe(303);
    expect((await admin.get(`/settings/webhooks/${endpoint.id}`)).body).toMatch(
      /status-disabled">disabled/,
    );
    await admin.post(`/settings/webhooks/${endpoint.id}/status`, { status: "enabled" });
    expect((await admin.get(`/settings/webhooks/${endpoint.id}`)).body).toMatch(
      /status-enabled">enabled/,
    );
    expect((await admin.get(`/settings/webhooks/${endpoint.id}/delete`)).body).toContain(
      "Delete this endpoint?",
    );
    expect((await admin.post(`/settings/webhooks/${endpoint.id}/delete`)).statusCode).toBe(303);
    expect((await admin.get(`/settings/webhooks/${endpoint.id}`)).statusCode).toBe(404);
  });

  it("a loopback, private or metadata URL is refused by the service, with its reason and the form kept", async () => {
    for (const url of [
      "http://127.0.0.1:6379/",
      "http://10.0.0.8/hook",
      "http://[::1]/hook",
      "http://169.254.169.254/latest/meta-data",
      "http://192.168.1.1/",
    ]) {
      const res = await postMany(admin, "/settings/webhooks", [
        ["url", url],
        ["event_types", "*"],
      ]);
      expect(res.statusCode, url).toBe(400);
      expect(res.body).toMatch(/id="url-error" role="alert">refused: /);
      expect(unescapeHtml(res.body)).toContain(`value="${url}"`);
      expect(secretIn(res.body)).toBeUndefined();
    }
    const { rows } = await ctx.deps.pool.query(
      "SELECT url FROM webhook_endpoints WHERE url LIKE 'http://1%' OR url LIKE 'http://[%'",
    );
    expect(rows).toEqual([]);
  });

  it("hostile endpoint input: no URL, other schemes, huge fields, unknown events, other accounts' ids", async () => {
    const cases: [string, string][][] = [
      [["event_types", "*"]],
      [
        ["url", "file:///etc/passwd"],
        ["event_types", "*"],
      ],
      [
        ["url", `https://example.com/${"a".repeat(5000)}`],
        ["event_types", "*"],
      ],
      [["url", "https://example.com/hook"]],
      [
        ["url", "https://example.com/hook"],
        ["event_types", "card.exploded"],
      ],
      [
        ["url", "https://example.com/hook"],
        ["event_types", "*"],
        ["description", "d".repeat(1000)],
      ],
    ];
    for (const fields of cases) {
      const res = await postMany(admin, "/settings/webhooks", fields);
      expect(res.statusCode, JSON.stringify(fields).slice(0, 80)).toBe(400);
      expect(res.body).toContain('class="field-error"');
    }
    const other = await ctx.account();
    const theirs = await ctx.deps.webhookEndpoints.create(
      { accountId: other.accountId, scopes: ["admin"], mode: "live" },
      { url: "https://hooks.example.com/theirs", event_types: ["*"] },
    );
    expect((await admin.get(`/settings/webhooks/${theirs.id}`)).statusCode).toBe(404);
    expect(
      (await admin.post(`/settings/webhooks/${theirs.id}/status`, { status: "disabled" }))
        .statusCode,
    ).toBe(404);
    expect((await admin.post(`/settings/webhooks/${theirs.id}/delete`)).statusCode).toBe(404);
    expect((await admin.post(`/settings/webhooks/${theirs.id}/roll`)).statusCode).toBe(404);
    expect((await admin.get("/settings/webhooks/..%2F..%2Fkeys")).statusCode).toBe(404);
    expect(
      (
        await ctx.deps.webhookEndpoints.get(
          { accountId: other.accountId, scopes: ["admin"] },
          theirs.id,
        )
      ).status,
    ).toBe("enabled");
  });
});

describe("console settings: who may", () => {
  it("a member sees the account's settings read-only and is refused keys, webhooks and users (403)", async () => {
    const member = await consoleUser(ctx, accountId, { role: "member" });
    const settings = await member.get("/settings");
    expect(settings.statusCode).toBe(200);
    expect(settings.body).toContain("Only an admin of the account changes these");
    expect(settings.body).not.toContain('href="/settings/keys"');
    expect(settings.body).not.toContain('action="/settings/account"');
    for (const url of ["/settings/keys", "/settings/webhooks", "/settings/users"]) {
      const res = await member.get(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.body).toContain("Only an admin of this account can");
    }
    const before = (await ctx.deps.accounts.getAccount(accountId)).time_zone;
    const posts: [string, Record<string, string>][] = [
      ["/settings/account", { ...ACCOUNT_FORM, time_zone: "Asia/Tokyo" }],
      ["/settings/keys", { scopes: "admin" }],
      ["/settings/webhooks", { url: "https://example.com/x", event_types: "*" }],
      ["/settings/users", { email: "sneaky@example.com", role: "admin" }],
    ];
    for (const [url, form] of posts)
      expect((await member.post(url, form)).statusCode, url).toBe(403);
    expect((await ctx.deps.accounts.getAccount(accountId)).time_zone).toBe(before);
    expect((await ctx.deps.users.list(accountId)).map((u) => u.email)).not.toContain(
      "sneaky@example.com",
    );
  });

  it("a settings form without its CSRF token is refused (403) and changes nothing", async () => {
    const res = await ctx.app.inject({
      method: "POST",
      url: "/settings/keys",
      headers: { cookie: admin.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: "name=csrf-less&scopes=admin",
    });
    expect(res.statusCode).toBe(403);
    const keys = await ctx.deps.accounts.listKeys(accountId, { limit: 100 });
    expect(keys.map((k) => k.name)).not.toContain("csrf-less");
    const account = await ctx.app.inject({
      method: "POST",
      url: "/settings/account",
      headers: { cookie: admin.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ ...ACCOUNT_FORM, time_zone: "Asia/Tokyo" }).toString(),
    });
    expect(account.statusCode).toBe(403);
    expect((await ctx.deps.accounts.getAccount(accountId)).time_zone).not.toBe("Asia/Tokyo");
  });
});
