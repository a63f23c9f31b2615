import { deflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftCampaign, recipientsCsv } from "../../support/campaign-fixtures.ts";
import { type ConsoleUser, consoleUser } from "../../support/console-session.ts";
import { multipart } from "../../support/multipart.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let account: { accountId: string; secret: string };
let user: ConsoleUser;

beforeAll(async () => {
  ctx = await createTestContext({ UPLOAD_LIMIT_BYTES: String(2 * 1024 * 1024) });
  account = await ctx.account({ name: "Acme Plumbing" });
  user = await consoleUser(ctx, account.accountId);
});
afterAll(() => ctx.close());

/** A campaign with no recipients yet (the fixture's design: its message prints {{lastPurchase}}). */
async function emptyCampaign(secret = account.secret): Promise<string> {
  const res = await ctx.app.inject({
    method: "POST",
    url: "/v1/campaigns",
    headers: bearer(secret),
    payload: {
      name: "Spring thank-yous",
      occasion: "thank_you",
      template: "thank-you",
      format: "card_5x7",
      message: "Dear {{firstName}}, thank you for your {{lastPurchase}}.",
      merge_fields: ["lastPurchase"],
      sender: { business_name: "Acme Plumbing", signature: "Maria" },
    },
  });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

/**
 * Step 1 as the browser sends it: a multipart form, its CSRF token in the query. A stored upload
 * answers 303 to its mapping page, which is followed (as a browser does).
 */
async function upload(
  campaignId: string,
  data: Buffer | string,
  opts: { as?: ConsoleUser; csrf?: string | null; filename?: string } = {},
) {
  const who = opts.as ?? user;
  const form = multipart([
    { name: "file", filename: opts.filename ?? "list.csv", contentType: "text/csv", data },
  ]);
  const csrf = opts.csrf === null ? "" : `?_csrf=${opts.csrf ?? who.csrf}`;
  const res = await ctx.app.inject({
    method: "POST",
    url: `/campaigns/${campaignId}/recipients/upload${csrf}`,
    headers: { cookie: who.cookie, ...form.headers },
    payload: form.payload,
  });
  if (res.statusCode !== 303) return res;
  const location = res.headers.location as string;
  expect(location).toMatch(
    new RegExp(`^/campaigns/${campaignId}/recipients/uploads/[a-f0-9]{32}\\?name=`),
  );
  return who.get(location);
}

/** The mapping step's form: the upload id and each column's selected field. */
function mappingForm(html: string) {
  const upload = /name="upload" value="([a-f0-9]{32})"/.exec(html)?.[1];
  const columns = [
    ...html.matchAll(/<select id="col-(\d+)" name="col_\d+">([\s\S]*?)<\/select>/g),
  ].map((m) => ({
    index: Number(m[1]),
    selected: /<option value="([^"]+)" selected>/.exec(m[2] as string)?.[1],
    options: [...(m[2] as string).matchAll(/<option value="([^"]+)"/g)].map((o) => o[1]),
  }));
  const headers = [...html.matchAll(/<label for="col-\d+">([^<]*)<\/label>/g)].map((m) => m[1]);
  return { upload, columns, headers };
}

const fields = (columns: { index: number; selected?: string }[]) =>
  Object.fromEntries(columns.map((c) => [`col_${c.index}`, c.selected ?? "ignore"]));

