/**
 * PDF page → PNG for people to look at (proofs), with poppler's pdftoppm: the same renderer print
 * shops' preflight tools use, so what the proof shows is what the PDF holds.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export class RasterizeError extends Error {
  override name = "RasterizeError";
}

/** pdftoppm ran past its time limit and was killed. */
export class RasterizeTimeout extends RasterizeError {
  override name = "RasterizeTimeout";
}

/** A picture of one page. pdftoppm is killed past `timeoutMs` (default 10 s). */
export async function rasterizePdf(
  pdf: Buffer,
  opts: { page?: number; dpi?: number; timeoutMs?: number } = {},
): Promise<Buffer> {
  // pdftoppm reads and writes files (its "-" output is a file named "-.png"), so it works in a temp folder.
  const dir = await mkdtemp(path.join(tmpdir(), "cardmerge-proof-"));
  try {
    const input = path.join(dir, "card.pdf");
    await writeFile(input, pdf);
    const page = String(opts.page ?? 1);
    const args = [
      "-png",
      "-r",
      String(opts.dpi ?? 100),
      "-f",
      page,
      "-l",
      page,
      "-singlefile",
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
    return await readFile(path.join(dir, "page.png"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
