import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertContacts } from "../../support/automation-fixtures.ts";
import { draftCampaign } from "../../support/campaign-fixtures.ts";
import { type ConsoleUser, consoleUser } from "../../support/console-session.ts";
import { multipart } from "../../support/multipart.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let accountId: string;
let user: ConsoleUser;
let ids: string[];

beforeAll(async () => {
  ctx = await createTestContext();
  ({ accountId } = await ctx.account({ name: "Bright Smiles Dental" }));
  user = await consoleUser(ctx, accountId);
  ids = await insertContacts(ctx, accountId, [
    { name: "Zoë Ångström", address: { line1: "1 Elm St", city: "Portland", region: "OR" } },
    { name: "Ben Porter", address: { line1: "2 Oak St", city: "Austin", region: "TX" } },
    { name: "Cleo Marsh", address: { line1: "3 Ash St", city: "Portland", region: "ME" } },
    { name: "Dan 100%_Real", address: false },
  ]);
});
afterAll(() => ctx.close());

/** The names in the contacts table of a page, in order. */
const names = (html: string) =>
  [...html.matchAll(/<td data-label="Name">([^<]+)/g)].map((m) => m[1]?.trim());

/** An attribute's text as the browser reads it (Handlebars escapes = and &). */
const unescapeHtml = (s: string) =>
  s.replaceAll("&#x3D;", "=").replaceAll("&amp;", "&").replaceAll("&quot;", '"');

const importCsv = (u: ConsoleUser, csv: string, csrf = u.csrf) => {
  const body = multipart([
    { name: "file", filename: "clinic.csv", contentType: "text/csv", data: csv },
  ]);
  return ctx.app.inject({
    method: "POST",
    url: `/contacts/import?_csrf=${encodeURIComponent(csrf)}`,
    headers: { ...body.headers, cookie: u.cookie },
    payload: body.payload,
  });
};

