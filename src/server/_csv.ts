/**
 * Writes an imported dataset's table back out as CSV, for downloads.
 *
 * @module
 */
import { csvRecord } from "../datasets/csv_cell.ts";
import { type Dataset, tableRows } from "../records/mod.ts";

/**
 * The table as RFC 4180 CSV with a header line, comma-delimited, CRLF line
 * ends; empty cells for null. Cells that would be read as formulas (CSV
 * injection) are prefixed with `'`; numbers such as `-3.2` are kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { toCsv } from "./_csv.ts";
 * const column = [{ name: "a", type: "string" as const }];
 * const csv = toCsv({ columns: column, rowCount: 1, values: [["x,y"]], delimiter: "," });
 * assert.ok(csv === 'a\r\n"x,y"\r\n');
 * const risky = toCsv({ columns: column, rowCount: 2, values: [["=1+1", "-3.2"]], delimiter: "," });
 * assert.equal(risky, `a\r\n"'=1+1"\r\n-3.2\r\n`);
 * ```
 */
export function toCsv(table: NonNullable<Dataset["table"]>): string {
  const lines = [csvRecord(table.columns.map((column) => column.name))];
  for (let offset = 0; offset < table.rowCount; offset += ROWS_PER_CHUNK) {
    for (const row of tableRows(table, { offset, limit: ROWS_PER_CHUNK })) {
      lines.push(csvRecord(row));
    }
  }
  return `${lines.join("\r\n")}\r\n`;
}

const ROWS_PER_CHUNK = 4096;
