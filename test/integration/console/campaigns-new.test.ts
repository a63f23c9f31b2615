/**
 * The console's new-campaign page: the form post makes the campaign the API then shows, refusals
 * come back beside their fields with what was typed, the message check and the photo verdict.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadPhoto } from "../../support/campaign-fixtures.ts";
import { type ConsoleUser, consoleUser } from "../../support/console-session.ts";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { multipart } from "../../support/multipart.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

let ctx: TestContext;
let account: { accountId: string; secret: string };
let user: ConsoleUser;

beforeAll(async () => {
  ctx = await createTestContext();
  account = await ctx.account({ name: "Bright Smiles Dental" });
  user = await consoleUser(ctx, account.accountId);
}, 60_000);
afterAll(() => ctx.close());

const GOOD = {
  name: "Spring thank-yous",
  occasion: "thank_you",
  template: "thank-you",
  format: "card_5x7",
  message: "Dear {{firstName}}, thanks for your {{lastPurchase}}.",
  merge_fields: "lastPurchase",
  business_name: "Bright Smiles Dental",
  signature: "Dr. Lee",
  return_line1: "1 Main Street",
  return_city: "Springfield",
  return_region: "IL",
  return_postal_code: "62704",
  return_country: "us",
};

const apiCampaign = async (id: string) =>
  (await ctx.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(account.secret) })).json();

/** POSTs JSON as the page's script does, with the CSRF header. */
const postJson = (url: string, body: unknown, csrf = user.csrf) =>
  ctx.app.inject({
    method: "POST",
    url,
    headers: { cookie: user.cookie, "x-csrf-token": csrf, "content-type": "application/json" },
    payload: JSON.stringify(body),
  });

const postMultipart = (url: string, parts: Parameters<typeof multipart>[0], csrf = user.csrf) => {
  const form = multipart(parts);
  const sep = url.includes("?") ? "&" : "?";
  return ctx.app.inject({
    method: "POST",
    url: `${url}${sep}_csrf=${encodeURIComponent(csrf)}`,
    headers: { cookie: user.cookie, ...form.headers },
    payload: form.payload,
  });
};

