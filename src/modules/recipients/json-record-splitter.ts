/**
 * Splits a streamed JSON recipient list into its records as the bytes arrive, so a body is never
 * parsed whole: `[{…}, {…}]` or `{"recipients": [{…}], "mapping": {…}}`. Only the structure is
 * scanned here (brackets, strings, commas); each record's bytes are handed out whole, to be parsed
 * on their own, so memory holds one record at a time and the limits are checked as bytes come.
 * Structural characters are ASCII, so scanning bytes is safe in UTF-8 text.
 */

import { CsvImportError } from "../../csv/index.ts";
import { AppError } from "../../errors.ts";

export interface SplitterLimits {
  /** Records in the list; one more is refused (413) as soon as it starts. */
  maxRecords: number;
  /** Bytes of one record, or of one other member's value in the object form. */
  maxRecordBytes: number;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const isBlank = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

type State =
  | "start" // before the top-level value
  | "name-or-end" // object form: a member name, or `}`
  | "name" // object form: a member name (after a comma)
  | "colon"
  | "list-open" // object form: `[` of the recipients list
  | "member-end" // object form: `,` or `}`
  | "item-or-end" // list: a record, or `]`
  | "item" // list: a record (after a comma)
  | "item-end" // list: `,` or `]`
  | "value" // inside a record, a member name or another member's value
  | "done";

/** What the value being scanned is. */
type ValueKind = "record" | "name" | "member";

const SHAPE = 'Send a JSON array of recipients, or {"recipients": [...]}';

export class JsonRecordSplitter {
  readonly #limits: SplitterLimits;
  #state: State = "start";
  /** The list is inside `{"recipients": …}`: its `]` returns to the object. */
  #wrapped = false;
  #sawList = false;
  #records = 0;
  /** The object form's member whose value is being read. */
  #member = "";
  /** Object-form members other than the list, parsed (the caller reads `mapping`). */
  readonly members = new Map<string, unknown>();

  // The value being scanned: its bytes so far, nesting and string state.
  #kind: ValueKind = "record";
  #parts: Buffer[] = [];
  #bytes = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #bare = false;

  constructor(limits: SplitterLimits) {
    this.#limits = limits;
  }

  /** Records started so far. */
  get records(): number {
    return this.#records;
  }

  /** The records `chunk` completes (with what earlier chunks left unfinished), as raw bytes. */
  write(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.#state === "value") {
        const end = this.#scan(chunk, i);
        this.#keep(chunk.subarray(i, end === -1 ? chunk.length : end));
        if (end === -1) break;
        i = end;
        this.#finishValue(out);
        continue;
      }
      const b = chunk[i] as number;
      // Blanks between tokens, and a UTF-8 byte order mark before the value.
      if (isBlank(b) || (this.#state === "start" && (b === 0xef || b === 0xbb || b === 0xbf))) i++;
      else i = this.#token(b, i);
    }
    return out;
  }

