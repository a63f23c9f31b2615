/** The `cardmerge render` command, run as a user runs it: a child process on real files. */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noisyJpeg } from "../../support/image-fixtures.ts";
import { boxSizeIn, pdfText, preflight } from "../../support/preflight.ts";
import { decodeQrs } from "../../support/qr-decode.ts";

const run = promisify(execFile);
let dir: string;
let photo: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cardmerge-cli-"));
  photo = path.join(dir, "front.jpg");
  await writeFile(photo, await noisyJpeg(1600, 2200));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function cardmerge(args: string[]) {
  return run(process.execPath, ["bin/cardmerge.js", ...args], { maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

describe("cardmerge render", () => {
  it("renders the sample campaign: a PDF per recipient, a presorted batch with its manifest, a report", async () => {
    const out = path.join(dir, "demo");
    const result = await cardmerge([
      "render",
      "--campaign",
      "examples/campaign.json",
      "--csv",
      "examples/recipients.csv",
      "--photo",
      photo,
      "--out",
      out,
      "--batch-size",
      "20",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ rows: 30, rendered: 30, failed: 0, rejected_rows: 0 });
    expect(summary.batches.map((b: { cards: number }) => b.cards)).toEqual([20, 10]);
    expect(await readdir(path.join(out, "cards"))).toHaveLength(30);

    const manifest = (await readFile(path.join(out, "batches", "batch-001.csv"), "utf8"))
      .trim()
      .split("\r\n");
    expect(manifest).toHaveLength(21);
    const zips = manifest.slice(1).map((line) => line.split(",")[10]);
    expect(zips).toEqual([...zips].sort());
    expect(zips[0]).toBe("02134");

    const batch = await preflight(path.join(out, "batches", "batch-001.pdf"));
    expect(batch.pages).toBe(40);
    expect(batch.qpdfOk).toBe(true);
    expect(batch.fonts.every((f) => f.embedded)).toBe(true);
    const trim = boxSizeIn(batch.trimBoxes[0] as [number, number, number, number]);
    expect(trim.w).toBeCloseTo(5, 2);
    expect(trim.h).toBeCloseTo(7, 2);
    // One shared photo is embedded once however many cards use it.
    expect(new Set(batch.images.map((i) => `${i.width}x${i.height}`)).size).toBe(1);

    const text = await pdfText(path.join(out, "cards", "0001-zoë-ångström.pdf"));
    expect(text).toContain("Zoë Ångström");
    expect(text).toContain("new water heater");

    // The sample campaign has a landing URL: each card's back carries its own short URL.
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    const first = report.find((c: { file: string }) => c.file === "cards/0001-zoë-ångström.pdf");
    expect(first.qr_url).toMatch(/^http:\/\/localhost:3000\/q\/[A-Za-z0-9_-]{22}$/);
    expect(new Set(report.map((c: { qr_url: string }) => c.qr_url)).size).toBe(30);
    const qrs = await decodeQrs(path.join(out, "cards", "0001-zoë-ångström.pdf"), 2);
    expect(qrs).toEqual([first.qr_url]);
  });

  it.each([
    [
      ["--template", "wedding", "--format", "card_5x7", "--business", "Acme"],
      /template: unknown template "wedding"/,
    ],
    [
      ["--template", "thank-you", "--format", "poster_24x36", "--business", "Acme"],
      /format "poster_24x36"/,
    ],
    [
      [
        "--template",
        "thank-you",
        "--format",
        "card_5x7",
        "--business",
        "Acme",
        "--message",
        "Hi {{nickname}}",
      ],
      /\{\{nickname\}\}.*no such column/,
    ],
    [
      [
        "--template",
        "thank-you",
        "--format",
        "card_5x7",
        "--business",
        "Acme",
        "--message",
        "Hi {{firstName",
      ],
      /message: .*line 1/,
    ],
  ])("refuses bad input with a message saying what to fix (%#)", async (args, message) => {
    const result = await cardmerge([
      "render",
      "--csv",
      "examples/recipients.csv",
      "--out",
      path.join(dir, "bad"),
      ...args,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it("refuses an unreadable photo and a missing CSV", async () => {
    const notPhoto = path.join(dir, "notes.jpg");
    await writeFile(notPhoto, "these are not pixels");
    const base = [
      "render",
      "--campaign",
      "examples/campaign.json",
      "--out",
      path.join(dir, "bad2"),
    ];
    const badPhoto = await cardmerge([
      ...base,
      "--csv",
      "examples/recipients.csv",
      "--photo",
      notPhoto,
    ]);
    expect(badPhoto.code).not.toBe(0);
    expect(badPhoto.stderr).toMatch(/photo .*notes\.jpg/);
    const noCsv = await cardmerge([...base, "--csv", "examples/nope.csv", "--photo", photo]);
    expect(noCsv.code).not.toBe(0);
    expect(noCsv.stderr).toMatch(/nope\.csv: no such file/);
  });
});