describe("new campaign page", () => {
  it("shows the occasions, the designs as pictures, the formats, variable buttons and the sender", async () => {
    const res = await user.get("/campaigns/new");
    expect(res.statusCode).toBe(200);
    for (const id of ["thank-you", "birthday", "october-holiday", "handwritten-note"])
      expect(res.body).toContain(`name="template" value="${id}"`);
    expect(res.body).toContain('src="/campaigns/designs/thank-you/card_5x7.png"');
    expect(res.body).toContain('name="format" value="postcard_4x6"');
    expect(res.body).toContain('data-insert="firstName"');
    expect(res.body).toContain('name="business_name" value="Bright Smiles Dental"');
    expect(res.body).toMatch(
      /<script type="module" src="\/assets\/campaign-new\.js\?v(=|&#x3D;)\w+">/,
    );
    expect(res.body).toContain(`action="/campaigns/new?_csrf=${user.csrf}"`);
  });

  it("a design's picture is a PNG of its front, drawn once and then served from memory", async () => {
    const first = await user.get("/campaigns/designs/birthday/card_5x7.png");
    expect(first.statusCode).toBe(200);
    expect(first.headers["content-type"]).toBe("image/png");
    expect(first.rawPayload.subarray(0, 4).toString("latin1")).toBe("\x89PNG");
    const started = performance.now();
    const again = await user.get("/campaigns/designs/birthday/card_5x7.png");
    // Drawing takes seconds (a render and a pdftoppm run); from memory, a few milliseconds.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
    for (const url of [
      "/campaigns/designs/birthday/postcard_99.png",
      "/campaigns/designs/no-such-design/card_5x7.png",
      "/campaigns/designs/tmpl_someoneelses/card_5x7.png",
      "/campaigns/designs/..%2F..%2Fetc/card_5x7.png",
    ])
      expect((await user.get(url)).statusCode, url).toBe(404);
  });

  it("a filled form makes the campaign with those values and lands on its page", async () => {
    const res = await user.post("/campaigns/new", GOOD);
    expect(res.statusCode, res.body).toBe(303);
    const id = /^\/campaigns\/(cmp_\w+)\?created=1$/.exec(String(res.headers.location))?.[1];
    expect(id).toBeDefined();
    const c = await apiCampaign(id as string);
    expect(c).toMatchObject({
      name: "Spring thank-yous",
      occasion: "thank_you",
      template: "thank-you",
      format: "card_5x7",
      message: GOOD.message,
      merge_fields: ["lastPurchase"],
      status: "draft",
      sender: {
        business_name: "Bright Smiles Dental",
        signature: "Dr. Lee",
        return_address: {
          line1: "1 Main Street",
          line2: null,
          city: "Springfield",
          region: "IL",
          postal_code: "62704",
          country: "US",
        },
      },
      photo_id: null,
    });
    const page = await user.get(String(res.headers.location));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Spring thank-yous");
    expect(page.body).toContain("saved as a draft");
    expect(page.body).toContain(`href="/campaigns/${id}/recipients"`);
    expect(page.body).toContain(`href="/campaigns/${id}/proofs"`);
  });

  it("an unknown variable, a format the design lacks and a bad country are shown beside their fields, with what was typed", async () => {
    const res = await user.post("/campaigns/new", {
      ...GOOD,
      name: "Typo <b>campaign</b>",
      message: "Dear {{frstName}}, hello",
      merge_fields: "",
      return_country: "USA",
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain("Some fields need a look");
    expect(res.body).toContain('value="Typo &lt;b&gt;campaign&lt;/b&gt;"');
    expect(res.body).toContain(">Dear {{frstName}}, hello</textarea>");
    expect(res.body).toContain("a two-letter country code");
    // Refused at the border for the country, the design is still checked: both show at once.
    expect(res.body).toMatch(/id="message-check"[^>]*>unknown variable \{\{frstName\}\}/);
    expect(res.body).toContain("under “Your own variables”");
    // The border refused the country before the service was asked; fixed, the service finds the variable.
    const again = await user.post("/campaigns/new", {
      ...GOOD,
      message: "Dear {{frstName}}, hello",
      merge_fields: "",
    });
    expect(again.statusCode).toBe(400);
    expect(again.body).toMatch(/id="message-check"[^>]*>unknown variable \{\{frstName\}\}/);
    const format = await user.post("/campaigns/new", {
      ...GOOD,
      template: "birthday",
      format: "postcard_6x11",
    });
    expect(format.statusCode).toBe(400);
    expect(format.body).toMatch(/id="format-error">template &quot;birthday&quot; comes in/);
    const { rows } = await ctx.deps.pool.query(
      "SELECT count(*)::int AS n FROM campaigns WHERE name LIKE 'Typo%'",
    );
    expect(rows[0].n).toBe(0);
  });

  it("a QR destination is kept on the campaign; one that is not http(s) is refused beside its field", async () => {
    const bad = await user.post("/campaigns/new", {
      ...GOOD,
      landing_url: "javascript:alert(1)",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(
      /name="landing_url" value="javascript:alert\(1\)"[^>]*aria-invalid="true"/,
    );
    const made = await user.post("/campaigns/new", {
      ...GOOD,
      landing_url: "https://example.com/thanks",
    });
    expect(made.statusCode).toBe(303);
    const id = /cmp_\w+/.exec(String(made.headers.location))?.[0] as string;
    expect((await apiCampaign(id)).landing_url).toBe("https://example.com/thanks");
    const page = await user.get(`/campaigns/${id}`);
    expect(page.body).toContain('<a href="https://example.com/thanks" rel="noopener noreferrer">');
  });

  it("required fields left empty are named", async () => {
    const res = await user.post("/campaigns/new", { ...GOOD, name: "", business_name: "  " });
    expect(res.statusCode).toBe(400);
    expect(res.body.match(/class="field-error"[^>]*>required</g)?.length).toBe(2);
  });

  it("the message check answers as the page types: known variables pass, unknown ones are named", async () => {
    const ok = await postJson("/campaigns/new/check", {
      message: "Hi {{firstName}}, your {{lastPurchase}}",
      merge_fields: "lastPurchase",
      template: "thank-you",
      format: "card_5x7",
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ errors: [] });
    const bad = await postJson("/campaigns/new/check", {
      message: "Hi {{firstName}}, your {{lastPurchase}} {{#each x}}",
      merge_fields: "",
      template: "thank-you",
      format: "card_5x7",
    });
    const errors = bad.json().errors as { field: string; message: string }[];
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.field === "message")).toBe(true);
    const unknown = await postJson("/campaigns/new/check", {
      message: "Hi {{lastPurchase}}",
      merge_fields: "",
      template: "thank-you",
      format: "card_5x7",
    });
    expect(unknown.json().errors[0]).toMatchObject({ field: "message" });
    expect(unknown.json().errors[0].message).toContain("{{lastPurchase}}");
    // Without its CSRF header the check is refused like any other post.
    const refused = await ctx.app.inject({
      method: "POST",
      url: "/campaigns/new/check",
      headers: { cookie: user.cookie, "content-type": "application/json" },
      payload: "{}",
    });
    expect(refused.statusCode).toBe(403);
  });

  it("a photo chosen on the page is stored and judged at the format's size", async () => {
    const sharp = await postMultipart("/campaigns/new/photo?format=postcard_4x6", [
      { name: "photo", filename: "big.jpg", data: await noisyJpeg(1900, 1300) },
    ]);
    expect(sharp.statusCode, sharp.body).toBe(200);
    expect(sharp.json()).toMatchObject({ verdict: "good", good: true, width: 1900, height: 1300 });
    expect(sharp.json().summary).toMatch(/^Good for print: \d+ ppi/);

    const small = await postMultipart("/campaigns/new/photo?format=card_5x7", [
      { name: "photo", filename: "small.jpg", data: await noisyJpeg(400, 560) },
    ]);
    expect(small.json()).toMatchObject({ verdict: "too_small", ppi: 76 });
    expect(small.json().summary).toBe(
      "Too small: 76 ppi on the front of a flat card 5 x 7 in, need 300 (1575 × 2175 px).",
    );
    // The verdict follows the format chosen afterwards.
    const id = small.json().id as string;
    const verdict = await user.get(`/campaigns/photos/${id}/verdict.json?format=postcard_4x6`);
    expect(verdict.json()).toMatchObject({ ppi: 64, verdict: "too_small" });
    const preview = await user.get(`/campaigns/photos/${id}/preview.jpg`);
    expect(preview.headers["content-type"]).toBe("image/jpeg");

    const notImage = await postMultipart("/campaigns/new/photo", [
      { name: "photo", filename: "notes.txt", data: "just text, not a picture" },
    ]);
    expect(notImage.statusCode).toBe(422);
    expect(notImage.json().error).toBeTruthy();
  });

  it("a photo sent with the form is stored and used; shown again with its verdict when the rest fails", async () => {
    const jpeg = await noisyJpeg(1600, 2200);
    const { _csrf, ...fields } = { _csrf: "", ...GOOD };
    const parts = Object.entries(fields).map(([name, data]) => ({ name, data }));
    const failed = await postMultipart("/campaigns/new", [
      ...parts.map((p) => (p.name === "name" ? { name: "name", data: "" } : p)),
      { name: "photo", filename: "front.jpg", contentType: "image/jpeg", data: jpeg },
    ]);
    expect(failed.statusCode).toBe(400);
    const photoId = /name="photo_id" id="photo_id" value="(photo_\w+)"/.exec(failed.body)?.[1];
    expect(photoId).toBeDefined();
    expect(failed.body).toContain("Good for print");

    const made = await postMultipart("/campaigns/new", [
      ...parts,
      { name: "photo_id", data: photoId as string },
    ]);
    expect(made.statusCode, made.body).toBe(303);
    const id = /cmp_\w+/.exec(String(made.headers.location))?.[0] as string;
    expect((await apiCampaign(id)).photo_id).toBe(photoId);
  });
});

describe("new campaign: hostile input", () => {
  it("another account's photo id is refused beside the photo, and nothing is made", async () => {
    const other = await ctx.account({ name: "Other Co" });
    const theirs = await uploadPhoto(ctx, other.secret, "theirs.jpg", await noisyJpeg(800, 800));
    const res = await user.post("/campaigns/new", {
      ...GOOD,
      name: "Borrowed photo",
      photo_id: theirs,
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/id="photo-error"[^>]*>no such photo in this account/);
    expect(res.body).not.toContain(`/campaigns/photos/${theirs}/preview.jpg`);
    expect((await user.get(`/campaigns/photos/${theirs}/preview.jpg`)).statusCode).toBe(404);
    expect((await user.get(`/campaigns/photos/${theirs}/verdict.json`)).statusCode).toBe(404);
    expect((await user.get("/campaigns/photos/..%2F..%2Fpasswd/preview.jpg")).statusCode).toBe(404);
  });

  it("huge fields, NUL, repeated fields and unknown choices get a calm 400 naming the field", async () => {
    const cases: [Record<string, string | string[]>, RegExp][] = [
      [{ name: "x".repeat(50_000) }, /at most 200 characters/],
      [{ message: "m".repeat(6000) }, /at most 5000 characters/],
      [{ business_name: "Acme\u0000Inc" }, /NUL|invalid|cannot be stored/i],
      [{ occasion: "halloween" }, /choose one of the occasions/],
      [{ format: "../../etc/passwd" }, /choose one of the formats/],
      [{ template: "../../../etc/passwd" }, /unknown template/],
      [{ merge_fields: "last-purchase" }, /is not a variable name/],
      [{ photo_id: "../../photos/x" }, /no such photo|photo/],
    ];
    for (const [patch, expected] of cases) {
      const res = await user.post("/campaigns/new", {
        ...GOOD,
        ...(patch as Record<string, string>),
      });
      expect(res.statusCode, JSON.stringify(patch).slice(0, 80)).toBe(400);
      expect(res.body, JSON.stringify(patch).slice(0, 80)).toMatch(expected);
      expect(res.body.length).toBeLessThan(60_000);
    }
    // A field sent twice is one value too many, not two joined.
    const twice = await ctx.app.inject({
      method: "POST",
      url: "/campaigns/new",
      headers: { cookie: user.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: `${new URLSearchParams({ _csrf: user.csrf, ...GOOD }).toString()}&name=second`,
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.body).toContain("send this field once");
    const { rows } = await ctx.deps.pool.query(
      "SELECT count(*)::int AS n FROM campaigns WHERE account_id = $1 AND name <> 'Spring thank-yous' AND name <> 'Elsewhere'",
      [account.accountId],
    );
    expect(rows[0].n).toBe(0);
  });

  it("the message check takes arrays, NUL, huge or missing fields calmly: 200 naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ message: ["a", "b"], template: "thank-you", format: "card_5x7" }, "message"],
      [{ message: "x".repeat(200_000), template: "thank-you", format: "card_5x7" }, "message"],
      [
        { message: "Hi", merge_fields: { a: 1 }, template: "thank-you", format: "card_5x7" },
        "merge_fields",
      ],
      [{ message: "Hi", template: "../../etc/passwd", format: "card_5x7" }, "template"],
    ];
    for (const [body, field] of cases) {
      const res = await postJson("/campaigns/new/check", body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 60)).toBe(200);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
    // NUL is refused for the whole request by the app's storable-input guard, as a page.
    const nul = await postJson("/campaigns/new/check", {
      message: "Hi\u0000",
      template: "thank-you",
    });
    expect(nul.statusCode).toBe(400);
    // Not JSON at all, or an array for a body: refused, never a 500.
    for (const payload of ["{not json", "[1,2,3]", "null"]) {
      const res = await ctx.app.inject({
        method: "POST",
        url: "/campaigns/new/check",
        headers: {
          cookie: user.cookie,
          "x-csrf-token": user.csrf,
          "content-type": "application/json",
        },
        payload,
      });
      expect(res.statusCode, payload).toBeLessThan(500);
    }
  });

  it("a multipart form with two photos, a file under another name or a field sent twice is refused calmly", async () => {
    const jpeg = await noisyJpeg(300, 300);
    const fields = Object.entries(GOOD).map(([name, data]) => ({ name, data }));
    const before = await ctx.deps.pool.query("SELECT count(*)::int AS n FROM photos");
    const two = await postMultipart("/campaigns/new", [
      ...fields,
      { name: "photo", filename: "a.jpg", data: jpeg },
      { name: "photo", filename: "b.jpg", data: jpeg },
    ]);
    expect(two.statusCode).toBeGreaterThanOrEqual(400);
    expect(two.statusCode).toBeLessThan(500);
    const elsewhere = await postMultipart("/campaigns/new", [
      ...fields.map((f) => (f.name === "name" ? { name: "name", data: "Elsewhere" } : f)),
      { name: "../../avatar", filename: "../../x.jpg", data: jpeg },
    ]);
    // A file under a name the form does not have is ignored: the campaign is made without a photo.
    expect(elsewhere.statusCode).toBe(303);
    const id = /cmp_\w+/.exec(String(elsewhere.headers.location))?.[0] as string;
    expect((await apiCampaign(id)).photo_id).toBeNull();
    const twice = await postMultipart("/campaigns/new", [
      ...fields,
      { name: "name", data: "again" },
    ]);
    expect(twice.statusCode).toBe(400);
    expect(twice.body).toContain("send this field once");
    const after = await ctx.deps.pool.query("SELECT count(*)::int AS n FROM photos");
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it("the form without its CSRF token is refused (403) and makes nothing", async () => {
    const before = await ctx.deps.pool.query("SELECT count(*)::int AS n FROM campaigns");
    const res = await ctx.app.inject({
      method: "POST",
      url: "/campaigns/new",
      headers: { cookie: user.cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams(GOOD).toString(),
    });
    expect(res.statusCode).toBe(403);
    const multipartNoToken = multipart([{ name: "name", data: "x" }]);
    const mp = await ctx.app.inject({
      method: "POST",
      url: "/campaigns/new",
      headers: { cookie: user.cookie, ...multipartNoToken.headers },
      payload: multipartNoToken.payload,
    });
    expect(mp.statusCode).toBe(403);
    const after = await ctx.deps.pool.query("SELECT count(*)::int AS n FROM campaigns");
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});
