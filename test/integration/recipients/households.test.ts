import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcessors } from "../../../workers/processors/index.ts";
import { waitForCampaign } from "../../support/campaign-fixtures.ts";
import { pdfText } from "../../support/preflight.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-households-"));
  ctx = await createTestContext();
  secret = (await ctx.account()).secret;
});
afterAll(async () => {
  await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

async function newCampaign(): Promise<string> {
  const res = await ctx.app.inject({
    method: "POST",
    url: "/v1/campaigns",
    headers: bearer(secret),
    payload: {
      name: "Holiday cards",
      occasion: "october_holiday",
      template: "thank-you",
      format: "card_5x7",
      message: "Dear {{firstName}}, happy holidays from all of us!",
      sender: { business_name: "Acme Plumbing" },
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

const HEADER = "First Name,Last Name,Street,Apt,City,State,Zip,Household ID";
const FAMILIES = [
  HEADER,
  "John,Smith,12 Main Street,,Springfield,IL,62701,", // 2: a couple…
  "Jane,Smith,12 Main St.,,Springfield,IL,62701,", // 3: …written another way
  "Tom,Brown,40 Oak Ave,,Springfield,IL,62702,", // 4: a family of three…
  "Tina,BROWN,40  oak avenue,,springfield,IL,62702,", // 5
  "Tim,Brown,40 Oak Ave,,Springfield,IL,62702-1234,", // 6
  "Ann,Lee,12 Main St,,Springfield,IL,62701,", // 7: the Smiths' address, another name
  "Ava,Park,7 Elm St,Apt 1,Springfield,IL,62701,", // 8: Apt 1…
  "Ben,Park,7 Elm St,Apt 2,Springfield,IL,62701,", // 9: …and Apt 2 are two homes
  "Cy,Park,7 Elm St,#1,Springfield,IL,62701,", // 10: Apt 1 again
  "Dan,Cho,9 Pine Rd,,Springfield,IL,62701,H-9", // 11: a household id…
  "Eve,Diaz,9 Pine Rd,,Springfield,IL,62701,h9", // 12: …joins another last name
].join("\r\n");

const postCsv = (campaignId: string, body: string, query = "?household=true") =>
  ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${campaignId}/recipients${query}`,
    headers: { ...bearer(secret), "content-type": "text/csv" },
    payload: body,
  });
const get = (url: string) => ctx.app.inject({ url, headers: bearer(secret) });
const csvRows = (body: string) => parse(body.replace(/^\uFEFF/, "")) as string[][];

type Listed = {
  id: string;
  first_name: string;
  last_name: string;
  full_name: string;
  row_number: number;
  household_members: string[] | null;
  address: { line1: string; line2: string | null; postal_code: string };
  custom: Record<string, string>;
};
const recipientsOf = async (campaignId: string) =>
  (await get(`/v1/campaigns/${campaignId}/recipients?limit=100`)).json().data as Listed[];

describe("household merge of a CSV import (household=true)", () => {
  let campaignId: string;
  let body: Record<string, unknown>;

  beforeAll(async () => {
    campaignId = await newCampaign();
    const res = await postCsv(campaignId, FAMILIES);
    expect(res.statusCode, res.body).toBe(201);
    body = res.json();
  });

  it("counts the merged rows and the households", () => {
    expect(body).toMatchObject({
      rows: 11,
      imported: 11,
      rejected: 0,
      duplicates: 0,
      household: true,
      merged: 5,
      households: 4,
      not_merged: 0,
      failures_url: null,
      merged_url: `/v1/campaigns/${campaignId}/imports/${body.id}/merged.csv`,
    });
    expect(body.columns).toContainEqual({ header: "Household ID", field: "householdId" });
  });

  it("lists one recipient per card, named for everyone on it, at the first row's address", async () => {
    const list = await recipientsOf(campaignId);
    expect(list.map((r) => [r.row_number, r.full_name])).toEqual([
      [2, "John & Jane Smith"],
      [4, "The Brown Family"],
      [7, "Ann Lee"],
      [8, "Ava & Cy Park"],
      [9, "Ben Park"],
      [11, "Dan Cho & Eve Diaz"],
    ]);
    const [smith, brown, lee, park1, park2, choDiaz] = list as [
      Listed,
      Listed,
      Listed,
      Listed,
      Listed,
      Listed,
    ];
    expect(smith).toMatchObject({
      first_name: "John & Jane",
      last_name: "Smith",
      household_members: ["John Smith", "Jane Smith"],
      address: { line1: "12 Main Street", postal_code: "62701" },
    });
    expect(brown).toMatchObject({
      first_name: "Tom, Tina & Tim",
      household_members: ["Tom Brown", "Tina BROWN", "Tim Brown"],
      address: { line1: "40 Oak Ave", postal_code: "62702" },
    });
    expect(lee.household_members).toBeNull();
    expect(park1.address.line2).toBe("Apt 1");
    expect(park2).toMatchObject({ full_name: "Ben Park", household_members: null });
    expect(choDiaz).toMatchObject({ first_name: "Dan & Eve", last_name: "Cho & Diaz" });
    // The household id decided the card; it is not a merge variable of its own.
    expect(choDiaz.custom).toEqual({});
  });

  it("reports every merged row and the card it joined in merged.csv", async () => {
    const res = await get(body.merged_url as string);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/csv/);
    const [header, ...lines] = csvRows(res.body);
    expect(header).toEqual(["Row", "Name", "Card row", "Card name", "Card recipient", "Note"]);
    const ids = Object.fromEntries(
      (await recipientsOf(campaignId)).map((r) => [String(r.row_number), r.id]),
    );
    expect(lines.map((l) => l.slice(0, 5))).toEqual([
      ["3", "Jane Smith", "2", "John & Jane Smith", ids["2"]],
      ["5", "Tina BROWN", "4", "The Brown Family", ids["4"]],
      ["6", "Tim Brown", "4", "The Brown Family", ids["4"]],
      ["10", "Cy Park", "8", "Ava & Cy Park", ids["8"]],
      ["12", "Eve Diaz", "11", "Dan Cho & Eve Diaz", ids["11"]],
    ]);
    for (const line of lines) expect(line[5]).toMatch(/^Joined row \d+'s card/);
  });

  it("prints the household's name on top of its card", async () => {
    const brown = (await recipientsOf(campaignId)).find((r) => r.row_number === 4) as Listed;
    const proof = await get(`/v1/campaigns/${campaignId}/recipients/${brown.id}/proof.pdf`);
    expect(proof.statusCode).toBe(200);
    const file = path.join(dir, "brown.pdf");
    await writeFile(file, proof.rawPayload);
    const text = (await pdfText(file)).replace(/\s+/g, " ");
    expect(text).toContain("The Brown Family");
    expect(text).toContain("Dear Tom, Tina & Tim,");
  });

  it("keeps a household's members when its card is edited", async () => {
    const smith = (await recipientsOf(campaignId)).find((r) => r.row_number === 2) as Listed;
    const res = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/campaigns/${campaignId}/recipients/${smith.id}`,
      headers: bearer(secret),
      payload: { address: { line2: "Apt 3" } },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      full_name: "John & Jane Smith",
      household_members: ["John Smith", "Jane Smith"],
      address: { line2: "Apt 3" },
    });
  });

  it("merges nothing without the option: a card per person, the id column a merge field", async () => {
    const other = await newCampaign();
    const res = await postCsv(other, FAMILIES, "");
    expect(res.json()).toMatchObject({
      imported: 11,
      household: false,
      merged: 0,
      households: 0,
      merged_url: null,
    });
    const list = await recipientsOf(other);
    expect(list).toHaveLength(11);
    expect(list[9]?.custom).toEqual({ householdId: "H-9" });
    const merged = await get(`/v1/campaigns/${other}/imports/${res.json().id}/merged.csv`);
    expect(merged.statusCode).toBe(404);
    expect(merged.json().detail).toContain("household=true");
  });

  it("merges a JSON import the same way, household_id included", async () => {
    const other = await newCampaign();
    const address = { street: "9 Pine Rd", city: "Springfield", state: "IL", zip: "62701" };
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${other}/recipients?household=true`,
      headers: bearer(secret),
      payload: [
        { first_name: "Dan", last_name: "Cho", ...address, household_id: "H-9" },
        { first_name: "Eve", last_name: "Diaz", ...address, household_id: "H9" },
        { first_name: "Fay", last_name: "Diaz", ...address },
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ imported: 3, merged: 1, households: 1 });
    expect((await recipientsOf(other)).map((r) => r.full_name)).toEqual([
      "Dan Cho & Eve Diaz",
      "Fay Diaz",
    ]);
  });

  it("refuses a household option that is not a boolean", async () => {
    const res = await postCsv(await newCampaign(), FAMILIES, "?household=maybe");
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toMatch(/problem\+json/);
  });

  it("renders one card per household, one manifest line each", async () => {
    const processors = await startProcessors(ctx.deps);
    try {
      const submitted = await ctx.app.inject({
        method: "POST",
        url: `/v1/campaigns/${campaignId}/submit`,
        headers: bearer(secret),
        payload: {},
      });
      expect(submitted.statusCode, submitted.body).toBe(200);
      const campaign = await waitForCampaign(
        ctx,
        secret,
        campaignId,
        (c) => c.status === "ready",
        90_000,
      );
      expect(campaign.cards).toMatchObject({ rendered: 6, failed: 0 });
    } finally {
      await processors.close();
    }
    const batches = (await get("/v1/batches?limit=100")).json().data as {
      campaign_id: string;
      files: { manifest: { url: string } };
    }[];
    const names = [];
    for (const b of batches.filter((b) => b.campaign_id === campaignId)) {
      const [header, ...lines] = csvRows((await get(b.files.manifest.url)).body);
      const at = header?.indexOf("recipient_name") ?? -1;
      names.push(...lines.map((l) => l[at]));
    }
    expect(names.sort()).toEqual([
      "Ann Lee",
      "Ava & Cy Park",
      "Ben Park",
      "Dan Cho & Eve Diaz",
      "John & Jane Smith",
      "The Brown Family",
    ]);
  }, 120_000);

  it("answers 404 for another account's merged.csv", async () => {
    const stranger = (await ctx.account({ name: "Other" })).secret;
    const res = await ctx.app.inject({ url: body.merged_url as string, headers: bearer(stranger) });
    expect(res.statusCode).toBe(404);
  });
});

describe("the household option in the API document", () => {
  it("is a documented boolean query parameter of both imports", async () => {
    const doc = (await ctx.app.inject({ url: "/openapi.json" })).json();
    for (const route of [
      "/v1/campaigns/{id}/recipients",
      "/v1/campaigns/{id}/recipients/from-contacts",
    ]) {
      const params = doc.paths[route].post.parameters as {
        name: string;
        in: string;
        schema: { type: string };
        description?: string;
      }[];
      const household = params.find((p) => p.name === "household");
      expect(household, route).toMatchObject({ in: "query", schema: { type: "boolean" } });
      expect(household?.description ?? "", route).toContain("Apt 1 and Apt 2");
    }
    expect(doc.paths["/v1/campaigns/{id}/imports/{iid}/merged.csv"]?.get).toBeDefined();
  });
});

describe("household import attacks", () => {
  it("keeps a thousand people at one address as a card each and says why", async () => {
    const campaignId = await newCampaign();
    const rows = Array.from(
      { length: 1000 },
      (_, i) => `Person${i},Smith,1 Tower Plaza,,Springfield,IL,62701,`,
    );
    const couple = [
      "Al,Ng,5 Bay St,,Springfield,IL,62701,",
      "Bo,Ng,5 Bay St,,Springfield,IL,62701,",
    ];
    const res = await postCsv(campaignId, [HEADER, ...rows, ...couple].join("\r\n"));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      imported: 1002,
      merged: 1,
      households: 1,
      not_merged: 1000,
    });
    const merged = csvRows((await get(res.json().merged_url)).body);
    expect(merged).toHaveLength(1 + 1001);
    const tower = merged.filter((l) => l[1]?.endsWith(" Smith"));
    expect(tower).toHaveLength(1000);
    expect(tower[0]?.[2]).toBe("");
    expect(tower[0]?.[5]).toContain("1,000 people at this address");
    const count = await ctx.deps.pool.query(
      "SELECT count(*)::int AS n FROM recipients WHERE campaign_id = $1",
      [campaignId],
    );
    expect(count.rows[0].n).toBe(1001);
  });

  it("neutralises formula cells in merged.csv", async () => {
    const campaignId = await newCampaign();
    const csv = [
      HEADER,
      '"=HYPERLINK(""http://x"")",Quinn,3 Bay St,,Springfield,IL,62701,',
      "@SUM(A1),Quinn,3 Bay St,,Springfield,IL,62701,",
      "+1,Roe,4 Bay St,,Springfield,IL,62701,=1+1",
      "-2,Poe,4 Bay St,,Springfield,IL,62701,=1+1",
    ].join("\r\n");
    const res = await postCsv(campaignId, csv);
    expect(res.json()).toMatchObject({ imported: 4, merged: 2, households: 2 });
    const [, ...lines] = csvRows((await get(res.json().merged_url)).body);
    expect(lines.map((l) => [l[1], l[3]])).toEqual([
      ["'@SUM(A1) Quinn", `'=HYPERLINK("http://x") & @SUM(A1) Quinn`],
      ["'-2 Poe", "'+1 Roe & -2 Poe"],
    ]);
  });

  it("merges odd unicode spellings of one name but prints each as written", async () => {
    const campaignId = await newCampaign();
    const csv = [
      HEADER,
      "Zoë,Ångström,8 Elm St,,Springfield,IL,62701,",
      "Åsa,A\u030angstro\u0308m\u200b,8 Elm St,,Springfield,IL,62701,", // decomposed, zero-width space
      "Дмитрий,Шостакович,9 Elm St,,Springfield,IL,62701,",
      "\u202eНина,Шостакович,9 Elm St,,Springfield,IL,62701,",
    ].join("\r\n");
    const res = await postCsv(campaignId, csv);
    expect(res.json()).toMatchObject({ imported: 4, merged: 2, households: 2 });
    expect((await recipientsOf(campaignId)).map((r) => r.full_name)).toEqual([
      "Zoë & Åsa Ångström",
      "Дмитрий & \u202eНина Шостакович",
    ]);
  });

  it("rolls a failed household import back whole", async () => {
    const campaignId = await newCampaign();
    // A quote never closed at the end fails the import: no row stays, merged or not.
    const res = await postCsv(campaignId, `${FAMILIES}\r\n"unclosed,quote`);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(await recipientsOf(campaignId)).toEqual([]);
  });
});

