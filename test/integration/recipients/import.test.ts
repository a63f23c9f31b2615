import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadPhoto } from "../../support/campaign-fixtures.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { multipart } from "../../support/multipart.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;

beforeAll(async () => {
  ctx = await createTestContext();
  secret = (await ctx.account()).secret;
});
afterAll(() => ctx.close());

async function newCampaign(key = secret, over: Record<string, unknown> = {}): Promise<string> {
  const res = await ctx.app.inject({
    method: "POST",
    url: "/v1/campaigns",
    headers: bearer(key),
    payload: {
      name: "Thank-yous",
      occasion: "thank_you",
      template: "thank-you",
      format: "card_5x7",
      message: "Dear {{firstName}}, thank you for your {{lastPurchase}}!",
      merge_fields: ["lastPurchase"],
      sender: { business_name: "Acme Plumbing" },
      ...over,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

const CSV = [
  "First Name,Last Name,Street,City,State,Zip,Last Purchase",
  "Zoë,Ångström,12 Elm St,Boston,MA,02134,water heater",
  "José,Núñez,3 Oak Ave,Austin,TX,73301,boiler service",
  "Łukasz,Żółć,9 Pine Rd,Chicago,IL,,drain cleaning",
  "Zoë,Ångström,12 Elm St,Boston,MA,02134,water heater",
  "Ann,Lee,5 Bay St,Miami,FL,33101,",
].join("\r\n");

const postCsv = (campaignId: string, body: string | Buffer, query = "", key = secret) =>
  ctx.app.inject({
    method: "POST",
    url: `/v1/campaigns/${campaignId}/recipients${query}`,
    headers: { ...bearer(key), "content-type": "text/csv" },
    payload: body,
  });

describe("recipient import over the API", () => {
  it("neutralises = + - @ tab and CR at the start of any cell of the failures CSV", async () => {
    const id = await newCampaign();
    const triggers = ["=", "+", "-", "@", "\t", "\r"];
    // Each row lacks its Zip, so each is rejected and lands in the failures CSV as uploaded.
    const rows = triggers.map(
      (c, i) => `"${c}cmd|' /C calc'!A0","${c}Lee",${i + 1} Bay St,"${c}Miami",FL,,"${c}1+1"`,
    );
    const res = await postCsv(id, [CSV.split("\r\n")[0], ...rows].join("\r\n"));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ imported: 0, rejected: triggers.length });
    const failures = await ctx.app.inject({
      url: res.json().failures_url,
      headers: bearer(secret),
    });
    const { parse } = await import("csv-parse/sync");
    const [, ...lines] = parse(failures.body.replace(/^\uFEFF/, "")) as string[][];
    expect(lines).toHaveLength(triggers.length);
    for (const [i, c] of triggers.entries()) {
      const [, , first, last, , city, , , what] = lines[i] ?? [];
      expect([first, last, city, what]).toEqual([
        `'${c}cmd|' /C calc'!A0`,
        `'${c}Lee`,
        `'${c}Miami`,
        `'${c}1+1`,
      ]);
    }
  });

  it("imports a text/csv body with counts, row errors, duplicates and a failures CSV", async () => {
    const id = await newCampaign();
    const res = await postCsv(id, CSV);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      object: "import",
      rows: 5,
      imported: 2,
      rejected: 2,
      duplicates: 1,
      delimiter: ",",
      encoding: "utf-8",
    });
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 4, field: "postalCode" }),
        expect.objectContaining({ row: 6, field: "lastPurchase" }),
      ]),
    );
    const failures = await ctx.app.inject({ url: body.failures_url, headers: bearer(secret) });
    expect(failures.statusCode).toBe(200);
    expect(failures.headers["content-type"]).toMatch(/text\/csv/);
    const lines = failures.body
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).toBe("Row,Problems,First Name,Last Name,Street,City,State,Zip,Last Purchase");
    expect(lines).toHaveLength(4);
    expect(failures.body).toContain("Duplicate of row 2");

    const list = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}/recipients`, headers: bearer(secret) })
    ).json();
    expect(list.data.map((r: { full_name: string }) => r.full_name)).toEqual([
      "Zoë Ångström",
      "José Núñez",
    ]);
    expect(list.data[0]).toMatchObject({
      address: { postal_code: "02134", country: "US" },
      custom: { lastPurchase: "water heater" },
      row_number: 2,
    });
    const campaign = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) })
    ).json();
    expect(campaign.recipients).toBe(2);
  });

  it("counts a person already imported earlier as a duplicate", async () => {
    const id = await newCampaign();
    await postCsv(id, CSV);
    const again = (await postCsv(id, CSV)).json();
    expect(again).toMatchObject({ imported: 0, duplicates: 3, rejected: 2 });
  });

  it("stores backslashes, tabs, line breaks and a literal \\N in values exactly, into an empty campaign and a filled one", async () => {
    // Rows reach PostgreSQL in COPY's text format, where these characters mean field, row and null.
    const odd = 'C:\\new\\table\t"tab"\nnext line \\N \\\\ end';
    const cell = `"${odd.replaceAll('"', '""')}"`;
    const header = "Name,Address,City,State,Zip,Last Purchase";
    const id = await newCampaign();
    const first = (
      await postCsv(id, `${header}\r\nAnn\\Lee,1 A St,Boston,MA,02134,${cell}\r\n`)
    ).json();
    expect(first).toMatchObject({ imported: 1, rejected: 0 });
    const second = (
      await postCsv(
        id,
        `${header}\r\nAnn\\Lee,1 A St,Boston,MA,02134,${cell}\r\nBob\\N,2 B St\\,Boston,MA,02134,${cell}\r\n`,
      )
    ).json();
    expect(second).toMatchObject({ imported: 1, duplicates: 1, rejected: 0 });
    const list = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}/recipients`, headers: bearer(secret) })
    ).json();
    expect(
      list.data.map((r: { full_name: string; custom: Record<string, string> }) => [
        r.full_name,
        r.custom.lastPurchase,
      ]),
    ).toEqual([
      ["Ann\\Lee", odd],
      ["Bob\\N", odd],
    ]);
    expect(list.data[1].address.line1).toBe("2 B St\\");
  });

  it("imports a file of many chunks with problems throughout, then again as all duplicates", async () => {
    const lines = ["First Name,Last Name,Street,City,State,Zip,Last Purchase"];
    const rejected = new Set<number>();
    const duplicates = new Set<number>();
    for (let i = 0; i < 6500; i++) {
      const row = i + 2;
      const zip = i % 97 === 5 ? "" : String(10000 + i);
      const purchase = i % 89 === 7 ? "" : "boiler service";
      if (i % 113 === 60) {
        duplicates.add(row);
        lines.push(
          `Ann,Row ${i - 50},${i - 50} Main St,Springfield,IL,${10000 + i - 50},boiler service`,
        );
        continue;
      }
      if (zip === "" || purchase === "") rejected.add(row);
      lines.push(`Ann,Row ${i},${i} Main St,Springfield,IL,${zip},${purchase}`);
    }
    // The copy of a row rejected for its empty Zip has a Zip and is new. The copy of a row rejected
    // later for its empty merge field is still a duplicate: the parser had already seen that person.
    for (const row of duplicates) if ((row - 52) % 97 === 5) duplicates.delete(row);
    const csv = lines.join("\r\n");
    const id = await newCampaign();
    const first = (await postCsv(id, csv)).json();
    const imported = 6500 - rejected.size - duplicates.size;
    expect(first).toMatchObject({
      rows: 6500,
      imported,
      rejected: rejected.size,
      duplicates: duplicates.size,
    });
    const failedRows = async (url: string) =>
      (await ctx.app.inject({ url, headers: bearer(secret) })).body
        .replace(/^\uFEFF/, "")
        .trim()
        .split("\r\n")
        .slice(1)
        .map((line) => Number(line.split(",")[0]));
    expect((await failedRows(first.failures_url)).sort((a, b) => a - b)).toEqual(
      [...rejected, ...duplicates].sort((a, b) => a - b),
    );
    const stored = await ctx.deps.pool.query<{ row_number: number }>(
      "SELECT row_number FROM recipients WHERE campaign_id = $1 ORDER BY seq",
      [id],
    );
    const expected = Array.from({ length: 6500 }, (_, i) => i + 2).filter(
      (row) => !rejected.has(row) && !duplicates.has(row),
    );
    expect(stored.rows.map((r) => r.row_number)).toEqual(expected);

    const again = (await postCsv(id, csv)).json();
    expect(again).toMatchObject({
      rows: 6500,
      imported: 0,
      rejected: rejected.size,
      duplicates: duplicates.size + imported,
    });
    expect(await failedRows(again.failures_url)).toHaveLength(6500);
  });

  it("lets a field the message only tests with {{#if}} be empty", async () => {
    const id = await newCampaign(secret, {
      message:
        "Dear {{firstName}}, thanks for the {{lastPurchase}}{{#if spouse}}; hello to {{spouse}}{{/if}}.",
      merge_fields: ["lastPurchase", "spouse"],
    });
    const csv =
      "First Name,Last Name,Street,City,State,Zip,Last Purchase,Spouse\r\nAnn,Lee,1 A St,Boston,MA,02134,sink,Bob\r\nCy,Roe,2 B St,Boston,MA,02134,tap,\r\n";
    expect((await postCsv(id, csv)).json()).toMatchObject({ imported: 2, rejected: 0 });
  });

  it("imports a multipart file with a mapping field", async () => {
    const id = await newCampaign();
    const csv =
      "Vorname;Nachname;Strasse;Ort;PLZ;Land;Letzter Kauf\r\nJürgen;Groß;Hauptstr. 5;Berlin;10115;DE;Heizung\r\n";
    const form = multipart([
      {
        name: "mapping",
        data: JSON.stringify({
          Vorname: "firstName",
          Nachname: "lastName",
          Strasse: "line1",
          Ort: "city",
          PLZ: "postalCode",
          Land: "country",
          "Letzter Kauf": "custom:lastPurchase",
        }),
      },
      { name: "file", filename: "kunden.csv", contentType: "text/csv", data: csv },
    ]);
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/recipients`,
      headers: { ...bearer(secret), ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ imported: 1, filename: "kunden.csv", delimiter: ";" });
  });

  it("imports a JSON array through the same checks", async () => {
    const id = await newCampaign();
    const res = await ctx.app.inject({
      method: "POST",
      url: `/v1/campaigns/${id}/recipients`,
      headers: bearer(secret),
      payload: [
        {
          first_name: "Αθηνά",
          last_name: "Παπαδοπούλου",
          address: { street: "1 Main St", city: "Springfield", state: "IL", postal_code: "62701" },
          custom: { last_purchase: "faucet" },
        },
        {
          first_name: "Дмитрий",
          last_name: "Шостакович",
          address: { street: "2 Main St", city: "Springfield", state: "IL" },
          custom: { last_purchase: "tap" },
        },
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ source: "json", rows: 2, imported: 1, rejected: 1 });
  });

  it("refuses a file lacking a column the message needs, importing nothing", async () => {
    const id = await newCampaign();
    const res = await postCsv(
      id,
      "First Name,Last Name,Street,City,State,Zip\r\nA,B,1 X St,Y,MA,02134\r\n",
    );
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toMatch(/\{\{lastPurchase\}\}/);
    const campaign = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) })
    ).json();
    expect(campaign.recipients).toBe(0);
  });

  it("is atomic: a fatal problem late in the file leaves nothing imported", async () => {
    const id = await newCampaign();
    const res = await postCsv(id, `${CSV}\r\n"unterminated,quote,field`);
    expect(res.statusCode).toBe(422);
    expect(res.headers["content-type"]).toMatch(/problem\+json/);
    const campaign = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(secret) })
    ).json();
    expect(campaign.recipients).toBe(0);
  });

  it("matches the photo column to uploaded photos by file name, rejecting unknown names", async () => {
    const { secret: own } = await ctx.account();
    const photoId = await uploadPhoto(ctx, own, "Kitchen.JPG", await noisyJpeg(400, 300));
    const id = await newCampaign(own);
    const csv =
      "Name,Address,City,State,Zip,Photo,Last Purchase\r\nAnn Lee,1 A St,Boston,MA,02134,kitchen.jpg,sink\r\nBob Roe,2 B St,Boston,MA,02134,garage.jpg,door\r\n";
    const res = (await postCsv(id, csv, "", own)).json();
    expect(res).toMatchObject({ imported: 1, rejected: 1 });
    expect(res.errors[0]).toMatchObject({ row: 3, field: "photo" });
    const list = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}/recipients`, headers: bearer(own) })
    ).json();
    expect(list.data[0].photo_id).toBe(photoId);
  });

  it("edits and deletes recipients of a draft, and refuses once submitted", async () => {
    const id = await newCampaign();
    await postCsv(id, CSV);
    const [first] = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}/recipients`, headers: bearer(secret) })
    ).json().data;
    const patched = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/campaigns/${id}/recipients/${first.id}`,
      headers: bearer(secret),
      payload: { first_name: "Zoe", address: { postal_code: "02135" } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      first_name: "Zoe",
      address: { postal_code: "02135" },
      custom: { lastPurchase: "water heater" },
    });
    const bad = await ctx.app.inject({
      method: "PATCH",
      url: `/v1/campaigns/${id}/recipients/${first.id}`,
      headers: bearer(secret),
      payload: { address: { postal_code: "" } },
    });
    expect(bad.statusCode).toBe(400);
    await ctx.deps.pool.query("UPDATE campaigns SET status = 'scheduled' WHERE id = $1", [id]);
    const del = await ctx.app.inject({
      method: "DELETE",
      url: `/v1/campaigns/${id}/recipients/${first.id}`,
      headers: bearer(secret),
    });
    expect(del.statusCode).toBe(409);
    expect((await postCsv(id, CSV)).statusCode).toBe(409);
  });

  it("answers 404 for another account's campaign, recipient and import", async () => {
    const id = await newCampaign();
    const imp = (await postCsv(id, CSV)).json();
    const [first] = (
      await ctx.app.inject({ url: `/v1/campaigns/${id}/recipients`, headers: bearer(secret) })
    ).json().data;
    const { secret: other } = await ctx.account();
    const urls = [
      `/v1/campaigns/${id}/recipients`,
      `/v1/campaigns/${id}/recipients/${first.id}`,
      `/v1/campaigns/${id}/recipients/${first.id}/proof.pdf`,
      `/v1/campaigns/${id}/recipients/${first.id}/proof.png`,
      `/v1/campaigns/${id}/imports/${imp.id}`,
      `/v1/campaigns/${id}/imports/${imp.id}/failures.csv`,
    ];
    for (const url of urls) {
      const res = await ctx.app.inject({ url, headers: bearer(other) });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain("Ångström");
    }
    for (const method of ["PATCH", "DELETE"] as const) {
      const res = await ctx.app.inject({
        method,
        url: `/v1/campaigns/${id}/recipients/${first.id}`,
        headers: bearer(other),
        ...(method === "PATCH" ? { payload: { first_name: "x" } } : {}),
      });
      expect(res.statusCode, method).toBe(404);
    }
    expect((await postCsv(id, CSV, "", other)).statusCode).toBe(404);
  });
});
