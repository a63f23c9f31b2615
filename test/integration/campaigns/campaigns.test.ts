import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;

beforeAll(async () => {
  ctx = await createTestContext();
  secret = (await ctx.account()).secret;
});
afterAll(() => ctx.close());

const campaign = (over: Record<string, unknown> = {}) => ({
  name: "Spring thank-yous",
  occasion: "thank_you",
  template: "thank-you",
  format: "card_5x7",
  message:
    "Dear {{firstName}}, thank you for trusting {{businessName}} with your {{lastPurchase}}.",
  merge_fields: ["lastPurchase"],
  sender: {
    business_name: "Acme Plumbing",
    signature: "Maria & the Acme team",
    return_address: {
      line1: "1 Main St",
      city: "Springfield",
      region: "IL",
      postal_code: "62701",
      country: "US",
    },
  },
  metadata: { crm_id: "42" },
  ...over,
});

const post = (body: unknown, key = secret) =>
  ctx.app.inject({
    method: "POST",
    url: "/v1/campaigns",
    headers: bearer(key),
    payload: body as object,
  });

describe("campaigns", () => {
  it("creates a draft and reads it back", async () => {
    const res = await post(campaign());
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      object: "campaign",
      status: "draft",
      template: "thank-you",
      format: "card_5x7",
      merge_fields: ["lastPurchase"],
      sender: { business_name: "Acme Plumbing", return_address: { postal_code: "62701" } },
      metadata: { crm_id: "42" },
      recipients: 0,
    });
    expect(res.headers.location).toBe(`/v1/campaigns/${body.id}`);
    const read = await ctx.app.inject({ url: `/v1/campaigns/${body.id}`, headers: bearer(secret) });
    expect(read.json()).toEqual(body);
  });

  it("rejects a message with an unknown variable, naming it", async () => {
    const res = await post(campaign({ message: "Hi {{firstNmae}}!", merge_fields: [] }));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      expect.objectContaining({
        field: "message",
        message: expect.stringContaining("{{firstNmae}}"),
      }),
    ]);
  });

  it("rejects a message that does not compile, with its position", async () => {
    const res = await post(campaign({ message: "Dear {{firstName}\nthanks" }));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].message).toMatch(/line 1, column \d+/);
  });

  it("rejects a format the template does not come in, and an unknown template", async () => {
    const badFormat = await post(campaign({ format: "postcard_6x11", template: "thank-you" }));
    const template = (
      await ctx.app.inject({ url: "/v1/templates/thank-you", headers: bearer(secret) })
    ).json();
    if (!template.formats.includes("postcard_6x11")) {
      expect(badFormat.statusCode).toBe(400);
      expect(badFormat.json().errors[0].field).toBe("format");
    }
    const unknown = await post(campaign({ template: "wedding" }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0]).toMatchObject({ field: "template" });
  });

  it("edits a draft with PATCH, re-checking the message", async () => {
    const { id } = (await post(campaign())).json();
    const ok = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/campaigns/${id}`,
      headers: bearer(secret),
      payload: { name: "Renamed", message: "Thanks, {{firstName}}!" },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ name: "Renamed", message: "Thanks, {{firstName}}!" });
    const bad = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/campaigns/${id}`,
      headers: bearer(secret),
      payload: { merge_fields: [], message: "{{lastPurchase}}" },
    });
    expect(bad.statusCode).toBe(400);
  });

  it("answers 409 to edits once the campaign has left draft", async () => {
    const { id } = (await post(campaign())).json();
    await ctx.deps.pool.query("UPDATE campaigns SET status = 'rendering' WHERE id = $1", [id]);
    const res = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/campaigns/${id}`,
      headers: bearer(secret),
      payload: { name: "x" },
    });
    expect(res.statusCode).toBe(409);
    const del = await ctx.app.inject({
      method: "DELETE",
      url: `/v1/campaigns/${id}`,
      headers: bearer(secret),
    });
    expect(del.statusCode).toBe(409);
  });

  it("deletes a draft", async () => {
    const { id } = (await post(campaign())).json();
    const del = await ctx.app.inject({
      method: "DELETE",
      url: `/v1/campaigns/${id}`,
      headers: bearer(secret),
    });
    expect(del.statusCode).toBe(204);
    expect(
      (await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) })).statusCode,
    ).toBe(404);
  });

  it("deletes the campaign's files with it (the import's failures CSV)", async () => {
    const { id } = (await post(campaign())).json();
    const imported = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/recipients`,
      headers: { ...bearer(secret), "content-type": "text/csv" },
      payload:
        "Name,Street,City,State,Zip,Last Purchase\r\nAnn Lee,1 A St,Boston,MA,02134,boiler\r\nBob Roe,,,,,boiler\r\n",
    });
    expect(imported.json()).toMatchObject({ imported: 1, rejected: 1 });
    const { rows } = await ctx.deps.pool.query(
      "SELECT failures_key, account_id FROM imports WHERE campaign_id = $1",
      [id],
    );
    const key = rows[0].failures_key as string;
    expect(await ctx.deps.storage.stat(key)).toBeDefined();
    const stray = `accounts/${rows[0].account_id}/campaigns/${id}/stray.pdf`;
    await ctx.deps.storage.put(stray, Buffer.from("%PDF-"));
    const del = await ctx.app.inject({
      method: "DELETE",
      url: `/v1/campaigns/${id}`,
      headers: bearer(secret),
    });
    expect(del.statusCode).toBe(204);
    expect(await ctx.deps.storage.stat(key)).toBeUndefined();
    expect(await ctx.deps.storage.stat(stray), "files under the campaign's prefix").toBeUndefined();
  });

  it("lists newest first with cursor pagination and a status filter", async () => {
    const { secret: own } = await ctx.account();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await post(campaign({ name: `c${i}` }), own)).json().id);
    const page1 = (
      await ctx.app.inject({ url: "/v1/campaigns?limit=2", headers: bearer(own) })
    ).json();
    expect(page1.data.map((c: { id: string }) => c.id)).toEqual([ids[2], ids[1]]);
    const page2 = (
      await ctx.app.inject({
        url: `/v1/campaigns?limit=2&after=${page1.next_after}`,
        headers: bearer(own),
      })
    ).json();
    expect(page2.data.map((c: { id: string }) => c.id)).toEqual([ids[0]]);
    const ready = (
      await ctx.app.inject({ url: "/v1/campaigns?status=ready", headers: bearer(own) })
    ).json();
    expect(ready.data).toEqual([]);
  });

  it("goes on from a cursor whose campaign was deleted meanwhile, and refuses a made-up cursor", async () => {
    const { secret: own } = await ctx.account();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await post(campaign({ name: `d${i}` }), own)).json().id);
    const page1 = (
      await ctx.app.inject({ url: "/v1/campaigns?limit=1", headers: bearer(own) })
    ).json();
    expect(page1.data.map((c: { id: string }) => c.id)).toEqual([ids[2]]);
    await ctx.app.inject({
      method: "DELETE",
      url: `/v1/campaigns/${ids[2]}`,
      headers: bearer(own),
    });
    const page2 = (
      await ctx.app.inject({
        url: `/v1/campaigns?limit=5&after=${page1.next_after}`,
        headers: bearer(own),
      })
    ).json();
    expect(page2).toMatchObject({ has_more: false, next_after: null });
    expect(page2.data.map((c: { id: string }) => c.id)).toEqual([ids[1], ids[0]]);

    const forged = (key: string) => Buffer.from(`${key} ${ids[0]}`).toString("base64url");
    for (const [url, why] of [
      [`/v1/campaigns?after=${ids[0]}`, "an id, not a cursor"],
      [`/v1/campaigns?after=${forged("2020-13-45T99:00:00.000000Z")}`, "no such time"],
      [`/v1/campaigns?after=${forged("12")}`, "a sequence cursor on a list by time"],
      [
        `/v1/campaigns/${ids[0]}/recipients?after=${page1.next_after}`,
        "a time cursor on a list by seq",
      ],
    ]) {
      const bad = await ctx.app.inject({ url: url as string, headers: bearer(own) });
      expect(bad.statusCode, why).toBe(400);
      expect(bad.json().errors).toEqual([
        { field: "querystring.after", message: "not a list cursor" },
      ]);
    }
  });

  it("answers 404 for another account's campaign on every route", async () => {
    const { id } = (await post(campaign())).json();
    const { secret: other } = await ctx.account();
    for (const [method, payload] of [["GET"], ["PATCH", { name: "x" }], ["DELETE"]] as const) {
      const res = await ctx.app.inject({
        method,
        url: `/v1/campaigns/${id}`,
        headers: bearer(other),
        ...(payload ? { payload } : {}),
      });
      expect(res.statusCode, method).toBe(404);
      expect(res.body).not.toContain("Spring");
    }
  });

  it("needs the campaigns scope", async () => {
    const { secret: vendor } = await ctx.account({ scopes: ["batches"] });
    expect(
      (await ctx.app.inject({ url: "/v1/campaigns", headers: bearer(vendor) })).statusCode,
    ).toBe(403);
  });
});

