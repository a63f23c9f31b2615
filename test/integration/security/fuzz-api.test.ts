/**
 * Issue 8: generated designs and messages through the API, as a customer would send them: design
 * upload, campaign creation, an import and a proof. Nothing answers 5xx; refusals are 4xx
 * problem+json naming a field. A failure prints its seed; `FUZZ_SEED=<n>` replays it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { design, message, rng } from "../../support/fuzz-designs.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

const CASES = 120;
const BASE_SEED = Number(process.env.FUZZ_SEED ?? 8_2026);

let ctx: TestContext;
let secret: string;

beforeAll(async () => {
  ctx = await createTestContext();
  ({ secret } = await ctx.account());
});
afterAll(() => ctx.close());

const CSV =
  "First Name,Last Name,Street,City,State,Zip,Last Purchase,Spouse\r\nZoë,Ångström,1 Main St,Boston,MA,02134,boiler,Sam\r\n";

describe("generated designs and messages through the API", () => {
  it(`${CASES} cases: no 5xx, refusals name their field`, async () => {
    const statuses = new Map<number, number>();
    const seen = (status: number, where: string, body: string) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      expect(status, `${where}: ${body.slice(0, 500)}`).toBeLessThan(500);
      if (status >= 400) {
        const problem = JSON.parse(body);
        expect(problem.detail, where).toEqual(expect.any(String));
      }
    };
    for (let i = 0; i < CASES; i++) {
      const seed = BASE_SEED + i;
      const r = rng(seed);
      const d = design(r);
      const files = {
        "template.json": d.json,
        ...Object.fromEntries(Object.entries(d.texts).map(([part, text]) => [`${part}.hbs`, text])),
      };
      const uploaded = await ctx.app.inject({
        method: "POST",
        url: "/v1/templates",
        headers: bearer(secret),
        payload: { files },
      });
      seen(uploaded.statusCode, `seed ${seed} design`, uploaded.body);
      const template = uploaded.statusCode === 201 ? uploaded.json().id : "birthday";
      const created = await ctx.app.inject({
        method: "POST",
        url: "/v1/campaigns",
        headers: bearer(secret),
        payload: {
          name: `Fuzz ${seed}`,
          occasion: "birthday",
          template,
          format: "postcard_4x6",
          message: message(r).slice(0, 5000),
          merge_fields: ["lastPurchase", "spouse"],
          sender: { business_name: "Acme" },
        },
      });
      seen(created.statusCode, `seed ${seed} campaign`, created.body);
      if (created.statusCode !== 201) continue;
      const id = created.json().id;
      const imported = await ctx.app.inject({
        method: "POST",
        url: `/v1/campaigns/${id}/recipients`,
        headers: { ...bearer(secret), "content-type": "text/csv" },
        payload: CSV,
      });
      seen(imported.statusCode, `seed ${seed} import`, imported.body);
      const list = await ctx.app.inject({
        url: `/v1/campaigns/${id}/recipients?limit=1`,
        headers: bearer(secret),
      });
      const rid = list.json().data[0]?.id;
      if (!rid) continue;
      const proof = await ctx.app.inject({
        url: `/v1/campaigns/${id}/recipients/${rid}/proof.pdf`,
        headers: bearer(secret),
      });
      seen(proof.statusCode, `seed ${seed} proof`, proof.statusCode === 200 ? "" : proof.body);
    }
    // Both outcomes are reached, or the test proves less than it says.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(5);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(20);
  }, 180_000);
});