describe("console: recipients of a campaign", () => {
  it("lists a campaign's recipients: the count and a first page", async () => {
    const id = await draftCampaign(ctx, account.secret, { recipients: 60 });
    const page = await user.get(`/campaigns/${id}/recipients`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("60 recipient(s)");
    expect(page.body).toContain("The first 50");
    expect(page.body.match(/<tr><td>\d+<\/td>/g)).toHaveLength(50);
    expect(page.body).toContain("100 Main Street, Springfield");
    // The drop zone is a plain file input and a submit button: it works without the script.
    expect(page.body).toMatch(/<input id="csv-file" type="file" name="file"/);
    expect(page.body).toMatch(/enctype="multipart\/form-data"/);
    expect(page.body).toContain("recipients-upload.js");
  });

  it("upload shows the guessed mapping and imports nothing; the import reports two bad rows with row, column and what to fix, and the failures CSV", async () => {
    const id = await emptyCampaign();
    const csv = recipientsCsv(3, [
      "Ann,Bad Zip,1 Elm Street,Springfield,IL,ABCDE,tune-up",
      '=HYPERLINK("http://evil.example"),Noaddress,,Springfield,IL,62701,tune-up',
    ]);
    const step1 = await upload(id, csv);
    expect(step1.statusCode).toBe(200);
    const form = mappingForm(step1.body);
    expect(form.upload).toMatch(/^[a-f0-9]{32}$/);
    expect(form.headers).toEqual([
      "First Name",
      "Last Name",
      "Street",
      "City",
      "State",
      "Zip",
      "Last Purchase",
    ]);
    expect(form.columns.map((c) => c.selected)).toEqual([
      "firstName",
      "lastName",
      "line1",
      "city",
      "region",
      "postalCode",
      "custom:lastPurchase",
    ]);
    // Every field is offered for every column, and ignore.
    expect(form.columns[0]?.options).toEqual(
      expect.arrayContaining(["email", "birthday", "ignore", "postalCode"]),
    );
    // Nothing imported yet; another account's user cannot open the mapping page.
    const stranger = await consoleUser(ctx, (await ctx.account()).accountId);
    const theirView = await stranger.get(`/campaigns/${id}/recipients/uploads/${form.upload}`);
    expect(theirView.statusCode).toBe(404);
    expect(Number((await ctx.deps.campaigns.get(account.accountId, id)).recipients)).toBe(0);

    const step2 = await user.post(`/campaigns/${id}/recipients/import`, {
      upload: form.upload as string,
      filename: "list.csv",
      ...fields(form.columns),
    });
    expect(step2.statusCode).toBe(303);
    const reportUrl = step2.headers.location as string;
    expect(reportUrl).toMatch(new RegExp(`^/campaigns/${id}/imports/imp_\\w+$`));
    const report = await user.get(reportUrl);
    expect(report.statusCode).toBe(200);
    expect(report.body).toMatch(/<dt>Imported<\/dt><dd>3<\/dd>/);
    expect(report.body).toMatch(/<dt>Rejected<\/dt><dd>2<\/dd>/);
    const rows = [
      ...report.body.matchAll(/<tr><td>(\d+)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g),
    ];
    expect(rows.map((r) => [r[1], r[2]])).toEqual([
      ["5", "Zip"],
      ["6", "Street"],
    ]);
    expect(rows[0]?.[3]).toMatch(/ZIP/i);
    expect(rows[1]?.[3]).toMatch(/street|address/i);
    // A formula is text on the page (escaped), and neutralised in the CSV.
    expect(report.body).not.toContain('<a href="http://evil.example"');

    const link = /href="([^"]+failures\.csv)"/.exec(report.body)?.[1] as string;
    const failures = await user.get(link);
    expect(failures.statusCode).toBe(200);
    expect(failures.headers["content-type"]).toMatch(/^text\/csv/);
    expect(failures.body).toContain("Bad Zip");
    expect(failures.body).toContain(`'=HYPERLINK`);
    expect(failures.body.trim().split("\r\n")).toHaveLength(3);
    // The same bytes the API serves.
    const api = await ctx.app.inject({
      url: `/v1${link.replace("/campaigns", "/campaigns")}`,
      headers: bearer(account.secret),
    });
    expect(api.body).toBe(failures.body);
    // The pending upload is gone: posting the same form again says so (and imports nothing twice).
    const again = await user.post(`/campaigns/${id}/recipients/import`, {
      upload: form.upload as string,
      ...fields(form.columns),
    });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain("upload the file again");
    expect(Number((await ctx.deps.campaigns.get(account.accountId, id)).recipients)).toBe(3);
  });

  it("a mapping changed before the import takes effect", async () => {
    const id = await emptyCampaign();
    const csv = [
      "Given,Surname,Street,City,State,Zip,Bought,Notes",
      "Rosa,Parks,1 Elm Street,Springfield,IL,62701,water heater,call first",
      "Otto,Lang,2 Elm Street,Springfield,IL,62702,boiler,",
    ].join("\r\n");
    const step1 = await upload(id, csv);
    expect(step1.statusCode).toBe(200);
    const form = mappingForm(step1.body);
    expect(form.columns[0]?.selected).toBe("custom:given");
    // The campaign's own merge field is offered for any column, whatever its header.
    expect(form.columns[6]?.options).toContain("custom:lastPurchase");
    expect(form.columns[6]?.selected).toBe("custom:bought");
    // As guessed, the file has no name column: the import says so and nothing is imported.
    const asGuessed = await user.post(`/campaigns/${id}/recipients/import`, {
      upload: form.upload as string,
      ...fields(form.columns),
    });
    expect(asGuessed.statusCode).toBe(422);
    expect(asGuessed.body).toContain("no name column");
    expect(Number((await ctx.deps.campaigns.get(account.accountId, id)).recipients)).toBe(0);

    const changed = await user.post(`/campaigns/${id}/recipients/import`, {
      upload: form.upload as string,
      ...fields(form.columns),
      col_0: "firstName",
      col_1: "lastName",
      col_6: "custom:lastPurchase",
      col_7: "ignore",
    });
    expect(changed.statusCode).toBe(303);
    const list = await ctx.deps.recipients.list(account.accountId, id, { limit: 10 });
    expect(list.map((r) => [r.data.firstName, r.data.lastName, r.data.custom])).toEqual([
      ["Rosa", "Parks", { lastPurchase: "water heater" }],
      ["Otto", "Lang", { lastPurchase: "boiler" }],
    ]);
  });

  it("another account's campaign, import or failures CSV is 404, and ids that are paths are 404", async () => {
    const other = await ctx.account({ name: "Other Co" });
    const theirs = await draftCampaign(ctx, other.secret, {
      recipients: 2,
      extraRows: ["X,Y,,A,IL,1,z"],
    });
    const imports = await ctx.deps.pool.query<{ id: string }>(
      "SELECT id FROM imports WHERE campaign_id = $1",
      [theirs],
    );
    const iid = imports.rows[0]?.id as string;
    for (const url of [
      `/campaigns/${theirs}/recipients`,
      `/campaigns/${theirs}/imports/${iid}`,
      `/campaigns/${theirs}/imports/${iid}/failures.csv`,
      "/campaigns/..%2F..%2Fetc/recipients",
      `/campaigns/${theirs}/imports/..%2F${iid}`,
      `/campaigns/${theirs}/recipients/uploads/..%2F..%2F..%2Fetc%2Fpasswd`,
      `/campaigns/${theirs}/recipients/uploads/${"0".repeat(32)}`,
    ]) {
      const res = await user.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain("Other Co");
    }
    expect((await upload(theirs, recipientsCsv(1))).statusCode).toBe(404);
    const mine = await emptyCampaign();
    // My campaign with their import id: still 404.
    expect((await user.get(`/campaigns/${mine}/imports/${iid}`)).statusCode).toBe(404);
    // Their user cannot import my pending upload.
    const step1 = mappingForm((await upload(mine, recipientsCsv(2))).body);
    const stranger = await consoleUser(ctx, other.accountId);
    const res = await stranger.post(`/campaigns/${mine}/recipients/import`, {
      upload: step1.upload as string,
    });
    expect(res.statusCode).toBe(404);
    for (const bad of ["../../../etc/passwd", "a".repeat(32).replace(/a/g, "g"), ""]) {
      const r = await user.post(`/campaigns/${mine}/recipients/import`, { upload: bad });
      expect(r.statusCode).toBe(404);
    }
    expect(Number((await ctx.deps.campaigns.get(account.accountId, mine)).recipients)).toBe(0);
  });

  it("without its CSRF token an upload or an import is refused (403) and nothing is stored or imported", async () => {
    const id = await emptyCampaign();
    const res = await upload(id, recipientsCsv(2), { csrf: null });
    expect(res.statusCode).toBe(403);
    const wrong = await upload(id, recipientsCsv(2), { csrf: "x".repeat(43) });
    expect(wrong.statusCode).toBe(403);
    const step1 = mappingForm((await upload(id, recipientsCsv(2))).body);
    const noToken = await ctx.app.inject({
      method: "POST",
      url: `/campaigns/${id}/recipients/import`,
      headers: { cookie: user.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ upload: step1.upload as string }).toString(),
    });
    expect(noToken.statusCode).toBe(403);
    expect(Number((await ctx.deps.campaigns.get(account.accountId, id)).recipients)).toBe(0);
  });
});

