import type { HeaderReport, ImportOptions, RowOutcome } from "../../../src/csv/index.ts";
import { parseRecipients } from "../../../src/csv/index.ts";
import type { Recipient } from "../../../src/render/card-data.ts";
import { chunks } from "../../support/csv-fixtures.ts";

/** Runs a whole import and gathers what a caller would see. */
export async function runImport(
  input: Buffer | string | AsyncIterable<Buffer>,
  opts?: ImportOptions & { chunkSize?: number },
): Promise<{ header: HeaderReport; outcomes: RowOutcome[]; recipients: Recipient[] }> {
  const source =
    typeof input === "string"
      ? chunks(Buffer.from(input, "utf8"), opts?.chunkSize)
      : Buffer.isBuffer(input)
        ? chunks(input, opts?.chunkSize)
        : input;
  const { header, rows } = parseRecipients(source, opts);
  const outcomes: RowOutcome[] = [];
  for await (const outcome of rows) outcomes.push(outcome);
  const recipients = outcomes.flatMap((o) => (o.kind === "recipient" ? [o.recipient] : []));
  return { header: await header, outcomes, recipients };
}
