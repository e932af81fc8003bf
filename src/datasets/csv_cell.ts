/**
 * Writing CSV: one cell, one record. Shared by the table downloads and the
 * gradebook export.
 *
 * @module
 */

/** A number as a spreadsheet reads it, such as `-3.2`, `+4` or `1e-3`: never a formula. */
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * One RFC 4180 CSV cell; empty for null. A text cell a spreadsheet would read
 * as a formula (starting with `=`, `+`, `-`, `@`, tab or CR, and not a
 * number) is neutralised as OWASP recommends: prefixed with `'` and quoted.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { csvCell } from "./csv_cell.ts";
 * assert.equal(csvCell('say "hi", then'), '"say ""hi"", then"');
 * assert.equal(csvCell("=HYPERLINK(1)"), `"'=HYPERLINK(1)"`);
 * assert.equal(csvCell(-3.2), "-3.2");
 * assert.equal(csvCell(null), "");
 * ```
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  const formula = /^[=+\-@\t\r]/.test(text) && !NUMBER.test(text);
  return formula || /[",\r\n]/.test(text) || /^\s|\s$/.test(text)
    ? `"${formula ? "'" : ""}${text.replaceAll('"', '""')}"`
    : text;
}

/**
 * One CSV record: the cells joined by commas, without the line end.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { csvRecord } from "./csv_cell.ts";
 * assert.equal(csvRecord(["a,b", 1, null, "@x"]), `"a,b",1,,"'@x"`);
 * ```
 */
export function csvRecord(values: readonly unknown[]): string {
  return values.map(csvCell).join(",");
}
