/** Delimiters people's spreadsheets write, in the order a tie is settled (rarest in header text first). */
const CANDIDATES = ["\t", ";", "|", ","] as const;
export type Delimiter = (typeof CANDIDATES)[number];

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Picks the delimiter from the header line: the candidate that occurs most often outside quotes.
 * Returns undefined while the header line is not complete yet (no unquoted line end in `bytes`)
 * unless `final` says no more bytes will come. Blank lines before the header are skipped.
 */
export function sniffDelimiter(bytes: Buffer, final: boolean): Delimiter | undefined {
  const counts = new Map<number, number>();
  let quoted = false;
  let started = false;
  let complete = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === QUOTE) {
      quoted = !quoted;
      started = true;
    } else if (!quoted && (b === CR || b === LF)) {
      if (started) {
        complete = true;
        break;
      }
    } else {
      started = true;
      if (!quoted) counts.set(b, (counts.get(b) ?? 0) + 1);
    }
  }
  if (!complete && !final) return undefined;
  let best: Delimiter = ",";
  let bestCount = 0;
  for (const d of CANDIDATES) {
    const n = counts.get(d.charCodeAt(0)) ?? 0;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}