describe("console: hostile uploads and mappings", () => {
  let id: string;
  beforeAll(async () => {
    id = await emptyCampaign();
  });

  it("a file over the upload limit is refused with 413 and a clear message", async () => {
    const big = `${"First Name,Last Name,Street,City,State,Zip\r\n"}${"Ann,Lee,1 Elm St,Springfield,IL,62701\r\n".repeat(70_000)}`;
    expect(big.length).toBeGreaterThan(2 * 1024 * 1024);
    const res = await upload(id, big);
    expect(res.statusCode).toBe(413);
    expect(res.body).toContain("larger than 2 MB");
  });

  it("a ZIP (even a bomb) or a binary file is refused with what to do; nothing is inflated", async () => {
    // A ZIP whose one entry inflates from a few KB to 50 MB of zeros.
    const bomb = deflateRawSync(Buffer.alloc(50 * 1024 * 1024));
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(bomb.length, 18);
    local.writeUInt32LE(50 * 1024 * 1024, 22);
    local.writeUInt16LE(5, 26);
    const zip = Buffer.concat([local, Buffer.from("a.csv"), bomb]);
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));
    for (const data of [zip, binary]) {
      const res = await upload(id, data, { filename: "list.zip" });
      expect([400, 413, 422]).toContain(res.statusCode);
      expect(res.body).toMatch(/class="alert"/);
      expect(res.body).not.toContain('name="upload"');
    }
    expect(Number((await ctx.deps.campaigns.get(account.accountId, id)).recipients)).toBe(0);
  });

  it("a NUL in the header, an empty file and 10,000 columns are refused at the upload", async () => {
    const nul = await upload(id, "First Name,La\u0000st,Street,City,State,Zip\r\nA,B,C,D,IL,62701");
    expect(nul.statusCode).toBe(422);
    expect(nul.body).toContain("NUL character");
    const empty = await upload(id, "");
    expect(empty.statusCode).toBe(422);
    const wide = Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(",");
    const many = await upload(id, `${wide}\r\n${wide}`);
    expect(many.statusCode).toBe(422);
    expect(many.body).toContain("10000 columns");
  });

  it("a mapping to no field, to a column the file lacks, or with NUL is refused and the form comes back", async () => {
    const step1 = mappingForm((await upload(id, recipientsCsv(2))).body);
    const base = { upload: step1.upload as string, ...fields(step1.columns) };
    for (const change of <Record<string, string>[]>[
      { col_0: "__proto__" },
      { col_0: "custom:../../x" },
      { col_0: "custom:" },
      { col_99: "firstName" },
      { col_9999999999: "email" },
    ]) {
      const res = await user.post(`/campaigns/${id}/recipients/import`, { ...base, ...change });
      expect(res.statusCode, JSON.stringify(change)).toBe(400);
      expect(res.body).toContain(`name="upload" value="${step1.upload}"`);
    }
    // NUL never reaches the route: the app refuses it for every form (400).
    const nul = await user.post(`/campaigns/${id}/recipients/import`, {
      ...base,
      col_0: "firstName\u0000",
    });
    expect(nul.statusCode).toBe(400);
    expect(Number((await ctx.deps.campaigns.get(account.accountId, id)).recipients)).toBe(0);
    // The same upload still imports once the mapping is right.
    expect((await user.post(`/campaigns/${id}/recipients/import`, base)).statusCode).toBe(303);
    expect(Number((await ctx.deps.campaigns.get(account.accountId, id)).recipients)).toBe(2);
  });
});
