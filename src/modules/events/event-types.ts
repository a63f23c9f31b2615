/**
 * The events cardmerge writes, and the patterns a webhook endpoint or a list may ask for: a type,
 * `*` (every type) or `<prefix>.*` (e.g. `batch.*`). Unknown names are refused, not ignored, so a
 * typo is found at subscription instead of as silence.
 */
export const EVENT_TYPES = {
  "import.completed": "A campaign's recipient import finished (the import report).",
  "contact_import.completed": "A contacts import finished (the import report).",
  "campaign.submitted": "A campaign left draft: its cards are frozen and it is scheduled.",
  "campaign.canceled": "A campaign was cancelled.",
  "campaign.ready": "Every card of a campaign has an outcome and at least one batch can print.",
  "campaign.failed": "A campaign ended without a printable batch.",
  "card.failed": "A card could not be rendered (its failure_reason says why).",
  "card.scanned": "Someone scanned a card's QR code (the card; its campaign counts the scans).",
  "batch.ready": "A print batch is assembled and can be downloaded.",
  "batch.failed": "A print batch could not be assembled.",
  "batch.acknowledged": "The vendor acknowledged a batch (downloaded, printed or mailed).",
  "automation.card_created": "An automation's daily run made a card for a contact.",
  "webhook_endpoint.disabled": "A webhook endpoint failed for three days and was disabled.",
} as const;

export type EventType = keyof typeof EVENT_TYPES;

const NAMES = Object.keys(EVENT_TYPES) as EventType[];
const PREFIXES = new Set(NAMES.map((t) => t.split(".")[0] as string));

/** Whether `pattern` is something a subscription or filter may name. */
export function isEventPattern(pattern: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return PREFIXES.has(pattern.slice(0, -2));
  return (NAMES as string[]).includes(pattern);
}

export function matchesEventType(pattern: string, type: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/** What a key with only the batches scope (a vendor's) may see and subscribe to. */
export const isBatchPattern = (pattern: string) =>
  pattern === "batch.*" || (pattern.startsWith("batch.") && isEventPattern(pattern));

/** The list shown in error messages, so a caller can fix a name without the docs. */
export const eventPatternHelp = () =>
  `one of ${NAMES.join(", ")}, a prefix such as "batch.*", or "*"`;
