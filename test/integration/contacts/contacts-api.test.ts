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
  ctx.app.inject({ method: "POST", url: "/v1/contacts", headers: bearer(key), payload: payload as object });

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
      address: { line1: "12 Elm St", city: "Boston", region: "MA", postal_code: "02134", country: "US" },
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
      payload: { mail_status: "do_not_mail", address: { line1: "14 Elm St" }, custom: { last_purchase: null } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      mail_status: "do_not_mail",
      address: { line1: "14 Elm St", city: "Boston" },
      custom: {},
    });

    const del = await ctx.app.inject({ method: "DELETE", url: `/v1/contacts/${c.id}`, headers: bearer(secret) });
    expect(del.statusCode).toBe(204);
    const gone = await ctx.app.inject({ url: `/v1/contacts/${c.id}`, headers: bearer(secret) });
    expect(gone.statusCode).toBe(404);
  });
});