describe("console contacts", () => {
  it("lists the account's contacts and searches them by name, city and mail status", async () => {
    const all = await user.get("/contacts");
    expect(all.statusCode).toBe(200);
    expect(names(all.body).sort()).toEqual(
      ["Ben Porter", "Cleo Marsh", "Dan 100%_Real", "Zoë Ångström"].sort(),
    );
    // By city, any case.
    expect(names((await user.get("/contacts?q=portland")).body).sort()).toEqual([
      "Cleo Marsh",
      "Zoë Ångström",
    ]);
    // By a part of a name, with its accent.
    expect(names((await user.get("/contacts?q=%C3%85ngstr")).body)).toEqual(["Zoë Ångström"]);
    // LIKE's wildcards are literal: "%_" matches only the name that has them.
    expect(names((await user.get("/contacts?q=%25_")).body)).toEqual(["Dan 100%_Real"]);
    const none = await user.get("/contacts?q=nobody-like-this");
    expect(names(none.body)).toEqual([]);
    expect(none.body).toContain("No contact matches “nobody-like-this”");
    expect(none.body).toContain('value="nobody-like-this"');
  });

  it("pages through many contacts with next-page links", async () => {
    const other = await ctx.account();
    const pager = await consoleUser(ctx, other.accountId);
    await insertContacts(
      ctx,
      other.accountId,
      Array.from({ length: 120 }, (_, i) => ({ name: `Paged Person ${i}` })),
    );
    const seen = new Set<string>();
    let url: string | undefined = "/contacts";
    let pages = 0;
    while (url) {
      const res = await pager.get(url);
      expect(res.statusCode, res.body.slice(res.body.indexOf("<main"))).toBe(200);
      for (const n of names(res.body)) seen.add(n ?? "");
      pages++;
      url = /<a href="([^"]+)" rel="next">/.exec(res.body)?.[1];
      if (url) url = unescapeHtml(url);
    }
    expect(pages).toBe(3);
    expect(seen.size).toBe(120);
  });

  it("do-not-mail toggles per contact, sticks, and goes back to the list as it was", async () => {
    const id = ids[1] as string;
    const res = await user.post(`/contacts/${id}/mail-status`, {
      mail_status: "do_not_mail",
      back: "/contacts?q=porter",
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/contacts?q=porter");
    expect((await ctx.deps.contacts.get(accountId, id)).mail_status).toBe("do_not_mail");
    const page = await user.get("/contacts?q=porter");
    expect(page.body).toContain("Mail again to Ben Porter");
    expect(names((await user.get("/contacts?mail_status=do_not_mail")).body)).toEqual([
      "Ben Porter",
    ]);
    // And back; a `back` off the contacts pages is not followed.
    const again = await user.post(`/contacts/${id}/mail-status`, {
      mail_status: "active",
      back: "https://evil.example/contacts",
    });
    expect(again.headers.location).toBe("/contacts");
    expect((await ctx.deps.contacts.get(accountId, id)).mail_status).toBe("active");
  });

  it("do-not-mail takes the contact out of draft campaigns, as the API's PATCH does", async () => {
    const { accountId: account, secret } = await ctx.account();
    const person = await consoleUser(ctx, account);
    const [id] = await insertContacts(ctx, account, [
      { name: "Drafted Dora", tags: ["autumn"], custom: { lastPurchase: "boiler" } },
    ]);
    const campaignId = await draftCampaign(ctx, secret, { recipients: 1 });
    const added = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${campaignId}/recipients/from-contacts`,
      headers: bearer(secret),
      payload: { tag: "autumn" },
    });
    expect(added.statusCode, added.body).toBeLessThan(300);
    const inDraft = async () =>
      (await ctx.deps.pool.query("SELECT 1 FROM recipients WHERE contact_id = $1", [id])).rowCount;
    expect(await inDraft()).toBe(1);
    const res = await person.post(`/contacts/${id}/mail-status`, { mail_status: "do_not_mail" });
    expect(res.statusCode).toBe(303);
    expect(await inDraft()).toBe(0);
  });

  it("an import shows its counts and the two bad rows, with the failures CSV to download", async () => {
    const res = await importCsv(
      user,
      [
        "First Name,Last Name,Street,City,State,Zip,Do Not Mail,External ID",
        "Amy,Adams,1 Main St,Springfield,IL,62701,no,c-1",
        "Kim,Kay,2 Main St,Springfield,IL,62701,perhaps,c-2",
        "Lou,Lane,3 Main St,Springfield,IL,62701,,c-3",
        ",,4 Main St,Springfield,IL,62701,,c-4",
      ].join("\r\n"),
    );
    expect(res.statusCode, res.body).toBe(303);
    const report = await user.get(String(res.headers.location));
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain("2 of 4 rows imported; 2 rows need fixing");
    const rows = [
      ...report.body.matchAll(
        /<td data-label="Row">(\d+)<\/td><td data-label="Column">([^<]*)<\/td><td data-label="What to fix">([^<]*)/g,
      ),
    ];
    expect(rows.map((r) => r[1])).toEqual(["3", "5"]);
    expect(rows[0]?.[2]).toBe("Do Not Mail");
    expect(rows[0]?.[3]).toMatch(/&quot;perhaps&quot; is neither yes nor no/);
    const link = /href="(\/contacts\/imports\/[^"]+\/failures\.csv)"/.exec(report.body)?.[1];
    expect(link).toBeDefined();
    const csv = await user.get(String(link));
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toMatch(/text\/csv/);
    expect(csv.body).toContain("perhaps");
    expect(csv.body.split(/\r?\n/).filter(Boolean)).toHaveLength(3);
    // The good rows are contacts now.
    expect(names((await user.get("/contacts?q=springfield")).body).sort()).toEqual([
      "Amy Adams",
      "Lou Lane",
    ]);
  });

  it("an import takes a country for rows without one; an unknown country imports nothing", async () => {
    const csv =
      "First Name,Last Name,Street,City,State,Zip\nCara,Quebec,1 Rue Main,Montreal,QC,H2X 1Y4\n";
    const form = (country: string) =>
      multipart([
        { name: "default_country", data: country },
        { name: "file", filename: "ca.csv", contentType: "text/csv", data: csv },
      ]);
    const post = (body: ReturnType<typeof multipart>) =>
      ctx.app.inject({
        method: "POST",
        url: `/contacts/import?_csrf=${encodeURIComponent(user.csrf)}`,
        headers: { ...body.headers, cookie: user.cookie },
        payload: body.payload,
      });
    const bad = await post(form("ZZ"));
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("Nothing was imported");
    expect(bad.body).toContain("is not a country");
    const good = await post(form("ca"));
    expect(good.statusCode, good.body).toBe(303);
    const rows = await ctx.deps.contacts.list(accountId, { q: "Quebec" }, { limit: 10 });
    expect(rows.map((r) => r.data.address?.country)).toEqual(["CA"]);
  });

  it("a file that is no CSV imports nothing and says why; a post without a file too", async () => {
    const res = await importCsv(user, "\u0000\u0001\u0002 not a csv");
    expect([400, 422]).toContain(res.statusCode);
    expect(res.body).toContain("Nothing was imported");
    const empty = await user.post("/contacts/import");
    expect(empty.statusCode).toBe(400);
  });

  it("another account's contact or import is not found, and the list never shows its contacts", async () => {
    const other = await ctx.account();
    const [theirs] = await insertContacts(ctx, other.accountId, [{ name: "Secret Person" }]);
    const res = await user.post(`/contacts/${theirs}/mail-status`, { mail_status: "do_not_mail" });
    expect(res.statusCode).toBe(404);
    expect((await ctx.deps.contacts.get(other.accountId, theirs as string)).mail_status).toBe(
      "active",
    );
    expect((await user.get("/contacts?q=secret")).body).not.toContain("Secret Person");
    // Their import's report and failures CSV.
    const stranger = await consoleUser(ctx, other.accountId);
    const theirImport = await importCsv(
      stranger,
      "First Name,Last Name,Do Not Mail\nX,Y,no\nA,B,perhaps\n",
    );
    const location = String(theirImport.headers.location);
    expect(location).toMatch(/^\/contacts\/imports\/cimp_/);
    expect((await user.get(location)).statusCode).toBe(404);
    expect((await user.get(`${location}/failures.csv`)).statusCode).toBe(404);
    expect((await stranger.get(`${location}/failures.csv`)).statusCode).toBe(200);
  });

  it("a form without its CSRF token changes nothing (403), nor does an import", async () => {
    const id = ids[2] as string;
    const res = await ctx.app.inject({
      method: "POST",
      url: `/contacts/${id}/mail-status`,
      headers: { cookie: user.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: "mail_status=do_not_mail",
    });
    expect(res.statusCode).toBe(403);
    expect((await ctx.deps.contacts.get(accountId, id)).mail_status).toBe("active");
    const imported = await importCsv(user, "First Name,Last Name\nNo,Token\n", "wrong");
    expect(imported.statusCode).toBe(403);
    expect(names((await user.get("/contacts?q=token")).body)).toEqual([]);
  });

  it("hostile input is refused calmly: huge search, NUL, arrays, ../ ids, unknown statuses", async () => {
    expect((await user.get(`/contacts?q=${"a".repeat(5000)}`)).statusCode).toBe(400);
    expect((await user.get("/contacts?q=a%00b")).statusCode).toBe(400);
    const arr = await user.get("/contacts?q=a&q=b");
    expect(arr.statusCode).toBe(400);
    expect(arr.body).toContain("must be given once");
    expect((await user.get("/contacts?mail_status=deleted")).statusCode).toBe(400);
    expect((await user.get("/contacts?after=garbage")).statusCode).toBe(400);
    const id = ids[0] as string;
    for (const path of [`/contacts/..%2F${id}/mail-status`, `/contacts/${id}%00/mail-status`]) {
      const res = await user.post(path, { mail_status: "do_not_mail" });
      expect([400, 404]).toContain(res.statusCode);
    }
    expect(
      (await user.post(`/contacts/${id}/mail-status`, { mail_status: "returned" })).statusCode,
    ).toBe(400);
    const twice = await ctx.app.inject({
      method: "POST",
      url: `/contacts/${id}/mail-status`,
      headers: { cookie: user.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: `_csrf=${encodeURIComponent(user.csrf)}&mail_status=do_not_mail&mail_status=active`,
    });
    expect(twice.statusCode).toBe(400);
    expect((await ctx.deps.contacts.get(accountId, id)).mail_status).toBe("active");
    // Import reports by a made-up id.
    expect((await user.get("/contacts/imports/..%2F..%2Fetc")).statusCode).toBe(404);
    expect((await user.get("/contacts/imports/cimp_nothing/failures.csv")).statusCode).toBe(404);
  });
});
