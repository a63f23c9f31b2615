/**
 * Cut-and-stack order. With `perSheet` positions and S sheets, position p of sheet s carries card
 * p * S + s. Cut the whole stack once and pile p holds cards p*S … p*S+S-1 in order (sheet 1 on
 * top), so the piles laid end to end give the batch's own (presort) order back. The last piles
 * are short (blank cells on the last sheets) when the cards do not fill every position.
 */
export interface CutStack {
  sheets: number;
  perSheet: number;
  cards: number;
  /** The 0-based card at a 0-based sheet and position, or null for a blank cell. */
  cardAt(sheet: number, position: number): number | null;
  /** Where a 0-based card goes: 0-based sheet and position. */
  placeOf(card: number): { sheet: number; position: number };
}

export function cutStackOrder(cards: number, perSheet: number): CutStack {
  if (!Number.isInteger(perSheet) || perSheet < 1) throw new Error("perSheet must be >= 1");
  if (!Number.isInteger(cards) || cards < 0) throw new Error("cards must be >= 0");
  const sheets = Math.ceil(cards / perSheet);
  return {
    sheets,
    perSheet,
    cards,
    cardAt(sheet, position) {
      const i = position * sheets + sheet;
      return sheet < sheets && position < perSheet && i < cards ? i : null;
    },
    placeOf(card) {
      if (card < 0 || card >= cards) throw new Error(`no card ${card}`);
      return { sheet: card % sheets, position: Math.floor(card / sheets) };
    },
  };
}
