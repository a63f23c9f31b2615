/** QR codes as a phone would read them: a page rendered at 300 dpi by pdftoppm, decoded by zbarimg. */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The texts of every QR code zbarimg finds on `page` (1-based) of the PDF at `pdfPath`. */
export async function decodeQrs(pdfPath: string, page: number, dpi = 300): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "cardmerge-qr-"));
  try {
    const png = path.join(dir, "page");
    const p = String(page);
    await run("pdftoppm", [
      "-r",
      String(dpi),
      "-f",
      p,
      "-l",
      p,
      "-singlefile",
      "-png",
      pdfPath,
      png,
    ]);
    await readFile(`${png}.png`);
    try {
      const { stdout } = await run(
        "zbarimg",
        ["-q", "--raw", "-Sdisable", "-Sqrcode.enable", `${png}.png`],
        {
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      return stdout.split("\n").filter((l) => l.length > 0);
    } catch (e) {
      // zbarimg exits 4 when it finds no code.
      if ((e as { code?: number }).code === 4) return [];
      throw e;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
