/**
 * The header row alone, read and mapped as an import would map it, before anything is imported:
 * what the console shows a person so they can correct the mapping. It stops at the header row
 * (the rest of the file is never read) and, unlike an import, does not refuse a file without a
 * name or address column: that is exactly when the person needs to map one.
 */
import { type DecodeState, toUtf8 } from "./decode.ts";
import { describeTarget, planHeaders } from "./header-map.ts";
import { CsvImportError } from "./import-error.ts";
import { RecordReader } from "./record-reader.ts";
import { DEFAULT_LIMITS, type HeaderReport, type ImportLimits, RECIPIENT_FIELDS } from "./types.ts";

/**
 * Every value a column's mapping may take besides `custom:<key>` and `ignore`: the recipient
 * fields, and a PO box beside the street lines (header-map.ts accepts it too).
 */
export const MAPPABLE_FIELDS = RECIPIENT_FIELDS.flatMap((f) =>
  f === "line2" ? [f, "poBox" as const] : [f],
);

export async function guessColumns(
  input: AsyncIterable<Buffer> | NodeJS.ReadableStream,
  limits: Partial<ImportLimits> = {},
): Promise<HeaderReport> {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  const decode: DecodeState = { encoding: "utf-8", undecided: true, bytesIn: 0 };
  const reader = new RecordReader(
    toUtf8(input as AsyncIterable<Buffer | string>, decode, resolved.maxBytes),
    resolved,
  );
  try {
    let record: string[] | undefined;
    for (;;) {
      record = reader.take();
      if (record === undefined) {
        if (reader.ended)
          throw new CsvImportError(
            "empty",
            "The file is empty: it needs a header row (First Name, Last Name, Address, City, State, Zip…) and one row per recipient.",
          );
        await reader.pull();
      } else if (record.some((v) => v.trim() !== "")) break;
    }
    const headers = record.map((h) =>
      h
        .replace(/^\uFEFF/, "")
        .normalize("NFC")
        .trim(),
    );
    if (headers.length > resolved.maxColumns)
      throw new CsvImportError(
        "too_many_columns",
        `The header has ${headers.length} columns; at most ${resolved.maxColumns} are accepted. Delete the columns the cards do not need.`,
        { row: reader.row },
      );
    const nul = headers.findIndex((h) => h.includes("\0"));
    if (nul >= 0)
      throw new CsvImportError(
        "malformed",
        `Column ${nul + 1} of the header row contains a NUL character (an invisible byte 0x00, often left by a damaged export): delete it, or export the file again as "CSV UTF-8".`,
        { row: reader.row, column: `Column ${nul + 1}` },
      );
    const plan = planHeaders(headers, new Map());
    return {
      columns: headers.map((header, i) => ({
        header,
        field: describeTarget(plan.targets[i] ?? { kind: "ignore" }),
      })),
      delimiter: reader.delimiter,
      encoding: decode.encoding,
    };
  } finally {
    await reader.close();
  }
}