describe("household merge of a campaign from contacts", () => {
  it("gives a household one card and keeps one contact per person", async () => {
    const address = {
      line1: "21 Birch Lane",
      city: "Springfield",
      region: "IL",
      postal_code: "62701",
    };
    const created = await ctx.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: bearer(secret),
      payload: {
        data: [
          { external_id: "h1", first_name: "Mia", last_name: "Wong", address, tags: ["h"] },
          { external_id: "h2", first_name: "Leo", last_name: "Wong", address, tags: ["h"] },
          {
            external_id: "h3",
            first_name: "Kai",
            last_name: "Ortiz",
            address: { ...address, line1: "21 Birch Ln" },
            tags: ["h"],
          },
          {
            external_id: "h4",
            first_name: "Sam",
            last_name: "Reyes",
            address: { ...address, line1: "30 Birch Ln" },
            custom: { household_id: "R1" },
            tags: ["h"],
          },
          {
            external_id: "h5",
            first_name: "Lu",
            last_name: "Chan",
            address: { ...address, line1: "30 Birch Ln" },
            custom: { household_id: "R1" },
            tags: ["h"],
          },
        ],
      },
    });
    expect(created.json().created, created.body).toBe(5);
    const ids = Object.fromEntries(
      created
        .json()
        .data.map((d: { contact: { external_id: string; id: string } }) => [
          d.contact.external_id,
          d.contact.id,
        ]),
    );
    const campaignId = await newCampaign();
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${campaignId}/recipients/from-contacts?household=true`,
      headers: bearer(secret),
      payload: { tag: "h" },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      contacts: 5,
      imported: 5,
      household: true,
      merged: 2,
      households: 2,
      not_merged: 0,
    });
    const list = await recipientsOf(campaignId);
    // Contacts made in one request come in no promised order: either Wong can head the card.
    const wong = list.find((r) => r.last_name === "Wong") as Listed;
    const [head, other] = wong.household_members as [string, string];
    expect([head, other].sort()).toEqual(["Leo Wong", "Mia Wong"]);
    expect(wong.full_name).toBe(`${head.split(" ")[0]} & ${other.split(" ")[0]} Wong`);
    const names = list.map((r) => r.full_name);
    expect(names).toHaveLength(3);
    expect(names).toEqual(
      expect.arrayContaining([
        "Kai Ortiz",
        wong.full_name,
        expect.stringMatching(/^(Sam Reyes & Lu Chan|Lu Chan & Sam Reyes)$/),
      ]),
    );
    const byName: Record<string, string> = { "Mia Wong": ids.h1, "Leo Wong": ids.h2 };
    expect(res.json().merges).toContainEqual(
      expect.objectContaining({
        contact_id: byName[other],
        name: other,
        card_recipient_id: wong.id,
        card_contact_id: byName[head],
        card_name: wong.full_name,
      }),
    );
    // The customer file is untouched: five people, five contacts.
    const contacts = (await get("/v1/contacts?tag=h&limit=100")).json().data;
    expect(contacts).toHaveLength(5);
  });
});
