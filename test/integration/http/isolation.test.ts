/**
 * Accounts are isolated: every route with an id in its path, called by another account with the
 * first account's real ids, answers 404 and leaks nothing. The route list comes from the app's own
 * OpenAPI document, so a new route is covered (or this test fails) without anyone remembering to add it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcessors } from "../../../workers/processors/index.ts";
import { draftCampaign, uploadPhoto, waitForCampaign } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
const routes: { method: string; url: string }[] = [];
const ids: Record<string, string> = {};
let owner: string;
let stranger: string;

beforeAll(async () => {
  ctx = await createTestContext();
  const doc = (await ctx.app.inject({ url: "/openapi.json" })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  for (const [url, operations] of Object.entries(doc.paths)) {
    if (!url.startsWith("/v1/") || !url.includes("{")) continue;
    for (const method of Object.keys(operations))
      routes.push({ method: method.toUpperCase(), url });
  }
}, 60_000);
afterAll(() => ctx.close());

describe("account isolation", () => {
  it("answers 404 on every route with an id when another account asks", async () => {
    const a = await ctx.account({ name: "Owner Co" });
    owner = a.secret;
    stranger = (await ctx.account({ name: "Stranger Co" })).secret;
    const processors = await startProcessors(ctx.deps);
    try {
      ids.photo = await uploadPhoto(ctx, owner, "secret-photo.jpg", await noisyJpeg(400, 300));
      // Before the campaign, so its events leave deliveries to (not) show.
      ids.endpoint = (
        await ctx.app.inject({
          method: "POST",
          url: "/v1/webhook_endpoints",
          headers: bearer(owner),
          payload: { url: "https://hooks.owner-co.example/cardmerge", event_types: ["*"] },
        })
      ).json().id;
      // One bad row, so the import has a failures CSV to (not) show, and a couple merged into one
      // household card, so it has a merged.csv too.
      ids.campaign = await draftCampaign(ctx, owner, {
        recipients: 3,
        extraRows: [
          "Bad,Row,1 X St,Springfield,IL,,tap",
          "Ann,Pair,5 Bay St,Springfield,IL,62701,tap",
          "Bob,Pair,5 Bay St,Springfield,IL,62701,tap",
        ],
        household: true,
      });
      const recipients = (
        await ctx.app.inject({
          url: `/v1/campaigns/${ids.campaign}/recipients`,
          headers: bearer(owner),
        })
      ).json();
      ids.recipient = recipients.data[0].id;
      ids.import = recipients.data[0].import_id;
      await ctx.app.inject({
        method: "POST",
        url: `/v1/campaigns/${ids.campaign}/submit`,
        headers: bearer(owner),
      });
      await waitForCampaign(ctx, owner, ids.campaign, (c) => c.status === "ready", 60_000);
      const cards = (
        await ctx.app.inject({ url: `/v1/campaigns/${ids.campaign}/cards`, headers: bearer(owner) })
      ).json();
      ids.card = cards.data[0].id;
      ids.batch = cards.data[0].batch_id;
      ids.key = a.keyId;
      const files = {
        "template.json": JSON.stringify({
          ...(await import("../../../templates/birthday/template.json", { with: { type: "json" } }))
            .default,
          name: "Secret design",
        }),
        "message.hbs": "Happy birthday, {{firstName}}!",
      };
      ids.contact = (
        await ctx.app.inject({
          method: "POST",
          url: "/v1/contacts",
          headers: bearer(owner),
          payload: { first_name: "Zoë", last_name: "Ångström", external_id: "secret-crm-id" },
        })
      ).json().id;
      // One bad row, so the contacts import has a failures CSV to (not) show.
      ids.contactImport = (
        await ctx.app.inject({
          method: "POST",
          url: "/v1/contacts/import",
          headers: { ...bearer(owner), "content-type": "text/csv" },
          payload: "Name,Do Not Mail,External ID\r\nBad Row,perhaps,secret-crm-id-2\r\n",
        })
      ).json().id;
      ids.template = (
        await ctx.app.inject({
          method: "POST",
          url: "/v1/templates",
          headers: bearer(owner),
          payload: { files },
        })
      ).json().id;
      ids.automation = (
        await ctx.app.inject({
          method: "POST",
          url: "/v1/automations",
          headers: bearer(owner),
          payload: {
            name: "Secret design thank-yous",
            occasion: "thank_you",
            template: "thank-you",
            format: "card_5x7",
            message: "Thanks for the {{lastPurchase}}!",
            merge_fields: ["lastPurchase"],
            sender: { business_name: "Owner Co" },
          },
        })
      ).json().id;
    } finally {
      await processors.close();
    }

    const ownerList = async (url: string) =>
      (await ctx.app.inject({ url, headers: bearer(owner) })).json().data[0]?.id as string;
    ids.event = await ownerList("/v1/events?limit=1");
    ids.delivery = await ownerList(`/v1/webhook_endpoints/${ids.endpoint}/deliveries?limit=1`);
    const fill = (url: string) =>
      url
        .replace("{delivery_id}", ids.delivery as string)
        .replace("/v1/contacts/imports/{id}", `/v1/contacts/imports/${ids.contactImport}`)
        .replace("/v1/contacts/{id}", `/v1/contacts/${ids.contact}`)
        .replace("{card}", ids.card as string)
        .replace(
          /\/v1\/(campaigns|photos|batches|templates|api_keys|automations|events|webhook_endpoints)\/\{id\}/,
          (_m, kind: string) => {
            const key = {
              campaigns: "campaign",
              photos: "photo",
              batches: "batch",
              templates: "template",
              api_keys: "key",
              automations: "automation",
              events: "event",
              webhook_endpoints: "endpoint",
            }[kind] as string;
            return `/v1/${kind}/${ids[key]}`;
          },
        )
        .replace("{rid}", ids.recipient as string)
        .replace("{iid}", ids.import as string);

    expect(routes.length).toBeGreaterThan(15);
    const checked: string[] = [];
    for (const { method, url } of routes) {
      const path = fill(url);
      expect(path, `no id known for ${url}`).not.toMatch(/\{|undefined/);
      // A valid body for each write, so the answer is about whose id it is, not about the input.
      const bodies: Record<string, unknown> = {
        "PATCH /v1/campaigns/{id}": { name: "x" },
        "PATCH /v1/campaigns/{id}/recipients/{rid}": { first_name: "x" },
        "POST /v1/batches/{id}/acknowledge": { status: "printed" },
        "PATCH /v1/automations/{id}": { name: "x" },
        "POST /v1/automations/{id}/sends": {
          contact_id: ids.contact,
          merge: { lastPurchase: "x" },
        },
        "POST /v1/campaigns/{id}/recipients": [
          { first_name: "A", last_name: "B", street: "1 St", city: "C", state: "IL", zip: "62701" },
        ],
      };
      const payload =
        method === "GET" || method === "DELETE" ? undefined : (bodies[`${method} ${url}`] ?? {});
      if (method === "GET") {
        const mine = await ctx.app.inject({ url: path, headers: bearer(owner) });
        expect(mine.statusCode, `the owner's GET ${url}`).toBeLessThan(300);
      }
      const res = await ctx.app.inject({
        method: method as "GET",
        url: path,
        headers: bearer(stranger),
        ...(payload ? { payload: payload as object } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      for (const secret of ["Owner Co", "secret-photo", "Secret design", "Ångström", "secret-crm"])
        expect(res.body, `${method} ${url}`).not.toContain(secret);
      checked.push(`${method} ${url}`);
    }
    // The owner still reaches them: the 404s above are about who asks, not about missing data.
    expect(
      (await ctx.app.inject({ url: `/v1/batches/${ids.batch}`, headers: bearer(owner) }))
        .statusCode,
    ).toBe(200);
    expect(checked).toEqual(
      expect.arrayContaining([
        "GET /v1/batches/{id}/zip",
        "POST /v1/campaigns/{id}/submit",
        "GET /v1/campaigns/{id}/recipients/{rid}/proof.png",
        "PATCH /v1/contacts/{id}",
        "GET /v1/contacts/imports/{id}/failures.csv",
        "POST /v1/campaigns/{id}/recipients/from-contacts",
        "GET /v1/automations/{id}/upcoming",
        "POST /v1/automations/{id}/sends",
        "DELETE /v1/automations/{id}",
        "GET /v1/events/{id}",
        "POST /v1/webhook_endpoints/{id}/deliveries/{delivery_id}/retry",
        "GET /v1/batches/{id}/imposed.pdf",
      ]),
    );
  }, 90_000);
});
