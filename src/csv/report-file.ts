/**
 * A CSV report of an import (failures.csv, merged.csv), spooled to a temporary file while the
 * import runs: the number of lines is unbounded, so they never sit in memory. Every cell goes
 * through csvLine, so a name like =HYPERLINK(…) stays text in a spreadsheet.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { csvLine } from "./csv-line.ts";

export class CsvReportFile {
  readonly #header: readonly string[];
  readonly #path: string;
  #out: WriteStream | undefined;
  /** A write error is kept and thrown by finish(): an unheard 'error' event would crash the process. */
  #error: Error | undefined;
  count = 0;

  constructor(header: readonly string[], name = "report") {
    this.#header = header;
    this.#path = path.join(tmpdir(), `cardmerge-${name}-${randomBytes(8).toString("hex")}.csv`);
  }

  addLine(cells: readonly (string | number | null | undefined)[]): void {
    if (!this.#out) {
      this.#out = createWriteStream(this.#path);
      this.#out.on("error", (error) => {
        this.#error ??= error;
      });
      // A BOM so Excel opens the UTF-8 file with the right characters.
      this.#out.write(`\uFEFF${csvLine(this.#header)}`);
    }
    this.#out.write(csvLine(cells));
    this.count++;
  }

  /** The finished file as a stream, or undefined when no line was added. */
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
