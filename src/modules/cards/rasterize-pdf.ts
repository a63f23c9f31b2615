/**
 * PDF page → PNG for people to look at (proofs), with poppler's pdftoppm: the same renderer print
 * shops' preflight tools use, so what the proof shows is what the PDF holds.
 *
 * Bounded like a render: pdftoppm is killed past a time limit and only a few run at once (the
 * rest wait their turn), so a burst of picture proofs cannot starve the API process that serves
 * everything else (a dozen at once held /healthz for up to half a second on two cores).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The PDF as pdftoppm should read it for a screen: its catalog's /OutputIntents key renamed to
 * one no reader knows, the same length, so every offset stays right. poppler makes the output
 * intent's ICC profile its display profile and builds that transform again for every page: 72% of
 * pdftoppm's instructions for a card (callgrind), about 30 ms a page. Our intents (sRGB, and the
 * CMYK press profile, which poppler does not apply to an RGB picture) give the same pixels without
 * it (test/unit/cards/rasterize-pdf.test.ts compares them), so the picture still shows what
 * the PDF holds.
 */
export function forScreen(pdf: Buffer): Buffer {
  const at = pdf.indexOf(OUTPUT_INTENTS_KEY);
  if (at < 0) return pdf;
  const copy = Buffer.from(pdf);
  SCREEN_KEY.copy(copy, at);
  return copy;
}
// A name followed by its value: "/OutputIntents [". Our renderer writes it once, in the catalog.
const OUTPUT_INTENTS_KEY = Buffer.from("/OutputIntents [", "latin1");
const SCREEN_KEY = Buffer.from("/ScreenIntents [", "latin1");

export class RasterizeError extends Error {
  override name = "RasterizeError";
}

/** pdftoppm ran past its time limit and was killed. */
export class RasterizeTimeout extends RasterizeError {
  override name = "RasterizeTimeout";
}

/**
 * Pictures of pages `first` to `last` (default: page 1), in one pdftoppm run: the PDF is read and
 * its fonts and photo decoded once for every page asked. Killed past `timeoutMs` (default 10 s).
 * `as: "ppm"`: uncompressed pixels (binary PPM, P6) instead of PNG files. About half of
 * pdftoppm's time on a card was its PNG encoding, wasted when the pages are composed into one
 * picture (decoded and encoded again): composing from PPM encodes once.
 */
export async function rasterizePdf(
  pdf: Buffer,
  opts: {
    first?: number;
    last?: number;
    dpi?: number;
    timeoutMs?: number;
    as?: "png" | "ppm";
  } = {},
): Promise<Buffer[]> {
  const ext = opts.as === "ppm" ? "ppm" : "png";
  // pdftoppm reads and writes files (its "-" output is a file named "-.png"), so it works in a temp folder.
  const dir = await mkdtemp(path.join(tmpdir(), "cardmerge-proof-"));
  try {
    const input = path.join(dir, "card.pdf");
    await writeFile(input, forScreen(pdf));
    const first = opts.first ?? 1;
    const last = opts.last ?? first;
    const args = [
      ...(ext === "png" ? ["-png"] : []),
      "-r",
      String(opts.dpi ?? 100),
      "-f",
      String(first),
      "-l",
      String(last),
      input,
      path.join(dir, "page"),
    ];
    const timeoutMs = opts.timeoutMs ?? 10_000;
    try {
      await run("pdftoppm", args, { timeout: timeoutMs, killSignal: "SIGKILL" });
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
      if (e.code === "ENOENT")
        throw new RasterizeError("pdftoppm is not installed (apt-get install poppler-utils).");
      if (e.killed) throw new RasterizeTimeout(`pdftoppm took longer than ${timeoutMs} ms`);
      throw new RasterizeError(`pdftoppm failed: ${e.stderr?.trim() || e.message}`);
    }
    // page-1.png, or page-01.png… when the PDF has ten pages or more: ordered by page number.
    const files = (await readdir(dir))
      .filter((f) => new RegExp(`^page-\\d+\\.${ext}$`).test(f))
      .sort((a, b) => Number.parseInt(a.slice(5), 10) - Number.parseInt(b.slice(5), 10));
    if (files.length !== last - first + 1)
      throw new RasterizeError(`pdftoppm drew ${files.length} of pages ${first}-${last}`);
    return await Promise.all(files.map((f) => readFile(path.join(dir, f))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export type Rasterizer = (
  pdf: Buffer,
  opts: { first: number; last: number; dpi: number; as?: "png" | "ppm" },
) => Promise<Buffer[]>;

/** rasterizePdf with at most `concurrency` pdftoppm processes at once, each within `timeoutMs`. */
export function createRasterizer(opts: { concurrency: number; timeoutMs: number }): Rasterizer {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (pdf, pages) => {
    // A finishing call hands its place straight to the next in line.
    if (running < opts.concurrency) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await rasterizePdf(pdf, { ...pages, timeoutMs: opts.timeoutMs });
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
