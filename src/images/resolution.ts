/**
 * Effective print resolution of a photo filling a slot. Pure arithmetic, for the API to warn at
 * upload; the renderer computes the placed resolution itself (DESIGN.md §3).
 */

/** At or above this a photo prints sharp. */
export const PRINT_PPI_TARGET = 300;
/** Below this a photo prints visibly soft or blocky: the warning becomes an error. */
export const PRINT_PPI_FLOOR = 150;

/** Where a photo is printed: the slot's size in inches, bleed included if it runs to the edge. */
export interface PrintSlot {
  widthIn: number;
  heightIn: number;
  /** How to name the slot to a person after "on", e.g. "the 5x7 card front". */
  label?: string;
}

export interface ResolutionIssue {
  /** "warning" under {@link PRINT_PPI_TARGET}, "error" under {@link PRINT_PPI_FLOOR}. */
  severity: "warning" | "error";
  /** Effective pixels per inch, rounded down. */
  ppi: number;
  message: string;
}

function assertPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
}

/**
 * Pixels per inch of a `widthPx` x `heightPx` photo scaled to cover a `slotWidthIn` x
 * `slotHeightIn` slot (as the renderer places it: fill, crop the overflow). Cover scaling makes
 * the tighter axis decide: min(px/in) over both axes. Not rounded.
 */
export function printPpi(
  widthPx: number,
  heightPx: number,
  slotWidthIn: number,
  slotHeightIn: number,
): number {
  assertPositive("widthPx", widthPx);
  assertPositive("heightPx", heightPx);
  assertPositive("slotWidthIn", slotWidthIn);
  assertPositive("slotHeightIn", slotHeightIn);
  return Math.min(widthPx / slotWidthIn, heightPx / slotHeightIn);
}

/**
 * A person-readable warning when a photo falls short of {@link PRINT_PPI_TARGET} in `slot`, or
 * undefined when it prints sharp. Example: "photo is 600x400 px: prints at 55 ppi on the 5x7 card
 * front, below the 150 ppi minimum; 300 ppi needs 1575x2175 px".
 */
export function resolutionWarning(
  widthPx: number,
  heightPx: number,
  slot: PrintSlot,
): ResolutionIssue | undefined {
  const exact = printPpi(widthPx, heightPx, slot.widthIn, slot.heightIn);
  if (exact >= PRINT_PPI_TARGET) return undefined;
  // Round down so a message never claims a resolution the photo does not reach.
  const ppi = Math.floor(exact);
  const severity = exact < PRINT_PPI_FLOOR ? "error" : "warning";
  const where = slot.label ?? `a ${slot.widthIn} x ${slot.heightIn} in slot`;
  const needW = Math.ceil(slot.widthIn * PRINT_PPI_TARGET);
  const needH = Math.ceil(slot.heightIn * PRINT_PPI_TARGET);
  const shortfall = severity === "error" ? `, below the ${PRINT_PPI_FLOOR} ppi minimum` : "";
  return {
    severity,
    ppi,
    message:
      `photo is ${widthPx}x${heightPx} px: prints at ${ppi} ppi on ${where}${shortfall}; ` +
      `${PRINT_PPI_TARGET} ppi needs ${needW}x${needH} px`,
  };
}