describe("templates", () => {
  it("lists the built-in designs with their formats", async () => {
    const res = await ctx.app.inject({ url: "/v1/templates", headers: bearer(secret) });
    expect(res.statusCode).toBe(200);
    const ids = res.json().data.map((t: { id: string }) => t.id);
    expect(ids).toEqual(expect.arrayContaining(["thank-you", "birthday", "october-holiday"]));
  });

  it("shows one design with its default message and variables", async () => {
    const res = await ctx.app.inject({ url: "/v1/templates/birthday", headers: bearer(secret) });
    expect(res.statusCode).toBe(200);
    expect(res.json().default_message.length).toBeGreaterThan(10);
    expect(
      (await ctx.app.inject({ url: "/v1/templates/nope", headers: bearer(secret) })).statusCode,
    ).toBe(404);
  });
});

describe("an account's own templates", () => {
  async function builtinFiles() {
    const { readFile } = await import("node:fs/promises");
    const files: Record<string, unknown> = {};
    for (const name of [
      "template.json",
      "name.hbs",
      "message.hbs",
      "signature.hbs",
      "footer.hbs",
    ]) {
      files[name] = await readFile(`templates/birthday/${name}`, "utf8");
    }
    return files;
  }

  it("adds a design validated like the built-ins, usable only by its account", async () => {
    const { secret: own } = await ctx.account();
    const files = await builtinFiles();
    const spec = JSON.parse(files["template.json"] as string);
    files["template.json"] = { ...spec, name: "Our own birthday" };
    files["message.hbs"] = "Happy birthday, {{firstName}}! From all of us at {{businessName}}.";
    const res = await ctx.app.inject({
      method: "POST",
      url: "/v1/templates",
      headers: bearer(own),
      payload: { files },
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({
      name: "Our own birthday",
      builtin: false,
      variables: ["businessName", "firstName"],
    });
    expect(created.id).toMatch(/^tmpl_/);
    const list = (await ctx.app.inject({ url: "/v1/templates", headers: bearer(own) })).json();
    expect(list.data.map((t: { id: string }) => t.id)).toContain(created.id);
    const used = await post(
      campaign({
        template: created.id,
        format: created.formats[0],
        message: null,
        merge_fields: [],
      }),
      own,
    );
    expect(used.statusCode, used.body).toBe(201);
    const other = await ctx.account();
    expect(
      (await ctx.app.inject({ url: `/v1/templates/${created.id}`, headers: bearer(other.secret) }))
        .statusCode,
    ).toBe(404);
    expect((await post(campaign({ template: created.id }), other.secret)).statusCode).toBe(400);
  });

  it("refuses a broken design naming the field", async () => {
    const files = await builtinFiles();
    const spec = JSON.parse(files["template.json"] as string);
    files["template.json"] = {
      ...spec,
      styles: { ...spec.styles, name: { ...spec.styles.name, color: "chartreuse-ish" } },
    };
    const res = await ctx.app.inject({
      method: "POST",
      url: "/v1/templates",
      headers: bearer(secret),
      payload: { files },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe("/styles/name/color");
    const missing = await ctx.app.inject({
      method: "POST",
      url: "/v1/templates",
      headers: bearer(secret),
      payload: { files: { "message.hbs": "hi" } },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors[0].field).toBe("template.json");
  });

  it("bounds a multipart design upload before buffering it", async () => {
    const { multipart } = await import("../../support/multipart.ts");
    const form = multipart([
      { name: "file", filename: "template.json", data: Buffer.alloc(300 * 1024, 32) },
    ]);
    const res = await ctx.app.inject({
      method: "POST",
      url: "/v1/templates",
      headers: { ...bearer(secret), ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers["content-type"]).toMatch(/problem\+json/);
  });
});
