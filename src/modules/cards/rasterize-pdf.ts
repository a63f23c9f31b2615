/**
 * PDF page → PNG for people to look at (proofs), with poppler's pdftoppm: the same renderer print
 * shops' preflight tools use, so what the proof shows is what the PDF holds.
 */
import { spawn } from "node:child_process";

export class RasterizeError extends Error {
  override name = "RasterizeError";
}

export async function rasterizePdf(
  pdf: Buffer,
  opts: { page?: number; dpi?: number } = {},
): Promise<Buffer> {
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
    "-",
    "-",
  ];
  return new Promise((resolve, reject) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn("pdftoppm", args, { stdio: ["pipe", "pipe", "pipe"] });
    } catch (error) {
      reject(new RasterizeError(`pdftoppm could not start: ${(error as Error).message}`));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr?.on("data", (c: Buffer) => err.push(c));
    child.on("error", (error) =>
      reject(
        new RasterizeError(
          `pdftoppm is not installed (apt-get install poppler-utils): ${error.message}`,
        ),
      ),
    );
    child.on("close", (code) => {
      if (code === 0 && out.length > 0) resolve(Buffer.concat(out));
      else
        reject(
          new RasterizeError(`pdftoppm failed (${code}): ${Buffer.concat(err).toString().trim()}`),
        );
    });
    child.stdin?.on("error", () => {}); // pdftoppm may exit before reading everything; close reports it
    child.stdin?.end(pdf);
  });
}
