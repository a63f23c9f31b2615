/**
 * The CSV layer of an import: decoded text in, records out, each with the spreadsheet row it
 * starts on. The delimiter is sniffed from the header line before csv-parse starts; a parse error
 * becomes a {@link CsvImportError} naming its row and what to fix.
 */
import { type CsvError, type Options, type Parser, parse } from "csv-parse";
import { CsvImportError } from "./import-error.ts";
import { type Delimiter, sniffDelimiter } from "./sniff.ts";
import type { ImportLimits } from "./types.ts";

/** A header line longer than this is not a header: probably not a CSV at all. */
const MAX_HEADER_BYTES = 1024 * 1024;

export class RecordReader {
  readonly #chunks: AsyncGenerator<Buffer>;
  readonly #limits: Pick<ImportLimits, "maxFieldLength" | "maxColumns">;
  #head: Buffer[] = [];
  #headLength = 0;
  #parser: Parser | undefined;
  #delimiter: Delimiter = ",";
  /** Records parsed and not handled yet; #next is the first unhandled one. */
  #records: string[][] = [];
  #next = 0;
  /** Spreadsheet row of the last record handed out. */
  #row = 0;
  /** Records the parser produced so far (to place a parse error on its row). */
  #parsed = 0;
  #ended = false;
  /** The first non-blank record (the header), to name a column in a parse error. */
  #headerRecord: string[] | undefined;

  constructor(
    chunks: AsyncGenerator<Buffer>,
    limits: Pick<ImportLimits, "maxFieldLength" | "maxColumns">,
  ) {
    this.#chunks = chunks;
    this.#limits = limits;
  }

  /** The delimiter found in the header line (`,` until then). */
  get delimiter(): Delimiter {
    return this.#delimiter;
  }

  /** Spreadsheet row of the last record {@link take} returned (header = 1). */
  get row(): number {
    return this.#row;
  }

  /** True once the input is used up: {@link take} returning undefined then means the end. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Releases the input. */
  async close(): Promise<void> {
    await this.#chunks.return(undefined);
  }

  /** Next parsed record, counting its spreadsheet row; undefined when more input is needed. */
  take(): string[] | undefined {
    if (this.#next >= this.#records.length) {
      if (this.#records.length > 0) {
        this.#records = [];
        this.#next = 0;
      }
      return undefined;
    }
    this.#row++;
    return this.#records[this.#next++];
  }

  /** Feeds the next input chunk to the parser (creating it once the header line is known). */
  async pull(): Promise<void> {
    const next = await this.#chunks.next();
    if (next.done) {
      if (!this.#parser) this.#startParser(sniffDelimiter(this.#headBytes(), true) ?? ",");
      await this.#finish(this.#parser as Parser);
      this.#ended = true;
      return;
    }
    if (this.#parser) {
      this.#write(this.#parser, next.value);
      return;
    }
    this.#head.push(next.value);
    this.#headLength += next.value.length;
    const delimiter = sniffDelimiter(this.#headBytes(), false);
    if (delimiter) this.#startParser(delimiter);
    else if (this.#headLength > MAX_HEADER_BYTES) {
      throw new CsvImportError(
        "malformed",
        "The first line is longer than 1 MB: this does not look like a CSV file with a header row.",
        { row: 1 },
      );
    }
  }

  #headBytes(): Buffer {
    if (this.#head.length > 1) this.#head = [Buffer.concat(this.#head, this.#headLength)];
    return this.#head[0] ?? Buffer.alloc(0);
  }

  #startParser(delimiter: Delimiter): void {
    this.#delimiter = delimiter;
    const parser = parse({
      delimiter,
      // Mixed line ends happen when rows were appended by another program; old Macs wrote CR.
      record_delimiter: ["\r\n", "\n", "\r"],
      relax_column_count: true,
      // A stray quote inside an unquoted value ("Bob "Bobby" Lee") is text, not a broken file.
      relax_quotes: true,
      // Only a pathological row (an unclosed quote swallowing the file) trips this; long values are row errors.
      max_record_size: this.#maxRecordBytes(),
      // Parsed records wait in the readable buffer until #drain takes them, so no back-pressure stall.
      readableHighWaterMark: 1 << 30,
      // Not in csv-parse's Options type, but passed through to the Transform stream.
    } as Options);
    // Errors are read from parser.errored right after each write; this listener only keeps the
    // asynchronous 'error' event from being unhandled.
    parser.on("error", () => {});
    this.#parser = parser;
    const head = this.#headBytes();
    this.#head = [];
    if (head.length > 0) this.#write(parser, head);
  }

  /**
   * Writes synchronously and takes the records at once: csv-parse parses inside write(), and reading
   * them from its buffer is about three times cheaper than its on_record hook.
   */
  #write(parser: Parser, chunk: Buffer): void {
    parser.write(chunk);
    this.#drain(parser);
    if (parser.errored) throw this.#parseError(parser.errored);
  }