  /** The body ended: anything unfinished is a malformed body. */
  end(): void {
    if (this.#state === "start") throw shapeError(`The body is empty. ${SHAPE}.`);
    if (this.#state !== "done") {
      throw shapeError(
        `The JSON body ends in the middle of ${this.#records > 0 ? `recipient ${this.#records - 1}` : "the list"}: send the whole list.`,
      );
    }
    if (!this.#sawList) throw shapeError(`The body has no "recipients" list. ${SHAPE}.`);
  }

  /** One byte between values; answers where to go on. */
  #token(b: number, i: number): number {
    const state = this.#state;
    if (state === "start") {
      if (b === OPEN_BRACKET) this.#openList(false);
      else if (b === OPEN_BRACE) this.#state = "name-or-end";
      else throw shapeError(`${SHAPE}.`);
      return i + 1;
    }
    if (state === "name-or-end" || state === "name") {
      if (b === CLOSE_BRACE && state === "name-or-end") {
        this.#state = "done";
        return i + 1;
      }
      if (b !== QUOTE) throw shapeError("The JSON body is malformed: a member name was expected.");
      this.#startValue("name");
      return i;
    }
    if (state === "colon") {
      if (b !== COLON) throw shapeError("The JSON body is malformed: ':' was expected.");
      if (this.#member === "recipients") this.#state = "list-open";
      else this.#startValue("member");
      return i + 1;
    }
    if (state === "list-open") {
      if (b !== OPEN_BRACKET || this.#sawList) {
        throw shapeError(`"recipients" must be one list of recipients. ${SHAPE}.`);
      }
      this.#openList(true);
      return i + 1;
    }
    if (state === "member-end" || state === "item-end") {
      const close = state === "member-end" ? CLOSE_BRACE : CLOSE_BRACKET;
      if (b === COMMA) this.#state = state === "member-end" ? "name" : "item";
      else if (b === close) this.#close();
      else {
        throw shapeError(
          `The JSON body is malformed after ${state === "item-end" ? `recipient ${this.#records - 1}` : `"${this.#member}"`}: ',' or '${String.fromCharCode(close)}' was expected.`,
        );
      }
      return i + 1;
    }
    if (state === "item-or-end" || state === "item") {
      if (b === CLOSE_BRACKET && state === "item-or-end") {
        this.#close();
        return i + 1;
      }
      if (b !== OPEN_BRACE) {
        throw new AppError("validation", `Recipient ${this.#records} is not an object.`, {
          errors: [{ field: `body[${this.#records}]`, message: "expected an object" }],
        });
      }
      if (++this.#records > this.#limits.maxRecords) {
        throw new CsvImportError(
          "too_many_rows",
          `The list has more than ${this.#limits.maxRecords.toLocaleString("en-US")} recipients, the most one import takes: split it into several imports.`,
        );
      }
      this.#startValue("record");
      return i;
    }
    throw shapeError("The JSON body goes on after its end: send one list.");
  }

  #openList(wrapped: boolean): void {
    this.#wrapped = wrapped;
    this.#sawList = true;
    this.#state = "item-or-end";
  }

  /** A `]` or `}` of the structure. */
  #close(): void {
    if (this.#state === "member-end" || !this.#wrapped) this.#state = "done";
    else this.#state = "member-end"; // the list's `]` inside {"recipients": […]}
  }

  #startValue(kind: ValueKind): void {
    this.#kind = kind;
    this.#parts = [];
    this.#bytes = 0;
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
    this.#bare = false;
    this.#state = "value";
  }

  /**
   * Scans the value from `from`: answers the index just past its end, or -1 when the chunk ends
   * first. A bare value (number, true, null) ends before the byte after it.
   */
  #scan(chunk: Buffer, from: number): number {
    for (let i = from; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (b === BACKSLASH) this.#escaped = true;
        else if (b === QUOTE) {
          this.#inString = false;
          if (this.#depth === 0) return i + 1;
        }
      } else if (this.#bare) {
        if (isBlank(b) || b === COMMA || b === CLOSE_BRACE || b === CLOSE_BRACKET) return i;
      } else if (b === QUOTE) this.#inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.#depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        if (--this.#depth === 0) return i + 1;
        if (this.#depth < 0)
          throw shapeError("The JSON body is malformed: a bracket closes nothing.");
      } else if (this.#depth === 0 && !isBlank(b)) this.#bare = true;
    }
    return -1;
  }

  #keep(part: Buffer): void {
    if (part.length === 0) return;
    this.#bytes += part.length;
    if (this.#bytes > this.#limits.maxRecordBytes) {
      const what =
        this.#kind === "record" ? `Recipient ${this.#records - 1}` : "A member of the JSON body";
      throw new CsvImportError(
        "too_large",
        `${what} is over ${this.#limits.maxRecordBytes.toLocaleString("en-US")} bytes: a recipient's values may hold at most 1,000 characters each.`,
      );
    }
    this.#parts.push(part);
  }

  #finishValue(out: Buffer[]): void {
    const bytes =
      this.#parts.length === 1
        ? (this.#parts[0] as Buffer)
        : Buffer.concat(this.#parts, this.#bytes);
    this.#parts = [];
    if (this.#kind === "record") {
      out.push(bytes);
      this.#state = "item-end";
    } else if (this.#kind === "name") {
      this.#member = parseJson(bytes, "a member name") as string;
      this.#state = "colon";
    } else {
      this.members.set(this.#member, parseJson(bytes, `"${this.#member}"`));
      this.#state = "member-end";
    }
  }
}

/** JSON.parse, refusing with a message that does not quote the input (it may be a recipient's). */
export function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    throw shapeError(
      `The JSON body is malformed in ${what}: check its quotes, commas and brackets.`,
    );
  }
}

function shapeError(detail: string): AppError {
  return new AppError("validation", detail, { errors: [{ field: "body", message: detail }] });
}
