import { LabosError, quote } from "../errors.ts";
import type { Cell, Dataset, DatasetSummary, DatasetTable } from "./schemas.ts";

/**
 * The cells of one column, by name, in row order. The returned array is the
 * table's own: copy it before changing it.
 *
 * @throws {LabosError} `invalid` when the table has no such column, naming the columns it has.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableColumn } from "./table.ts";
 * const table = {
 *   columns: [{ name: "t", type: "integer" as const }, { name: "c", type: "number" as const }],
 *   rowCount: 2,
 *   values: [[0, 10], [1, null]],
 *   delimiter: ",",
 * };
 * assert.deepEqual(tableColumn(table, "c"), [1, null]);
 * assert.throws(() => tableColumn(table, "x"), /no column "x"/);
 * ```
 */
export function tableColumn(table: DatasetTable, name: string): Cell[] {
  const index = table.columns.findIndex((column) => column.name === name);
  if (index === -1) {
    throw new LabosError(
      "invalid",
      `The table has no column ${quote(name)}: its columns are ${
        table.columns.map((column) => quote(column.name)).join(", ")
      }`,
    );
  }
  return table.values[index];
}

/** Which rows {@linkcode tableRows} returns. */
export interface TableRowsOptions {
  /** The first row, from 0. Default: 0. */
  offset?: number;
  /** The most rows. Default: every row from `offset`. */
  limit?: number;
}

/**
 * Rows of a table for display: each an array of cells in column order.
 * Only the rows asked for are built.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableRows } from "./table.ts";
 * const table = {
 *   columns: [{ name: "t", type: "integer" as const }, { name: "c", type: "number" as const }],
 *   rowCount: 3,
 *   values: [[0, 10, 20], [1, null, 0.5]],
 *   delimiter: ",",
 * };
 * assert.deepEqual(tableRows(table, { offset: 1, limit: 1 }), [[10, null]]);
 * assert.equal(tableRows(table).length, 3);
 * ```
 */
export function tableRows(table: DatasetTable, options: TableRowsOptions = {}): Cell[][] {
  const start = Math.max(0, options.offset ?? 0);
  const end = Math.min(table.rowCount, start + (options.limit ?? table.rowCount));
  const rows: Cell[][] = [];
  for (let row = start; row < end; row++) rows.push(table.values.map((column) => column[row]));
  return rows;
}

/**
 * A dataset without its table's values: what lists show.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { datasetSummary } from "./table.ts";
 * const summary = datasetSummary({
 *   schemaVersion: 2, id: "ds_x", createdAt: "", updatedAt: "", createdBy: "ada",
 *   title: "t", kind: "imported", experimentId: null, parentIds: [],
 *   table: { columns: [], rowCount: 0, values: [], delimiter: "," },
 * });
 * assert.deepEqual(summary.table, { columns: [], rowCount: 0, delimiter: "," });
 * ```
 */
export function datasetSummary(dataset: Dataset): DatasetSummary {
  if (!dataset.table) return dataset;
  const { values: _values, ...table } = dataset.table;
  return { ...dataset, table };
}

/**
 * The CSV line of a data row (from 0) of an imported table: line `row + 2`
 * (the header is line 1) unless the table's `lineJumps` say otherwise
 * (blank lines, quoted line breaks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csvLineOf } from "./table.ts";
 * assert.equal(csvLineOf({}, 0), 2);
 * const table = { lineJumps: [[1, 4]] as Array<[number, number]> };
 * assert.equal(csvLineOf(table, 0), 2);
 * assert.equal(csvLineOf(table, 2), 5);
 * ```
 */
export function csvLineOf(
  table: { lineJumps?: ReadonlyArray<readonly [number, number]> },
  row: number,
): number {
  let line = row + 2;
  for (const [from, at] of table.lineJumps ?? []) {
    if (from > row) break;
    line = at + (row - from);
  }
  return line;
}

const DECIMAL_COMMA_CELL = /^\s*[-+]?\d+,\d+\s*$/;

/**
 * A one-line hint when a table imported without decimal commas has a text
 * column whose every cell looks like a decimal-comma number (`1,23`), as a
 * `;`-separated European export does; undefined otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decimalCommaHint } from "./table.ts";
 * const table = (cells: Array<string | null>) => ({
 *   columns: [{ name: "A", type: "string" as const }],
 *   values: [cells],
 *   delimiter: ";",
 * });
 * const hint = decimalCommaHint(table(["1,23", null, "0,98"]));
 * assert.equal(hint, 'the cells look like decimal commas ("1,23"); use --decimal-comma');
 * assert.equal(decimalCommaHint(table(["1,23", "water"])), undefined);
 * ```
 */
export function decimalCommaHint(
  table: Pick<DatasetTable, "columns" | "values" | "delimiter">,
): string | undefined {
  if (table.delimiter === ",") return undefined;
  for (const [index, column] of table.columns.entries()) {
    if (column.type !== "string") continue;
    const cells = table.values[index].filter((cell) => cell !== null);
    if (
      cells.length > 0 &&
      cells.every((cell) => typeof cell === "string" && DECIMAL_COMMA_CELL.test(cell))
    ) {
      return `the cells look like decimal commas (${
        quote(String(cells[0]).trim())
      }); use --decimal-comma`;
    }
  }
  return undefined;
}
