/**
 * Writes an imported dataset's table back out as CSV, for downloads.
 *
 * @module
 */
import type { Dataset } from "../records/mod.ts";

/**
 * The table as RFC 4180 CSV with a header line, comma-delimited, CRLF line
 * ends; empty cells for null. Cells that would be read as formulas (CSV
 * injection) are prefixed with `'`; numbers such as `-3.2` are kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { toCsv } from "./_csv.ts";
 * const csv = toCsv({ columns: [{ name: "a", type: "string" }], rows: [{ a: "x,y" }], delimiter: "," });
 * assert.ok(csv === 'a\r\n"x,y"\r\n');
 * const risky = toCsv({ columns: [{ name: "a", type: "string" }], rows: [{ a: "=1+1" }, { a: "-3.2" }], delimiter: "," });
 * assert.equal(risky, `a\r\n"'=1+1"\r\n-3.2\r\n`);
 * ```
 */
export function toCsv(table: NonNullable<Dataset["table"]>): string {
  const names = table.columns.map((column) => column.name);
  const lines = [names.map(cell).join(",")];
  for (const row of table.rows) {
    lines.push(
      names.map((name) => cell(Object.hasOwn(row, name) ? row[name] : undefined)).join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

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
