import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;

beforeAll(async () => {
  ctx = await createTestContext();
  secret = (await ctx.account()).secret;
});
afterAll(() => ctx.close());

const post = (payload: unknown, key = secret) =>
  ctx.app.inject({
    method: "POST",
    url: "/v1/contacts",
    headers: bearer(key),
    payload: payload as object,
  });

const ZOE = {
  external_id: "crm-1",
  first_name: "Zoë",
  last_name: "Ångström",
  address: { line1: "12 Elm St", city: "Boston", region: "MA", postal_code: "02134" },
  email: "zoe@example.com",
  birthday: "1990-03-14",
  anniversary: "--06-21",
  spouse_name: "Sam",
  children: ["Anna", "Ben", "Cleo"],
  tags: ["vip", "golf"],
  custom: { last_purchase: "boiler" },
  notes: "Prefers mornings",
};

describe("contacts over the API", () => {
  it("creates a contact (201), reads it back in snake_case, and upserts by external_id (200, one contact)", async () => {
    const created = await post(ZOE);
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json();
    expect(c).toMatchObject({
      object: "contact",
      external_id: "crm-1",
      first_name: "Zoë",
      last_name: "Ångström",
      full_name: "Zoë Ångström",
      address: {
        line1: "12 Elm St",
        city: "Boston",
        region: "MA",
        postal_code: "02134",
        country: "US",
      },
      birthday: "1990-03-14",
      anniversary: "--06-21",
      spouse_name: "Sam",
      children: ["Anna", "Ben", "Cleo"],
      tags: ["vip", "golf"],
      custom: { lastPurchase: "boiler" },
      notes: "Prefers mornings",
      mail_status: "active",
    });
    expect(c.id).toMatch(/^ct_/);
    expect(created.headers.location).toBe(`/v1/contacts/${c.id}`);

    const again = await post({ external_id: "crm-1", tags: ["vip"], spouse_name: "Alex" });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({
      id: c.id,
      first_name: "Zoë",
      tags: ["vip"],
      spouse_name: "Alex",
      birthday: "1990-03-14",
      children: ["Anna", "Ben", "Cleo"],
    });
    expect(Date.parse(again.json().updated_at)).toBeGreaterThan(Date.parse(c.updated_at));

    const list = await ctx.app.inject({ url: "/v1/contacts?q=crm", headers: bearer(secret) });
    expect(list.statusCode).toBe(200);
    const { rows } = await ctx.deps.pool.query(
      "SELECT count(*)::int AS n FROM contacts WHERE external_id = 'crm-1'",
    );
    expect(rows[0].n).toBe(1);

    const got = await ctx.app.inject({ url: `/v1/contacts/${c.id}`, headers: bearer(secret) });
    expect(got.json()).toMatchObject({ id: c.id, spouse_name: "Alex" });

    const patched = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/contacts/${c.id}`,
      headers: bearer(secret),
      payload: {
        mail_status: "do_not_mail",
        address: { line1: "14 Elm St" },
        custom: { last_purchase: null },
      },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      mail_status: "do_not_mail",
      address: { line1: "14 Elm St", city: "Boston" },
    });
    expect(patched.json().custom).toEqual({});
    const replaced = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/contacts/${c.id}`,
      headers: bearer(secret),
      payload: { custom: { "Last Job": "tap", last_job: "sink" } },
    });
    expect(replaced.json().custom).toEqual({ lastJob: "sink" });
    const again2 = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/contacts/${c.id}`,
      headers: bearer(secret),
      payload: { custom: { last_job: "drain", fav: "blue" } },
    });
    expect(again2.json().custom).toEqual({ lastJob: "drain", fav: "blue" });

    const del = await ctx.app.inject({
      method: "DELETE",
      url: `/v1/contacts/${c.id}`,
      headers: bearer(secret),
    });
    expect(del.statusCode).toBe(204);
    const gone = await ctx.app.inject({ url: `/v1/contacts/${c.id}`, headers: bearer(secret) });
    expect(gone.statusCode).toBe(404);
  });

  it("answers a batch per item: good items are saved, bad ones say which field", async () => {
    const res = await post({
      data: [
        {
          first_name: "Al",
          last_name: "Ames",
          external_id: "b-1",
          address: { line1: "1 Main St", city: "Springfield", region: "IL", postal_code: "62701" },
        },
        { first_name: "Bea", last_name: "Bond", birthday: "1900-01-01" },
        { first_name: "Al", last_name: "Ames", external_id: "b-1" },
        "not a contact",
        { first_name: "Cal", last_name: "Cruz", colour: "blue" },
        {
          last_name: "Nofirst",
          address: { line1: "1 Main St", city: "Springfield", region: "IL", postal_code: "62701" },
        },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ object: "contact_batch", created: 1, updated: 0, failed: 5 });
    expect(body.data[0]).toMatchObject({ index: 0, status: 201, contact: { external_id: "b-1" } });
    expect(body.data[1]).toMatchObject({
      status: 400,
      errors: [{ field: "body.data.1.birthday", message: expect.stringMatching(/placeholder/) }],
    });
    expect(body.data[2].errors[0]).toMatchObject({ field: "body.data.2.external_id" });
    expect(body.data[3].errors[0]).toMatchObject({
      field: "body.data.3",
      message: expect.stringMatching(/object/),
    });
    expect(body.data[4].errors[0]).toMatchObject({
      field: "body.data.4.colour",
      message: 'unknown field "colour"',
    });
    expect(body.data[5].errors[0].field).toMatch(/^body\.data\.5\./);

    const again = await post({ data: [{ external_id: "b-1", tags: ["x"] }] });
    expect(again.json()).toMatchObject({
      created: 0,
      updated: 1,
      data: [{ status: 200, contact: { first_name: "Al", tags: ["x"] } }],
    });
  });

  it("refuses placeholder and impossible dates over JSON with a 400 naming the field", async () => {
    const cases: [string, string, RegExp][] = [
      ["birthday", "1900-01-01", /placeholder/],
      ["birthday", "1970-01-01", /placeholder/],
      ["anniversary", "0001-01-01", /placeholder/],
      ["birthday", "1899-12-30", /placeholder/],
      ["birthday", "1899-12-31", /placeholder/],
      ["anniversary", "9999-12-31", /placeholder/],
      ["birthday", "2023-02-29", /not a leap year/],
      ["birthday", "--02-31", /no day 31 in February/],
      ["birthday", "2001-13-01", /no month 13/],
      ["birthday", `${new Date().getUTCFullYear() + 1}-01-01`, /in the future/],
      ["anniversary", "sometime", /not a date/],
    ];
    for (const [field, value, why] of cases) {
      const res = await post({ first_name: "Dee", last_name: "Date", [field]: value });
      expect(res.statusCode, `${field} ${value}`).toBe(400);
      expect(res.json().errors, `${field} ${value}`).toEqual([
        { field: `body.${field}`, message: expect.stringMatching(why) },
      ]);
    }
    // Leap day without a year, and the CSV formats, are fine.
    const ok = await post({
      first_name: "Lee",
      last_name: "Leap",
      birthday: "--02-29",
      anniversary: "June 1, 2004",
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({
      birthday: "--02-29",
      anniversary: "2004-06-01",
      address: null,
    });
  });

  it("bounds every new input: batch size, list lengths, NUL, unknown photo, a taken external_id", async () => {
    const many = {
      data: Array.from({ length: 1001 }, (_, i) => ({ first_name: `P${i}`, last_name: "Q" })),
    };
    const big = await post(many);
    expect(big.statusCode).toBe(413);
    expect(big.json().detail).toMatch(/1,001 contacts; at most 1,000/);

    const tags = await post({
      first_name: "T",
      last_name: "T",
      tags: Array.from({ length: 51 }, (_, i) => `t${i}`),
    });
    expect(tags.statusCode).toBe(400);
    expect(tags.json().errors[0]).toMatchObject({ field: "body.tags" });
    const longChild = await post({ first_name: "T", last_name: "T", children: ["x".repeat(101)] });
    expect(longChild.statusCode).toBe(400);
    expect(longChild.json().errors[0].field).toBe("body.children.0");

    const nul = await post({ first_name: "Nu\u0000l", last_name: "T" });
    expect(nul.statusCode).toBe(400);
    expect(nul.json().errors[0]).toMatchObject({ field: "body.first_name" });
    const nulInBatch = await post({
      data: [{ first_name: "ok", last_name: "x", notes: "a\u0000b" }],
    });
    expect(nulInBatch.statusCode).toBe(400);

    const photo = await post({ first_name: "Pat", last_name: "Pic", photo: "nowhere.jpg" });
    expect(photo.statusCode).toBe(400);
    expect(photo.json().errors[0]).toMatchObject({
      field: "body.photo",
      message: expect.stringMatching(/not uploaded/),
    });

    const a = (await post({ first_name: "Ex", last_name: "One", external_id: "taken-1" })).json();
    const b = (await post({ first_name: "Ex", last_name: "Two", external_id: "taken-2" })).json();
    const clash = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/contacts/${b.id}`,
      headers: bearer(secret),
      payload: { external_id: "taken-1" },
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().detail).toContain(a.id);
  });

  it("lists with q, tag, birthday_month and mail_status filters, a page at a time", async () => {
    const other = (await ctx.account({ name: "Lister Co" })).secret;
    const people = [
      {
        first_name: "Quinn",
        last_name: "Quill",
        email: "quinn@example.com",
        tags: ["vip"],
        birthday: "--03-02",
      },
      {
        first_name: "Rae",
        last_name: "Quillon",
        tags: ["vip", "golf"],
        birthday: "1980-03-30",
        mail_status: "do_not_mail",
      },
      {
        first_name: "Sid",
        last_name: "Stone",
        address: { line1: "1 Main St", city: "Quincy", region: "IL", postal_code: "62301" },
        birthday: "1980-04-01",
      },
      { first_name: "Tom", last_name: "Tate", tags: ["golf"] },
      { first_name: "Uma", last_name: "Ueda" },
    ];
    const res = await post({ data: people }, other);
    expect(res.json().created).toBe(5);
    const list = async (query: string) => {
      const r = await ctx.app.inject({ url: `/v1/contacts?${query}`, headers: bearer(other) });
      expect(r.statusCode, r.body).toBe(200);
      return r.json();
    };
    const names = (page: { data: { first_name: string }[] }) =>
      page.data.map((c) => c.first_name).sort();
    expect(names(await list("q=QUI"))).toEqual(["Quinn", "Rae", "Sid"]); // name, name, city
    expect(names(await list("q=quinn%40example"))).toEqual(["Quinn"]);
    expect(names(await list("q=%25"))).toEqual([]); // a literal %, not a wildcard
    expect(names(await list("tag=vip"))).toEqual(["Quinn", "Rae"]);
    expect(names(await list("tag=golf&birthday_month=3"))).toEqual(["Rae"]);
    expect(names(await list("birthday_month=3"))).toEqual(["Quinn", "Rae"]);
    expect(names(await list("mail_status=do_not_mail"))).toEqual(["Rae"]);
    expect(
      (await ctx.app.inject({ url: "/v1/contacts?birthday_month=13", headers: bearer(other) }))
        .statusCode,
    ).toBe(400);

    const seen: string[] = [];
    let page = await list("limit=2");
    seen.push(...page.data.map((c: { id: string }) => c.id));
    while (page.has_more) {
      page = await list(`limit=2&after=${page.next_after}`);
      seen.push(...page.data.map((c: { id: string }) => c.id));
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    // Another account's list holds none of these.
    const mine = await ctx.app.inject({
      url: "/v1/contacts?limit=100&tag=vip",
      headers: bearer(secret),
    });
    expect(mine.json().data.map((c: { first_name: string }) => c.first_name)).not.toContain(
      "Quinn",
    );
  });

  it("answers 404 for another account's contact and import, and changes nothing", async () => {
    const stranger = (await ctx.account({ name: "Stranger Co" })).secret;
    const mine = (
      await post({ first_name: "Vic", last_name: "Vale", external_id: "iso-1" })
    ).json();
    const imported = await ctx.app.inject({
      method: "POST",
      url: "/v1/contacts/import",
      headers: { ...bearer(secret), "content-type": "text/csv" },
      payload: "Name,Do Not Mail\r\nWin West,perhaps\r\n",
    });
    const importId = imported.json().id;
    const own = await ctx.app.inject({
      url: `/v1/contacts/imports/${importId}/failures.csv`,
      headers: bearer(secret),
    });
    expect(own.statusCode).toBe(200);
    for (const [method, url] of [
      ["GET", `/v1/contacts/${mine.id}`],
      ["PATCH", `/v1/contacts/${mine.id}`],
      ["DELETE", `/v1/contacts/${mine.id}`],
      ["GET", `/v1/contacts/imports/${importId}`],
      ["GET", `/v1/contacts/imports/${importId}/failures.csv`],
    ] as const) {
      const res = await ctx.app.inject({
        method,
        url,
        headers: bearer(stranger),
        ...(method === "PATCH" ? { payload: { notes: "mine now" } } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.body).not.toContain("Vale");
    }
    // Upserting with the same external_id from another account makes that account's own contact.
    const theirs = await post(
      { first_name: "Xan", last_name: "Xu", external_id: "iso-1" },
      stranger,
    );
    expect(theirs.statusCode).toBe(201);
    expect(
      (await ctx.app.inject({ url: `/v1/contacts/${mine.id}`, headers: bearer(secret) })).json(),
    ).toMatchObject({ first_name: "Vic", notes: null });
  });
});