  #drain(parser: Parser): void {
    for (let record = parser.read() as string[] | null; record !== null; record = parser.read()) {
      this.#parsed++;
      this.#records.push(record);
      if (!this.#headerRecord && record.some((v) => v.trim() !== "")) this.#headerRecord = record;
    }
  }

  async #finish(parser: Parser): Promise<void> {
    if (parser.errored) throw this.#parseError(parser.errored);
    await new Promise<void>((resolve, reject) => {
      parser.once("finish", resolve);
      parser.once("error", reject);
      parser.end();
    }).catch((error: unknown) => {
      this.#drain(parser);
      throw this.#parseError(error);
    });
    this.#drain(parser);
  }

  /**
   * The parser gave up on a row over the record size. Two different faults look alike here: a value
   * that opens with a quote and never closes it swallows the rest of the file, while a value
   * without quotes is simply far too long (a pasted document, a binary file). Whether the parser
   * was inside quotes tells them apart.
   */
  #recordTooLong(error: CsvError, row: number): CsvImportError {
    const index = typeof error.column === "number" ? error.column : undefined;
    const column =
      index === undefined
        ? undefined
        : this.#headerRecord?.[index]?.trim() || `Column ${index + 1}`;
    const where = column ? `row ${row}, column "${column}"` : `row ${row}`;
    const size = this.#maxRecordBytes().toLocaleString("en-US");
    // csv-parse keeps its parse state on the stream (not in its types): `quoting` is true inside "…".
    const state = (this.#parser as unknown as { state?: { quoting?: boolean } } | undefined)?.state;
    if (state?.quoting === true) {
      return new CsvImportError(
        "malformed",
        `A value on ${where} opens with a quote (") that is not closed within ${size} bytes: add the closing quote, or remove the opening one.`,
        { row, column, cause: error },
      );
    }
    return new CsvImportError(
      "field_too_long",
      `A value on ${where} is too long: the row passes ${size} bytes there, and a value may hold at most ${this.#limits.maxFieldLength.toLocaleString("en-US")} characters. Shorten it, or check that the file really is a CSV.`,
      { row, column, cause: error },
    );
  }

  #maxRecordBytes(): number {
    return Math.max(65_536, this.#limits.maxFieldLength * this.#limits.maxColumns);
  }

  #parseError(error: unknown): Error {
    if (error instanceof CsvImportError) return error;
    const row = this.#parsed + 1;
    const code = (error as Partial<CsvError>).code;
    if (code === "CSV_MAX_RECORD_SIZE") return this.#recordTooLong(error as CsvError, row);
    if (code === "CSV_QUOTE_NOT_CLOSED") {
      return new CsvImportError(
        "malformed",
        `A value on row ${row} opens with a quote (") that is never closed: add the closing quote.`,
        { row, cause: error },
      );
    }
    if (code === "CSV_INVALID_CLOSING_QUOTE") {
      return new CsvImportError(
        "malformed",
        `Row ${row} has text right after a closing quote: inside a quoted value write a quote as two quotes ("").`,
        { row, cause: error },
      );
    }
    return new CsvImportError(
      "malformed",
      `Row ${row} could not be read as CSV (${(error as Error).message}).`,
      {
        row,
        cause: error,
      },
    );
  }
}
