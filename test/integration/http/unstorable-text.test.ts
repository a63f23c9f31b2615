/**
 * Issue 8, finding 8: `%00` in an id, or a NUL in a CSV, answered 500 (PostgreSQL refuses U+0000)
 * and the log then held recipient data. Now: 400 naming the field, a row error for a CSV cell,
 * and no recipient data in the log.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeError } from "../../../src/logger.ts";
import { type ApiProcess, startApi } from "../../support/api-process.ts";
import { draftCampaign, recipientsCsv } from "../../support/campaign-fixtures.ts";
import { multipart } from "../../support/multipart.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;
let campaignId: string;

beforeAll(async () => {
  ctx = await createTestContext(
    { RATE_LIMIT_MAX: "1000" },
    {
      // What a handler that let a NUL through to PostgreSQL would meet: the backstop's case.
      extend: (app) =>
        app.get("/v1/test/pg-nul", async () => {
          await ctx.deps.pool.query("SELECT $1::text", ["Zoë\0Quill"]);
          return {};
        }),
    },
  );
  secret = (await ctx.account()).secret;
  campaignId = await draftCampaign(ctx, secret, { recipients: 1 });
});
afterAll(() => ctx.close());

function expect400(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  field: string,
) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(400);
  expect(res.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
  const body = res.json() as { detail: string; errors: { field: string; message: string }[] };
  expect(body.errors).toContainEqual({ field, message: expect.stringMatching(/NUL|surrogate/) });
  expect(body.detail).toContain(field);
  return body;
}

describe("text PostgreSQL cannot store, at the border", () => {
  it("a %00 in an id answers 400 naming the parameter, on every kind of route", async () => {
    const h = bearer(secret);
    expect400(await ctx.app.inject({ url: "/v1/campaigns/%00", headers: h }), "params.id");
    expect400(await ctx.app.inject({ url: "/v1/photos/abc%00", headers: h }), "params.id");
    expect400(
      await ctx.app.inject({ url: `/v1/campaigns/${campaignId}/recipients/r%00`, headers: h }),
      "params.rid",
    );
    expect400(
      await ctx.app.inject({ method: "DELETE", url: "/v1/campaigns/x%00y", headers: h }),
      "params.id",
    );
    expect400(
      await ctx.app.inject({ url: "/v1/batches/%00/manifest.csv", headers: h }),
      "params.id",
    );
  });

  it("a NUL in a query value answers 400 naming it", async () => {
    const res = await ctx.app.inject({ url: "/v1/campaigns?after=%00", headers: bearer(secret) });
    expect400(res, "querystring.after");
  });

  it("a NUL or a lone surrogate in a JSON body answers 400 naming the field", async () => {
    const campaign = {
      name: "Spring\u0000",
      occasion: "thank_you",
      template: "thank-you",
      format: "card_5x7",
      sender: { business_name: "Acme \ud800 Plumbing" },
    };
    const res = await ctx.app.inject({
      method: "POST",
      url: "/v1/campaigns",
      headers: { ...bearer(secret), "content-type": "application/json" },
      // JSON.stringify writes \u0000 and \ud800 as escapes, as a client would send them.
      payload: JSON.stringify(campaign),
    });
    expect400(res, "body.name");
    expect400(res, "body.sender.business_name");
  });

  it("a NUL in a JSON key answers 400", async () => {
    const { rows } = await ctx.deps.pool.query<{ id: string }>(
      "SELECT id FROM recipients WHERE campaign_id = $1 LIMIT 1",
      [campaignId],
    );
    const res = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/campaigns/${campaignId}/recipients/${rows[0]?.id}`,
      headers: { ...bearer(secret), "content-type": "application/json" },
      payload: JSON.stringify({ custom: { "last\u0000purchase": "boiler" } }),
    });
    expect400(res, "body.custom");
  });

  it("a NUL in a CSV cell is a row error with row, column and what to do; the other rows import", async () => {
    const csv = recipientsCsv(2, ["Zoë,Quill\u0000feather,9 Elm St,Springfield,IL,62701,boiler"]);
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${campaignId}/recipients`,
      headers: { ...bearer(secret), "content-type": "text/csv" },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ rows: 3, rejected: 1 });
    expect(res.json().errors).toEqual([
      {
        row: 4,
        field: "lastName",
        column: "Last Name",
        message: expect.stringMatching(/^Last Name contains a NUL character.*delete it/),
      },
    ]);
  });

  it("a NUL in a multipart file name answers 400", async () => {
    const form = multipart([
      { name: "file", filename: "list\u0000.csv", contentType: "text/csv", data: recipientsCsv(1) },
    ]);
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${campaignId}/recipients`,
      headers: { ...bearer(secret), ...form.headers },
      payload: form.payload,
    });
    expect400(res, "file.filename");
  });

  it("a PostgreSQL refusal of such text that slips through answers 400, not 500", async () => {
    const res = await ctx.app.inject({ url: "/v1/test/pg-nul", headers: bearer(secret) });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/NUL character/);
  });
});

describe("no recipient data in the log", () => {
  it("a PostgreSQL error is logged without the values it quotes", async () => {
    const client = new pg.Client({ connectionString: ctx.config.databaseUrl });
    await client.connect();
    const errors = await Promise.all(
      [
        ["SELECT $1::jsonb", JSON.stringify({ fullName: "Zoë Quillfeather\u0000" })],
        ["SELECT $1::jsonb", JSON.stringify({ fullName: "Zoë Quillfeather \ud800" })],
        ["SELECT $1::int", "Zoë Quillfeather"],
      ].map(([sql, value]) => client.query(sql as string, [value]).catch((e: unknown) => e)),
    ).finally(() => client.end());
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      const raw = `${(error as Error).message} ${JSON.stringify(error)}`;
      expect(raw, "the raw error does quote the name").toContain("Quillfeather");
      const wrapped = new Error("import failed", { cause: error });
      const logged = JSON.stringify(serializeError(wrapped));
      expect(logged).not.toContain("Quillfeather");
      expect(logged).toMatch(/"code":"22/);
    }
  });

  describe("on the real API process", () => {
    let api: ApiProcess;
    beforeAll(async () => {
      api = await startApi(ctx.config);
    });
    afterAll(() => api?.stop());

    it("the attacks answer 4xx or a row error, and the log holds no recipient name", async () => {
      const h = bearer(secret);
      const statuses: number[] = [];
      for (const url of ["/v1/campaigns/%00", "/v1/photos/abc%00", "/v1/campaigns?after=%00"]) {
        statuses.push((await fetch(`${api.base}${url}`, { headers: h })).status);
      }
      const csv = recipientsCsv(1, [
        "Zoë,Quillfeather\u0000,9 Elm St,Springfield,IL,62701,boiler",
        "Quentin\u0000,Marchbanks,10 Elm St,Springfield,IL,62701,boiler",
      ]);
      const imported = await fetch(`${api.base}/v1/campaigns/${campaignId}/recipients`, {
        method: "POST",
        headers: { ...h, "content-type": "text/csv" },
        body: csv,
      });
      statuses.push(imported.status);
      const json = await fetch(`${api.base}/v1/campaigns/${campaignId}/recipients`, {
        method: "POST",
        headers: { ...h, "content-type": "application/json" },
        body: JSON.stringify([
          { first_name: "Zoë", last_name: "Quillfeather\u0000", address: { line1: "9 Elm St" } },
        ]),
      });
      statuses.push(json.status);
      expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
      expect(imported.status).toBe(201);
      expect(((await imported.json()) as { rejected: number }).rejected).toBe(2);
      expect(json.status).toBeLessThan(500);
      expect((await fetch(`${api.base}/healthz`)).status).toBe(200);
      // Give pino's asynchronous writes a moment to reach the pipe.
      await new Promise((r) => setTimeout(r, 300));
      const log = api.log();
      expect(log).toContain("incoming request");
      expect(log).not.toMatch(/Quillfeather|Marchbanks/);
      expect(log).not.toMatch(/"level":50/);
      expect(api.alive()).toBe(true);
    });
  });
});
