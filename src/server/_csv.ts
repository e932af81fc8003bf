/**
 * Writes an imported dataset's table back out as CSV, for downloads.
 *
 * @module
 */
import type { Dataset } from "../records/mod.ts";

/**
 * The table as RFC 4180 CSV with a header line, comma-delimited, CRLF line
 * ends; empty cells for null.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { toCsv } from "./_csv.ts";
 * const csv = toCsv({ columns: [{ name: "a", type: "string" }], rows: [{ a: "x,y" }], delimiter: "," });
 * assert.ok(csv === 'a\r\n"x,y"\r\n');
 * ```
 */
export function toCsv(table: NonNullable<Dataset["table"]>): string {
  const names = table.columns.map((column) => column.name);
  const lines = [names.map(cell).join(",")];
  for (const row of table.rows) lines.push(names.map((name) => cell(row[name])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
