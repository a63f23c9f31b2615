import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imposition } from "../../../src/render/index.ts";
import { startProcessors } from "../../../workers/processors/index.ts";
import { draftCampaign, submitUntilReady } from "../../support/campaign-fixtures.ts";
import { preflight } from "../../support/preflight.ts";
import { bearer, createTestContext, type TestContext } from "../../support/test-context.ts";

const run = promisify(execFile);
let ctx: TestContext;
let processors: Awaited<ReturnType<typeof startProcessors>>;
let business: string;
let stranger: string;
let dir: string;
let batch: { id: string; files: { manifest: { url: string } } };

const rowsOf = (csv: string) =>
  csv
    .trim()
    .split("\r\n")
    .map((l) => l.split(","));

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-imposed-"));
  ctx = await createTestContext({ STORAGE_DIR: dir });
  processors = await startProcessors(ctx.deps);
  business = (await ctx.account()).secret;
  stranger = (await ctx.account({ name: "Other shop" })).secret;
  const patched = await ctx.app.inject({
    method: "PATCH",
    url: "/v1/account",
    headers: bearer(business),
    payload: { imposition_sheet: "13x19" },
  });
  expect(patched.statusCode, patched.body).toBe(200);
  expect(patched.json().imposition_sheet).toBe("13x19");
  const campaignId = await draftCampaign(ctx, business, { recipients: 9 });
  await submitUntilReady(ctx, business, campaignId, 120_000);
  const list = (await ctx.app.inject({ url: "/v1/batches", headers: bearer(business) })).json();
  batch = list.data[0];
}, 180_000);

afterAll(async () => {
  await processors?.close();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a batch imposed on the account's press sheet", () => {
  it("refuses a sheet size that is not one of the four", async () => {
    for (const sheet of ["a4", "12x18'", "x".repeat(5000)]) {
      const res = await ctx.app.inject({
        url: `/v1/batches/${batch.id}/imposed.pdf?sheet=${encodeURIComponent(sheet)}`,
        headers: bearer(business),
      });
      expect(res.statusCode).toBe(400);
    }
    const patched = await ctx.app.inject({
      method: "PATCH",
      url: "/v1/account",
      headers: bearer(business),
      payload: { imposition_sheet: "legal" },
    });
    expect(patched.statusCode).toBe(400);
  });

  it("is another account's batch: 404", async () => {
    const res = await ctx.app.inject({
      url: `/v1/batches/${batch.id}/imposed.pdf`,
      headers: bearer(stranger),
    });
    expect(res.statusCode).toBe(404);
  });

  it("puts each card at the sheet and position its manifest line says", async () => {
    const manifest = await ctx.app.inject({
      url: batch.files.manifest.url,
      headers: bearer(business),
    });
    const [header, ...rows] = rowsOf(manifest.body);
    expect(header?.slice(-3)).toEqual(["sheet_size", "sheet", "sheet_position"]);
    expect(rows).toHaveLength(9);

    const res = await ctx.app.inject({
      url: `/v1/batches/${batch.id}/imposed.pdf`,
      headers: bearer(business),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    expect(res.headers["content-disposition"]).toContain("imposed-13x19.pdf");
    const file = path.join(dir, "imposed.pdf");
    await writeFile(file, res.rawPayload);
    const pf = await preflight(file);
    // 5x7 cards with bleed fit 2 x 2 on 13 x 19 in: 9 cards on 3 sheets, 6 pages, 3 blank cells.
    expect(pf.pages).toBe(6);
    expect(pf.qpdfOk).toBe(true);
    const { layout } = imposition("card_5x7", "13x19", 9);
    for (const row of rows) {
      const [name, size, sheet, position] = [row[4], ...row.slice(-3)] as string[];
      expect(size).toBe("13x19");
      const cell = layout.front[Number(position) - 1] as (typeof layout.front)[0];
      const page = String(2 * Number(sheet) - 1);
      const args = ["-f", page, "-l", page, "-r", "72"];
      for (const [k, v] of [
        ["-x", cell.x],
        ["-y", cell.y],
        ["-W", cell.w],
        ["-H", cell.h],
      ] as const)
        args.push(k, String(Math.round(v)));
      const { stdout } = await run("pdftotext", [...args, "-enc", "UTF-8", file, "-"]);
      expect(stdout.replace(/\s+/g, " ")).toContain(name);
    }

    // Kept after the first request: the same bytes again.
    const again = await ctx.app.inject({
      url: `/v1/batches/${batch.id}/imposed.pdf?sheet=13x19`,
      headers: bearer(business),
    });
    expect(again.rawPayload.equals(res.rawPayload)).toBe(true);
  });

  it("imposes on another sheet when asked, and documents the route", async () => {
    const res = await ctx.app.inject({
      url: `/v1/batches/${batch.id}/imposed.pdf?sheet=sra3`,
      headers: bearer(business),
    });
    expect(res.statusCode).toBe(200);
    const file = path.join(dir, "sra3.pdf");
    await writeFile(file, res.rawPayload);
    const pf = await preflight(file);
    expect(Math.round(pf.mediaBoxes[0]?.[2] ?? 0)).toBe(Math.round((320 / 25.4) * 72));
    const spec = (await ctx.app.inject({ url: "/openapi.json" })).json();
    const op = spec.paths["/v1/batches/{id}/imposed.pdf"].get;
    expect(op.tags).toEqual(["batches"]);
    expect(Object.keys(op.responses["200"].content)).toEqual(["application/pdf"]);
  });
});
