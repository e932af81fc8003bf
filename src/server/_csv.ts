/**
 * Writes an imported dataset's table back out as CSV, for downloads.
 *
 * @module
 */
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
  const lines = [table.columns.map((column) => cell(column.name)).join(",")];
  for (let offset = 0; offset < table.rowCount; offset += ROWS_PER_CHUNK) {
    for (const row of tableRows(table, { offset, limit: ROWS_PER_CHUNK })) {
      lines.push(row.map(cell).join(","));
    }
  }
  return `${lines.join("\r\n")}\r\n`;
}

const ROWS_PER_CHUNK = 4096;

/** A number as a spreadsheet reads it, such as `-3.2`, `+4` or `1e-3`: never a formula. */
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * One CSV cell. A text cell a spreadsheet would read as a formula (starting
 * with `=`, `+`, `-`, `@`, tab or CR, and not a number) is neutralised as
 * OWASP recommends: prefixed with `'` and quoted.
 */
function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  const formula = /^[=+\-@\t\r]/.test(text) && !NUMBER.test(text);
  return formula || /[",\r\n]/.test(text) || /^\s|\s$/.test(text)
    ? `"${formula ? "'" : ""}${text.replaceAll('"', '""')}"`
    : text;
}
