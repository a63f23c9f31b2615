/**
 * merged.csv, the household report of an import (the failures CSV's sibling): one line per row
 * that joined another row's card (its row and name, the card's row, name and recipient id), and
 * one per row left with a card of its own because its "household" was too large to be one.
 */
import { CsvReportFile } from "./report-file.ts";

export const MERGED_HEADER = ["Row", "Name", "Card row", "Card name", "Card recipient", "Note"];

export interface MergedLine {
  row: number | null;
  name: string;
  card?: { row: number | null; name: string; recipientId: string };
  note: string;
}

export class MergedFile extends CsvReportFile {
  constructor() {
    super(MERGED_HEADER, "merged");
  }

  add(line: MergedLine): void {
    this.addLine([
      line.row,
      line.name,
      line.card?.row,
      line.card?.name,
      line.card?.recipientId,
      line.note,
    ]);
  }
}
