/**
 * The failures CSV of an import: one line per rejected or duplicate row with the reasons and the
 * row's original values, so the uploader can fix them in their spreadsheet and upload just those.
 */
import { CsvReportFile } from "./report-file.ts";

export class FailuresFile extends CsvReportFile {
  readonly #headers: string[];

  constructor(headers: string[]) {
    super(["Row", "Problems", ...headers], "failures");
    this.#headers = headers;
  }

  add(row: number, problems: string, values: Record<string, string>): void {
    this.addLine([row, problems, ...this.#headers.map((h) => values[h] ?? "")]);
  }
}
