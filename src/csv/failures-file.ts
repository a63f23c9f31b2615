/**
 * The failures CSV of an import: one line per rejected or duplicate row with the reasons and the
 * row's original values, so the uploader can fix them in their spreadsheet and upload just those.
 * Written to a temporary file while the import streams (the count of bad rows is unbounded).
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { csvLine } from "./csv-line.ts";

export class FailuresFile {
  readonly #headers: string[];
  readonly #path = path.join(tmpdir(), `cardmerge-failures-${randomBytes(8).toString("hex")}.csv`);
  #out: WriteStream | undefined;
  /** A write error is kept and thrown by finish(): an unheard 'error' event would crash the process. */
  #error: Error | undefined;
  count = 0;

  constructor(headers: string[]) {
    this.#headers = headers;
  }

  add(row: number, problems: string, values: Record<string, string>): void {
    if (!this.#out) {
      this.#out = createWriteStream(this.#path);
      this.#out.on("error", (error) => {
        this.#error ??= error;
      });
      // A BOM so Excel opens the UTF-8 file with the right characters.
      this.#out.write(`\uFEFF${csvLine(["Row", "Problems", ...this.#headers])}`);
    }
    this.#out.write(csvLine([row, problems, ...this.#headers.map((h) => values[h] ?? "")]));
    this.count++;
  }

  /** The finished file as a stream, or undefined when no row failed. */
  async finish(): Promise<Readable | undefined> {
    const out = this.#out;
    if (!out) return undefined;
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    if (this.#error) throw this.#error;
    return createReadStream(this.#path);
  }

  /** Drops the file (after an import rolled back); writes still queued are abandoned quietly. */
  async discard(): Promise<void> {
    const out = this.#out;
    if (out && !out.destroyed) {
      await new Promise<void>((resolve) => {
        out.once("close", () => resolve());
        out.destroy();
      });
    }
    await rm(this.#path, { force: true });
  }
}
