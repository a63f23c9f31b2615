import { isAscii, isUtf8 } from "node:buffer";
import iconv from "iconv-lite";
import { CsvImportError } from "./import-error.ts";

export type SourceEncoding = "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";

/** Bytes looked at before deciding the encoding: enough for the header and many rows. */
const SNIFF_BYTES = 64 * 1024;

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Mutable so the caller can read the decision once the first bytes have been seen. */
export interface DecodeState {
  encoding: SourceEncoding;
  /** True while every byte so far was ASCII: still valid as UTF-8 and as Windows-1252. */
  undecided: boolean;
  bytesIn: number;
}

/**
 * Turns raw upload chunks into UTF-8 chunks, whatever the file was saved as. UTF-8 input passes
 * through untouched (no decode/encode round trip). Chunks may split a character anywhere: an
 * incomplete UTF-8 sequence is carried into the next chunk, and the UTF-16 decoder keeps its own carry.
 */
export async function* toUtf8(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  state: DecodeState,
  maxBytes: number,
): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const count = (chunk: Buffer): Buffer => {
    state.bytesIn += chunk.length;
    if (state.bytesIn > maxBytes) {
      throw new CsvImportError(
        "too_large",
        `The file is larger than ${formatBytes(maxBytes)}: split it into smaller files.`,
      );
    }
    return chunk;
  };
  try {
    // Gather the first bytes: a BOM or a non-ASCII byte decides the encoding.
    const head: Buffer[] = [];
    let headLength = 0;
    let ended = false;
    while (headLength < SNIFF_BYTES) {
      const next = await it.next();
      if (next.done) {
        ended = true;
        break;
      }
      const chunk = count(asBuffer(next.value));
      head.push(chunk);
      headLength += chunk.length;
    }
    const first = Buffer.concat(head, headLength);
    refuseNonCsv(first);
    const detected = detectEncoding(first);
    state.encoding = detected.encoding;
    state.undecided = detected.undecided;

    const rest = async function* (): AsyncGenerator<Buffer> {
      if (!ended) {
        for (let next = await it.next(); !next.done; next = await it.next()) {
          yield count(asBuffer(next.value));
        }
      }
    };

    if (state.encoding === "utf-8") {
      yield* passUtf8(first.subarray(detected.bomLength), rest(), state);
    } else {
      // Single-byte and UTF-16 decoders keep state across chunks; iconv strips the UTF-16 BOM.
      const decoder = iconv.getDecoder(
        state.encoding === "windows-1252" ? "win1252" : state.encoding,
      );
      const text = decoder.write(first);
      if (text) yield Buffer.from(text, "utf8");
      for await (const chunk of rest()) {
        const more = decoder.write(chunk);
        if (more) yield Buffer.from(more, "utf8");
      }
      const tail = decoder.end();
      if (tail) yield Buffer.from(tail, "utf8");
    }
  } finally {
    // Releases a Node stream (its iterator destroys it) when the consumer stops early.
    await it.return?.();
  }
}

/**
 * Validates UTF-8 chunk by chunk. While the file is still all-ASCII, the first non-ASCII run that is
 * not valid UTF-8 switches the rest of the file to Windows-1252 (lossless: ASCII reads the same).
 */
async function* passUtf8(
  first: Buffer,
  rest: AsyncIterable<Buffer>,
  state: DecodeState,
): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  let cp1252: ReturnType<typeof iconv.getDecoder> | undefined;
  const take = (chunk: Buffer, final: boolean): Buffer | undefined => {
    if (cp1252) return Buffer.from(cp1252.write(chunk), "utf8");
    const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const cut = final ? data.length : completeLength(data);
    const body = data.subarray(0, cut);
    carry = data.subarray(cut);
    if (isAscii(body)) return body;
    if (isUtf8(body)) {
      state.undecided = false;
      return body;
    }
    if (state.undecided) {
      state.undecided = false;
      state.encoding = "windows-1252";
      cp1252 = iconv.getDecoder("win1252");
      const text = cp1252.write(Buffer.concat([body, carry]));
      carry = Buffer.alloc(0);
      return Buffer.from(text, "utf8");
    }
    throw new CsvImportError(
      "malformed",
      `The file is not valid UTF-8 after byte ${state.bytesIn - chunk.length}: it mixes encodings. Open it in Excel and save it again as "CSV UTF-8".`,
    );
  };
  const out = take(first, false);
  if (out?.length) yield out;
  for await (const chunk of rest) {
    const body = take(chunk, false);
    if (body?.length) yield body;
  }
  if (carry.length) {
    const body = take(Buffer.alloc(0), true);
    if (body?.length) yield body;
  }
}

/** Length of `data` without a trailing UTF-8 sequence that the next chunk completes. */
export function completeLength(data: Buffer): number {
  const n = data.length;
  for (let back = 1; back <= 4 && back <= n; back++) {
    const b = data[n - back] as number;
    if (b < 0x80) return n; // ASCII: nothing pending
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return need > back ? n - back : n;
    }
  }
  return n; // stray continuation bytes: let validation reject them
}

function detectEncoding(head: Buffer): {
  encoding: SourceEncoding;
  undecided: boolean;
  bomLength: number;
} {
  if (head.subarray(0, 3).equals(UTF8_BOM))
    return { encoding: "utf-8", undecided: false, bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe)
    return { encoding: "utf-16le", undecided: false, bomLength: 0 };
  if (head[0] === 0xfe && head[1] === 0xff)
    return { encoding: "utf-16be", undecided: false, bomLength: 0 };
  const bomless16 = utf16WithoutBom(head);
  if (bomless16) return { encoding: bomless16, undecided: false, bomLength: 0 };
  if (isAscii(head)) return { encoding: "utf-8", undecided: true, bomLength: 0 };
  if (isUtf8(head.subarray(0, completeLength(head))))
    return { encoding: "utf-8", undecided: false, bomLength: 0 };
  return { encoding: "windows-1252", undecided: false, bomLength: 0 };
}

/** UTF-16 saved without a BOM shows as NUL bytes in every other position of Latin text. */
function utf16WithoutBom(head: Buffer): SourceEncoding | undefined {
  const n = Math.min(head.length, 4096) & ~1;
  if (n < 4) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenZero++;
    if (head[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero > pairs * 0.6 && evenZero === 0) return "utf-16le";
  if (evenZero > pairs * 0.6 && oddZero === 0) return "utf-16be";
  return undefined;
}

/** Workbooks and other binaries are common wrong uploads; say what to do instead of parsing noise. */
function refuseNonCsv(head: Buffer): void {
  if (head.length === 0) return;
  const zip = head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  const ole = head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0;
  if (zip || ole) {
    throw new CsvImportError(
      "malformed",
      'This is an Excel workbook, not a CSV file: in Excel choose File > Save As > "CSV UTF-8 (Comma delimited)" and upload that.',
    );
  }
}

function asBuffer(chunk: Buffer | Uint8Array | string): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.round(n / 1024)} KB`;
}
