import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pdfText } from "../../support/preflight.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-contacts-"));
  ctx = await createTestContext();
  secret = (await ctx.account()).secret;
});
afterAll(async () => {
  await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

const address = (line1: string) => ({
  line1,
  city: "Springfield",
  region: "IL",
  postal_code: "62701",
});

async function newCampaign(message: string, mergeFields: string[] = []) {
  const res = await ctx.app.inject({
    method: "POST",
    url: "/v1/campaigns",
    headers: bearer(secret),
    payload: {
      name: "Holiday cards",
      occasion: "october_holiday",
      template: "thank-you",
      format: "card_5x7",
      message,
      merge_fields: mergeFields,
      sender: { business_name: "Acme Plumbing" },
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

const recipientsOf = async (campaignId: string) =>
  (
    await ctx.app.inject({
      url: `/v1/campaigns/${campaignId}/recipients?limit=100`,
      headers: bearer(secret),
    })
  ).json().data as {
    id: string;
    full_name: string;
    contact_id: string | null;
    custom: Record<string, string>;
  }[];

describe("a campaign's recipients from the contacts", () => {
  let ids: Record<string, string> = {};

  beforeAll(async () => {
    const res = await ctx.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: bearer(secret),
      payload: {
        data: [
          {
            external_id: "ann",
            first_name: "Ann",
            last_name: "Archer",
            address: address("1 Elm St"),
            spouse_name: "Sam",
            children: ["Anna", "Ben", "Cleo"],
            tags: ["vip"],
            custom: { last_job: "boiler" },
          },
          {
            external_id: "bob",
            first_name: "Bob",
            last_name: "Baker",
            address: address("2 Elm St"),
            spouse_name: "Pat",
            tags: ["vip"],
            mail_status: "do_not_mail",
            custom: { last_job: "tap" },
          },
          {
            external_id: "cy",
            first_name: "Cy",
            last_name: "Cole",
            address: address("3 Elm St"),
            spouse_name: "Kim",
            tags: ["vip"],
            mail_status: "returned",
            custom: { last_job: "tap" },
          },
          {
            external_id: "di",
            first_name: "Di",
            last_name: "Dunn",
            tags: ["vip"],
            spouse_name: "Lou",
            custom: { last_job: "tap" },
          },
          {
            external_id: "ed",
            first_name: "Ed",
            last_name: "Eck",
            address: address("5 Elm St"),
            tags: ["vip"],
            custom: { last_job: "tap" },
          },
          {
            external_id: "fay",
            first_name: "Fay",
            last_name: "Fox",
            address: address("6 Elm St"),
            spouse_name: "Gil",
            custom: { last_job: "tap" },
          },
        ],
      },
    });
    expect(res.json().created, res.body).toBe(6);
    ids = Object.fromEntries(
      res
        .json()
        .data.map((d: { contact: { external_id: string; id: string } }) => [
          d.contact.external_id,
          d.contact.id,
        ]),
    );
  });

  it("takes the tagged contacts, skips do-not-mail, returned, address-less and spouse-less ones with reasons, and prints {{spouseName}}", async () => {
    // spouseName and children are known variables: no merge_fields needed for them.
    const campaignId = await newCampaign(
      "Dear {{firstName}} and {{spouseName}}, thank you for the {{lastJob}}.{{#if children}} Love to {{children}}!{{/if}}",
      ["lastJob"],
    );
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${campaignId}/recipients/from-contacts`,
      headers: bearer(secret),
      payload: { tag: "vip" },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      object: "contacts_import",
      tag: "vip",
      contacts: 5,
      imported: 1,
      duplicates: 0,
      skipped: { do_not_mail: 1, returned: 1, no_address: 1, missing_merge_field: 1 },
    });
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ contact_id: ids.bob, reason: "do_not_mail" }),
        expect.objectContaining({
          contact_id: ids.ed,
          reason: "missing_merge_field",
          message: expect.stringContaining("{{spouseName}}"),
        }),
      ]),
    );
    const recipients = await recipientsOf(campaignId);
    expect(recipients).toHaveLength(1);
    const [ann] = recipients as [(typeof recipients)[number]];
    expect(ann).toMatchObject({
      full_name: "Ann Archer",
      contact_id: ids.ann,
      custom: { spouseName: "Sam", children: "Anna, Ben and Cleo", lastJob: "boiler" },
    });

    const proof = await ctx.app.inject({
      url: `/v1/campaigns/${campaignId}/recipients/${ann.id}/proof.pdf`,
      headers: bearer(secret),
    });
    expect(proof.statusCode).toBe(200);
    const file = path.join(dir, "ann.pdf");
    await writeFile(file, proof.rawPayload);
    const text = (await pdfText(file)).replace(/\s+/g, " ");
    expect(text).toContain("Dear Ann and Sam");
    expect(text).toContain("Love to Anna, Ben and Cleo!");

    // Taking the contacts again adds nobody twice.
    const again = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${campaignId}/recipients/from-contacts`,
      headers: bearer(secret),
      payload: { tag: "vip" },
    });
    expect(again.json()).toMatchObject({ imported: 0, duplicates: 1 });

    // Ann asks for no more mail: she leaves the draft campaign at once.
    const patched = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/contacts/${ids.ann}`,
      headers: bearer(secret),
      payload: { mail_status: "do_not_mail" },
    });
    expect(patched.statusCode).toBe(200);
    expect(await recipientsOf(campaignId)).toHaveLength(0);
    await ctx.app.inject({
      method: "PATCH",
      url: `/v1/contacts/${ids.ann}`,
      headers: bearer(secret),
      payload: { mail_status: "active" },
    });
  });

  it("takes every contact without a tag, and a deleted contact leaves the draft", async () => {
    const campaignId = await newCampaign(
      "Dear {{firstName}}{{#if spouseName}} and {{spouseName}}{{/if}}, happy holidays!",
    );
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${campaignId}/recipients/from-contacts`,
      headers: bearer(secret),
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      contacts: 6,
      imported: 3,
      skipped: { do_not_mail: 1, returned: 1, no_address: 1, missing_merge_field: 0 },
    });
    const del = await ctx.app.inject({
      method: "DELETE",
      url: `/v1/contacts/${ids.fay}`,
      headers: bearer(secret),
    });
    expect(del.statusCode).toBe(204);
    expect((await recipientsOf(campaignId)).map((r) => r.full_name).sort()).toEqual([
      "Ann Archer",
      "Ed Eck",
    ]);
  });

  it("keeps a do-not-mail contact out of a CSV campaign too, and a CSV must supply a printed {{spouseName}}", async () => {
    const campaignId = await newCampaign("Dear {{firstName}}, happy holidays!");
    const csv = [
      "First Name,Last Name,Street,City,State,Zip",
      "Bob,Baker,2 Elm Street,Springfield,IL,62701",
      "Cy,Cole,3 Elm St,Springfield,IL,62701",
      "Hal,Hunt,7 Elm St,Springfield,IL,62701",
    ].join("\r\n");
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${campaignId}/recipients`,
      headers: { ...bearer(secret), "content-type": "text/csv" },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ imported: 1, rejected: 2 });
    expect(res.json().errors).toEqual([
      expect.objectContaining({
        row: 2,
        message: expect.stringMatching(/Bob Baker at this address is marked do_not_mail/),
      }),
      expect.objectContaining({ row: 3, message: expect.stringMatching(/marked returned/) }),
    ]);

    const spouse = await newCampaign("Dear {{firstName}} and {{spouseName}}!");
    const noColumn = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${spouse}/recipients`,
      headers: { ...bearer(secret), "content-type": "text/csv" },
      payload:
        "First Name,Last Name,Street,City,State,Zip\r\nHal,Hunt,7 Elm St,Springfield,IL,62701\r\n",
    });
    expect(noColumn.statusCode).toBe(422);
    expect(noColumn.json().detail).toMatch(/\{\{spouseName\}\}/);
    const withColumn = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${spouse}/recipients`,
      headers: { ...bearer(secret), "content-type": "text/csv" },
      payload:
        "First Name,Last Name,Street,City,State,Zip,Spouse Name\r\nHal,Hunt,7 Elm St,Springfield,IL,62701,Jo\r\nIvy,Iris,8 Elm St,Springfield,IL,62701,\r\n",
    });
    expect(withColumn.json()).toMatchObject({ imported: 1, rejected: 1 });
  });

  it("answers 404 for another account's campaign and refuses a sent campaign", async () => {
    const stranger = (await ctx.account({ name: "Other Co" })).secret;
    const campaignId = await newCampaign("Dear {{firstName}}!");
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${campaignId}/recipients/from-contacts`,
      headers: bearer(stranger),
      payload: {},
    });
    expect(res.statusCode).toBe(404);
    const bad = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${campaignId}/recipients/from-contacts`,
      headers: bearer(secret),
      payload: { tag: "" },
    });
    expect(bad.statusCode).toBe(400);
  });
});
