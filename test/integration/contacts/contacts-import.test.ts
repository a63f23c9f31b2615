import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { multipart } from "../../support/multipart.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let secret: string;

beforeAll(async () => {
  ctx = await createTestContext();
  secret = (await ctx.account()).secret;
});
afterAll(() => ctx.close());

const importCsv = (csv: string, query = "", key = secret) =>
  ctx.app.inject({
    method: "POST",
    url: `/v1/contacts/import${query}`,
    headers: { ...bearer(key), "content-type": "text/csv" },
    payload: csv,
  });

async function contactBy(externalId: string) {
  const { rows } = await ctx.deps.pool.query(
    `SELECT c.*, a.name FROM contacts c JOIN accounts a ON a.id = c.account_id
      WHERE c.external_id = $1`,
    [externalId],
  );
  expect(rows, `contact ${externalId}`).toHaveLength(1);
  const got = await ctx.app.inject({ url: `/v1/contacts/${rows[0].id}`, headers: bearer(secret) });
  return got.json();
}

const HEADER =
  "First Name,Last Name,Street,City,State,Zip,Birthday,Anniversary,Spouse / Partner,Children,Tags,Notes,CRM id,Do Not Mail";

describe("contacts CSV import", () => {
  it("reads birthdays in several formats, keeps month-day dates, and drops placeholder and impossible dates with a row warning", async () => {
    const csv = [
      HEADER,
      `Zoë,Ångström,12 Elm St,Boston,MA,02134,03/14/1990,2015-06-21,Sam,"Anna, Ben and Cleo",vip;golf,Likes mornings,c-1,`,
      "José,Núñez,3 Oak Ave,Austin,TX,73301,14 March 1985,,,,vip,,c-2,",
      "Ann,Lee,5 Bay St,Miami,FL,33101,--07-04,June 1,,,,,c-3,",
      "Bo,Berg,7 Fir Ln,Denver,CO,80202,1900-01-01,01/01/1970,,,,,c-4,",
      "Cy,Cole,8 Ash Ct,Reno,NV,89501,2023-02-29,,,,,,c-5,",
      "Di,Dunn,9 Yew Way,Provo,UT,84601,Feb 30,2001-13-05,,,,,c-6,yes",
      "Ed,Eck,10 Elm St,Salem,OR,97301,12/31/2099,,,,,,c-7,",
    ].join("\r\n");
    const res = await importCsv(csv);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      object: "contact_import",
      rows: 7,
      created: 7,
      updated: 0,
      rejected: 0,
      warned: 4,
    });
    expect(res.headers.location).toBe(`/v1/contacts/imports/${body.id}`);
    expect(body.columns).toEqual(
      expect.arrayContaining([
        { header: "Spouse / Partner", field: "spouseName" },
        { header: "CRM id", field: "externalId" },
        { header: "Do Not Mail", field: "doNotMail" },
        { header: "Children", field: "children" },
      ]),
    );

    expect(await contactBy("c-1")).toMatchObject({
      birthday: "1990-03-14",
      anniversary: "2015-06-21",
      spouse_name: "Sam",
      children: ["Anna", "Ben", "Cleo"],
      tags: ["vip", "golf"],
      notes: "Likes mornings",
      mail_status: "active",
    });
    expect(await contactBy("c-2")).toMatchObject({ birthday: "1985-03-14", anniversary: null });
    expect(await contactBy("c-3")).toMatchObject({ birthday: "--07-04", anniversary: "--06-01" });

    // Placeholders: the contact is there, without the dates, and the warnings say which column and why.
    expect(await contactBy("c-4")).toMatchObject({
      first_name: "Bo",
      birthday: null,
      anniversary: null,
    });
    const w = (row: number) => body.warnings.filter((x: { row: number }) => x.row === row);
    expect(w(5)).toEqual([
      expect.objectContaining({
        field: "birthday",
        column: "Birthday",
        message: expect.stringMatching(/"1900-01-01" is a placeholder date.*imported without it/),
      }),
      expect.objectContaining({
        field: "anniversary",
        column: "Anniversary",
        message: expect.stringMatching(/placeholder/),
      }),
    ]);
    // 29 February with a year that is no leap year: refused for that field only.
    expect(await contactBy("c-5")).toMatchObject({ first_name: "Cy", birthday: null });
    expect(w(6)).toEqual([
      expect.objectContaining({
        field: "birthday",
        message: expect.stringMatching(/February 29 in 2023, which is not a leap year/),
      }),
    ]);
    expect(await contactBy("c-6")).toMatchObject({
      birthday: null,
      anniversary: null,
      mail_status: "do_not_mail",
    });
    expect(
      w(7)
        .map((x: { message: string }) => x.message)
        .join(" "),
    ).toMatch(/no day 30 in February.*no month 13|no month 13.*no day 30/s);
    expect(await contactBy("c-7")).toMatchObject({ birthday: null });
    expect(w(8)[0].message).toMatch(/in the future/);

    const { rows } = await ctx.deps.pool.query(
      "SELECT count(*)::int AS n FROM contacts WHERE birthday_year IN (1900, 1970) OR anniversary_year IN (1900, 1970)",
    );
    expect(rows[0].n).toBe(0);
  });

  it("upserts by External ID: a second file updates the columns it has and keeps the others", async () => {
    const first = await importCsv(
      [
        "First Name,Last Name,Address,City,State,Zip,Birthday,Tags,External ID,Email",
        "Fay,Fox,1 Main St,Springfield,IL,62701,1970-05-05,a;b,up-1,fay@example.com",
        "Gus,Gray,2 Main St,Springfield,IL,62701,,c,up-2,",
      ].join("\r\n"),
    );
    expect(first.json()).toMatchObject({ created: 2, updated: 0 });
    const before = await contactBy("up-1");
    const second = await importCsv(
      [
        "External ID,Name,Street,City,State,Zip,Mail Status,Tags",
        "up-1,Fay Fox,9 New Rd,Springfield,IL,62702,returned,",
        "up-2,Gus Gray,2 Main St,Springfield,IL,62701,,x|y",
        "up-3,Hal Hunt,3 Main St,Springfield,IL,62701,active,",
        "up-3,Hal Hunt,3 Main St,Springfield,IL,62701,active,",
      ].join("\r\n"),
    );
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json()).toMatchObject({ rows: 4, created: 1, updated: 2, duplicates: 1 });
    const after = await contactBy("up-1");
    expect(after).toMatchObject({
      id: before.id,
      address: { line1: "9 New Rd", postal_code: "62702" },
      birthday: "1970-05-05", // no Birthday column in the second file: kept
      email: "fay@example.com",
      tags: [], // an empty Tags cell clears
      mail_status: "returned",
    });
    expect(await contactBy("up-2")).toMatchObject({ tags: ["x", "y"], mail_status: "active" });
  });

  it("takes a multipart file with a mapping, and keeps a contact without any address", async () => {
    const csv =
      "Kunde,Partner,Kinder,Nummer,E-Mail\r\nIda Igel,Max,Mia & Tom,m-1,ida@example.de\r\n";
    const form = multipart([
      {
        name: "mapping",
        data: JSON.stringify({ Kunde: "fullName", Kinder: "children", Nummer: "externalId" }),
      },
      { name: "file", filename: "kunden.csv", data: Buffer.from(csv) },
    ]);
    const res = await ctx.app.inject({
      method: "POST",
      url: "/v1/contacts/import",
      headers: { ...bearer(secret), ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ filename: "kunden.csv", created: 1, rejected: 0 });
    expect(await contactBy("m-1")).toMatchObject({
      first_name: "Ida",
      last_name: "Igel",
      spouse_name: "Max",
      children: ["Mia", "Tom"],
      address: null,
    });
  });

  it("rejects rows with what to fix, and neutralises formulas in the failures CSV", async () => {
    const res = await importCsv(
      [
        "First Name,Last Name,Street,City,State,Zip,Do Not Mail,Tags,External ID",
        '=HYPERLINK("http://evil"),Doe,1 Main St,Springfield,IL,,no,,f-1',
        "Kim,Kay,2 Main St,Springfield,IL,62701,perhaps,,f-2",
        `Lu,Lin,3 Main St,Springfield,IL,62701,,${Array.from({ length: 51 }, (_, i) => `t${i}`).join(";")},f-3`,
        "Mo,Moe,4 Main St,Springfield,IL,62701,,ok,f-4",
        "Ned,Nash,5 Main St,Springfield,IL,62701,,vip\u0000,f-5",
      ].join("\r\n"),
    );
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ rows: 5, created: 1, rejected: 4 });
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 2, field: "postalCode" }),
        expect.objectContaining({
          row: 3,
          field: "doNotMail",
          column: "Do Not Mail",
          message: expect.stringMatching(/"perhaps" is neither yes nor no/),
        }),
        expect.objectContaining({
          row: 6,
          field: "tags",
          column: "Tags",
          message: expect.stringMatching(/NUL character/),
        }),
        expect.objectContaining({
          row: 4,
          field: "tags",
          message: expect.stringMatching(/51 tags: at most 50/),
        }),
      ]),
    );
    const failures = await ctx.app.inject({ url: body.failures_url, headers: bearer(secret) });
    expect(failures.statusCode).toBe(200);
    const lines = failures.body
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).toBe(
      "Row,Problems,First Name,Last Name,Street,City,State,Zip,Do Not Mail,Tags,External ID",
    );
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^2,.*,"'=HYPERLINK\(""http:\/\/evil""\)",Doe,/);
  });

  it("imports nothing when the file cannot be imported", async () => {
    const before = (await ctx.deps.pool.query("SELECT count(*)::int AS n FROM contacts")).rows[0].n;
    const rows = ["First Name,Last Name,External ID"];
    for (let i = 0; i < 5; i++) rows.push(`P${i},Q,atomic-${i}`);
    rows.push('Broken,"never closed,x');
    const res = await importCsv(rows.join("\r\n"));
    expect(res.statusCode).toBe(422);
    expect(res.headers["content-type"]).toMatch(/problem\+json/);
    const after = (await ctx.deps.pool.query("SELECT count(*)::int AS n FROM contacts")).rows[0].n;
    expect(after).toBe(before);
    const noName = await importCsv("Email,Tags\r\na@b.c,x\r\n");
    expect(noName.statusCode).toBe(422);
    expect(noName.json().detail).toMatch(/no name column/);
  });
});
