/**
 * Parsing of instrument CSV exports into typed tables. Tokenising is done by
 * papaparse; this module adds delimiter detection (decimal-comma aware), strict
 * shape checks with line and column positions, and column type inference.
 *
 * @module
 */
import papaparse from "papaparse";
import { LabosError, quote } from "../errors.ts";

// Typed here for the calls used: @types/papaparse pulls @types/node into every type check.
interface PapaError {
  code: string;
  message: string;
  index?: number;
}
interface PapaConfig {
  delimiter: string;
  newline: "\n";
  quoteChar?: string;
  escapeChar?: string;
  preview?: number;
  step?: (result: { data: string[]; errors: PapaError[]; meta: { cursor: number } }) => void;
}
const Papa = papaparse as {
  parse(input: string, config: PapaConfig): { data: string[][]; errors: PapaError[] };
};

/** A column of a parsed table. */
export interface CsvColumn {
  /** The trimmed header, without a unit written at its end (see {@linkcode headerUnit}). */
  name: string;
  /** The type inferred from every non-empty cell. */
  type: "number" | "integer" | "boolean" | "date" | "string";
  /**
   * The unit given in {@linkcode CsvParseOptions.units}, else as written
   * in the header (`min` for `time (min)`), not yet checked.
   */
  unit?: string;
  /** The trimmed header as written, when a unit was taken from its end. */
  header?: string;
}

/** A typed table parsed from CSV text, column by column. */
export interface ParsedTable {
  /** The columns, in file order. */
  columns: CsvColumn[];
  /**
   * One array of cells per column, in the order of `columns`. Numbers and
   * integers are numbers, booleans are booleans, dates stay ISO 8601
   * strings, empty cells are `null`.
   */
  values: Array<Array<number | boolean | string | null>>;
  /** The delimiter used, given or detected. */
  delimiter: string;
  /** The number of data rows. */
  rowCount: number;
  /**
   * Where data rows stop following the header line by line (blank lines,
   * a `sep=` line, quoted line breaks): `[row, line]` pairs, see
   * `csvLineOf` in the records. Absent when row `r` is on line `r + 2`.
   */
  lineJumps?: Array<[number, number]>;
}

/** Options for {@linkcode parseCsv}. */
export interface CsvParseOptions {
  /** The field delimiter, one character; by default detected among `,` `;` tab `|`. */
  delimiter?: string;
  /** Read `1,5` as 1.5 (and `.` is then not a decimal point). Default false. */
  decimalComma?: boolean;
  /**
   * Units by column name or by header as written; every key must name a
   * column. A unit given here replaces one written in the header.
   */
  units?: Record<string, string>;
  /** The most data rows accepted; default 1,000,000. */
  maxRows?: number;
  /** The most columns accepted; default 1,000. */
  maxColumns?: number;
  /** The most cells (columns × data rows) accepted; default 20,000,000. */
  maxCells?: number;
}

/**
 * A table past {@linkcode CsvParseOptions.maxCells}: thrown as soon as the
 * limit is passed, so that the caller can name the file.
 */
export class CsvCellLimitError extends LabosError {
  /** The limit passed. */
  readonly limit: number;
  /** The number of columns. */
  readonly columns: number;
  /** Where the limit was passed: `line N`. */
  readonly where: string;

  /** An error for a table of `columns` columns past `limit` cells at `where`. */
  constructor(where: string, options: { limit: number; columns: number }) {
    super(
      "invalid",
      `Cannot parse CSV: ${where}: the table has more than ${options.limit} cells; the limit is ${options.limit}`,
    );
    this.limit = options.limit;
    this.where = where;
    this.columns = options.columns;
  }
}

/** The delimiters that {@linkcode parseCsv} detects, in order of preference. */
export const CSV_DELIMITERS: readonly string[] = [",", ";", "\t", "|"];

const DEFAULT_MAX_ROWS = 1_000_000;
const DEFAULT_MAX_COLUMNS = 1_000;
/** The default most cells of a table: see {@linkcode CsvParseOptions.maxCells}. */
export const DEFAULT_MAX_CELLS = 20_000_000;
const SAMPLE_ROWS = 50;

/**
 * Parses CSV text whose first non-blank line is the header. Blank lines are
 * skipped; quoted fields may hold delimiters, doubled quotes and line breaks
 * (which come back as `\n`). String cells are kept exactly as written; other
 * types are read from the trimmed cell. Integers with leading zeros (`007`)
 * are kept as strings, as they are usually identifiers.
 *
 * A unit written at the end of a header (`time (min)`, `conc [mM]`) is split
 * off the column's name as written, see {@linkcode headerUnit}.
 *
 * @throws {LabosError} `invalid`, naming the line (and column) of a malformed
 * file, an empty or duplicate header (after units are split off), a size limit, or a unit for an unknown
 * column.
 *
 * @example European instrument export
 * ```ts
 * import { parseCsv } from "./csv.ts";
 * import assert from "node:assert";
 * const table = parseCsv("time_s;absorbance\n0;1,250\n60;1,102\n", {
 *   decimalComma: true,
 *   units: { time_s: "s" },
 * });
 * assert.strictEqual(table.delimiter, ";");
 * assert.ok(table.columns[0].type === "integer" && table.columns[0].unit === "s");
 * assert.strictEqual(table.values[1][1], 1.102);
 * ```
 */
export function parseCsv(text: string, options: CsvParseOptions = {}): ParsedTable {
  if (typeof text !== "string") {
    throw new LabosError("invalid", `Cannot parse CSV: expected text, got ${quote(typeof text)}`);
  }
  const decimalComma = options.decimalComma ?? false;
  const maxRows = limit("maxRows", options.maxRows ?? DEFAULT_MAX_ROWS);
  const maxColumns = limit("maxColumns", options.maxColumns ?? DEFAULT_MAX_COLUMNS);
  const maxCells = limit("maxCells", options.maxCells ?? DEFAULT_MAX_CELLS);
  let source = normaliseLineBreaks(text.startsWith("\uFEFF") ? text.slice(1) : text);
  const lines = new LineIndex(source);
  let start = 0;
  let delimiter = options.delimiter === undefined ? undefined : checkDelimiter(options.delimiter);
  // Excel writes a "sep=;" first line to name the delimiter.
  const hint = /^sep=([^\n"])\n/.exec(source);
  if (hint) {
    delimiter ??= hint[1];
    start = hint[0].length;
  }
  if (source.slice(start).trim() === "") fail(lines.line(start), "the file is empty");
  source = source.slice(start);
  delimiter ??= detectDelimiter(source, decimalComma);

  const { header, cells, rowCount, lineJumps } = readColumns(source, {
    delimiter,
    lines,
    offset: start,
    maxRows,
    maxColumns,
    maxCells,
  });
  const names = checkHeader(header, lines.line(start + header.offset));
  if (rowCount === 0) {
    fail(lines.line(start + header.offset), "the header has no data rows after it");
  }

  const columns: CsvColumn[] = names.map((written, index) => {
    const split = headerUnit(written);
    return {
      name: split?.name ?? written,
      type: inferType(cells[index], decimalComma),
      ...(split ? { unit: split.unit, header: written } : {}),
    };
  });
  applyUnits(columns, options.units);
  const values = columns.map((column, index) =>
    convertColumn(cells[index], converter(column.type, decimalComma))
  );
  return {
    columns,
    values,
    delimiter,
    rowCount,
    ...(lineJumps.length > 0 ? { lineJumps } : {}),
  };
}

interface CsvRecord {
  fields: string[];
  /** Character offset of the record's first character in the parsed text. */
  offset: number;
}

/** Maps character offsets to 1-based line and column numbers. */
class LineIndex {
  readonly #source: string;
  readonly #starts: number[] = [0];

  constructor(source: string) {
    this.#source = source;
    for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) {
      this.#starts.push(i + 1);
    }
  }

  /** How many lines the text has: at least as many as its records. */
  get count(): number {
    return this.#starts.length;
  }

  /** `line N` for a character offset. */
  line(offset: number): string {
    return `line ${this.number(offset)}`;
  }

  /** The 1-based line number of a character offset. */
  number(offset: number): number {
    return this.#lineIndex(offset) + 1;
  }

  /** `line N, column M` for a character offset. */
  lineAndColumn(offset: number): string {
    const index = this.#lineIndex(offset);
    // Columns count characters as people see them, so a surrogate pair is one.
    const column = Array.from(this.#source.slice(this.#starts[index], offset)).length + 1;
    return `line ${index + 1}, column ${column}`;
  }

  #lineIndex(offset: number): number {
    let low = 0;
    let high = this.#starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.#starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

function fail(where: string, problem: string): never {
  throw new LabosError("invalid", `Cannot parse CSV: ${where}: ${problem}`);
}

function limit(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new LabosError(
      "invalid",
      `CSV option ${name} must be a positive integer, got ${quote(value)}`,
    );
  }
  return value;
}

function checkDelimiter(delimiter: string): string {
  if (
    typeof delimiter !== "string" || Array.from(delimiter).length !== 1 || /["\r\n]/.test(delimiter)
  ) {
    throw new LabosError(
      "invalid",
      `CSV delimiter must be one character other than a quote or line break, got ${
        quote(delimiter)
      }`,
    );
  }
  return delimiter;
}

// Papaparse splits records on one newline sequence, so CRLF (Windows) and lone
// CR (classic Mac OS) files are brought to LF. Line numbers are unchanged.
function normaliseLineBreaks(text: string): string {
  if (text.includes("\n")) return text.includes("\r\n") ? text.replace(/\r\n/g, "\n") : text;
  return text.includes("\r") ? text.replace(/\r/g, "\n") : text;
}

function isBlank(fields: string[]): boolean {
  return fields.length === 1 && fields[0].trim() === "";
}

// The delimiter that splits the first rows into the most columns, consistently. With
// decimal commas, "1,5;2,3" must not be read as comma-separated, so a comma only
// competes when the file quotes its fields.
function detectDelimiter(source: string, decimalComma: boolean): string {
  const candidates = CSV_DELIMITERS.filter((d) =>
    d !== "," || !decimalComma || source.includes('"')
  );
  let best: { delimiter: string; columns: number; consistent: boolean } | undefined;
  for (const delimiter of candidates) {
    const sample = Papa.parse(source, { delimiter, newline: "\n", preview: SAMPLE_ROWS });
    const rows = sample.data.filter((fields) => !isBlank(fields));
    if (rows.length === 0) continue;
    const columns = rows[0].length;
    const consistent = sample.errors.length === 0 && rows.every((r) => r.length === columns);
    if (columns < 2) continue;
    if (
      !best || (consistent && !best.consistent) ||
      (consistent === best.consistent && columns > best.columns)
    ) {
      best = { delimiter, columns, consistent };
    }
  }
  return best?.delimiter ?? (decimalComma ? ";" : ",");
}

// Cells go straight into one array per column: no object or array per row survives parsing.
function readColumns(
  source: string,
  options: {
    delimiter: string;
    lines: LineIndex;
    offset: number;
    maxRows: number;
    maxColumns: number;
    maxCells: number;
  },
): { header: CsvRecord; cells: string[][]; rowCount: number; lineJumps: Array<[number, number]> } {
  const { lines, offset } = options;
  const lineJumps: Array<[number, number]> = [];
  let expectedLine = 2;
  let header: CsvRecord | undefined;
  let cells: string[][] = [];
  // Sized once from the line count (an upper bound on rows): growing millions of cells by push is slow.
  const capacity = Math.min(lines.count, options.maxRows);
  let rowCount = 0;
  let cursor = 0;
  Papa.parse(source, {
    delimiter: options.delimiter,
    newline: "\n",
    quoteChar: '"',
    escapeChar: '"',
    step(result) {
      const start = cursor;
      cursor = result.meta.cursor;
      const error = result.errors[0];
      if (error) quoteError(source, { error, lines, offset });
      const fields = result.data;
      if (isBlank(fields) && source.slice(start, cursor).trim() === "") return;
      if (header === undefined) {
        if (fields.length > options.maxColumns) {
          fail(
            lines.line(offset + start),
            `the header has ${fields.length} columns; the limit is ${options.maxColumns}`,
          );
        }
        header = { fields, offset: start };
        cells = fields.map(() => new Array<string>(capacity));
        return;
      }
      const expected = header.fields.length;
      if (fields.length !== expected) {
        fail(lines.line(offset + start), `expected ${expected} fields, found ${fields.length}`);
      }
      if (rowCount >= options.maxRows) {
        fail(lines.line(offset + start), `too many data rows; the limit is ${options.maxRows}`);
      }
      if ((rowCount + 1) * expected > options.maxCells) {
        throw new CsvCellLimitError(lines.line(offset + start), {
          limit: options.maxCells,
          columns: expected,
        });
      }
      for (let i = 0; i < expected; i++) cells[i][rowCount] = fields[i];
      const line = lines.number(offset + start);
      if (line !== expectedLine) lineJumps.push([rowCount, line]);
      expectedLine = line + 1;
      rowCount++;
    },
  });
  if (header === undefined) fail(lines.line(offset), "the file is empty");
  for (const column of cells) column.length = rowCount;
  return { header, cells, rowCount, lineJumps };
}

function quoteError(
  source: string,
  context: { error: PapaError; lines: LineIndex; offset: number },
): never {
  const { error, lines, offset } = context;
  // papaparse reports the index just after the opening quote.
  const index = error.index ?? 0;
  const open = source[index - 1] === '"' ? index - 1 : index;
  if (error.code === "InvalidQuotes") {
    let i = open + 1;
    for (;;) {
      const close = source.indexOf('"', i);
      if (close === -1 || source[close + 1] !== '"') {
        i = close === -1 ? source.length : close + 1;
        break;
      }
      i = close + 2;
    }
    while (source[i] === " " || source[i] === "\t") i++;
    const code = source.codePointAt(i);
    const found = code === undefined ? "" : String.fromCodePoint(code);
    fail(
      lines.lineAndColumn(offset + i),
      `a quoted field must end at a delimiter or line break, found ${
        quote(found)
      } after its closing quote`,
    );
  }
  const where = lines.lineAndColumn(offset + open);
  if (error.code === "MissingQuotes") fail(where, "unterminated quoted field");
  fail(where, error.message.toLowerCase());
}

function checkHeader(header: CsvRecord, where: string): string[] {
  const names = header.fields.map((name) => name.trim());
  const seen = new Map<string, number>();
  names.forEach((written, index) => {
    if (written === "") fail(where, `column ${index + 1} has an empty name`);
    const name = headerUnit(written)?.name ?? written;
    const first = seen.get(name);
    if (first !== undefined) {
      fail(
        where,
        `${columnLabel(names, index)} repeats the name ${quote(name)} of ${
          columnLabel(names, first)
        }`,
      );
    }
    seen.set(name, index);
  });
  return names;
}

// `column N`, with the header as written when a unit was split off it.
function columnLabel(names: string[], index: number): string {
  const written = names[index];
  return headerUnit(written) ? `column ${index + 1} ${quote(written)}` : `column ${index + 1}`;
}

/**
 * Splits a unit written at the end of a header in parentheses or square
 * brackets: `time (min)` is the column `time` in `min`. A group that starts
 * with a number, such as `Absorbance (590 nm)`, describes the column rather
 * than giving the unit of its values, so it stays part of the name.
 *
 * @example
 * ```ts
 * import { headerUnit } from "./csv.ts";
 * import assert from "node:assert";
 * assert.deepStrictEqual(headerUnit("conc [mM]"), { name: "conc", unit: "mM" });
 * assert.strictEqual(headerUnit("Absorbance (590 nm)"), undefined);
 * assert.strictEqual(headerUnit("time_s"), undefined);
 * ```
 */
export function headerUnit(header: string): { name: string; unit: string } | undefined {
  const text = header.trim();
  const close = text.at(-1);
  if (close !== ")" && close !== "]") return undefined;
  const open = close === ")" ? "(" : "[";
  let depth = 0;
  let i = text.length - 1;
  for (; i >= 0; i--) {
    if (text[i] === close) depth++;
    else if (text[i] === open && --depth === 0) break;
  }
  if (i <= 0) return undefined;
  const name = text.slice(0, i).trim();
  const unit = text.slice(i + 1, -1).trim();
  if (name === "" || unit === "" || /^[+-]?\.?\d/.test(unit)) return undefined;
  return { name, unit };
}

function applyUnits(columns: CsvColumn[], units: Record<string, string> | undefined): void {
  if (units === undefined) return;
  const byName = new Map(columns.map((c) => [c.name, c]));
  for (const column of columns) {
    if (column.header !== undefined && !byName.has(column.header)) {
      byName.set(column.header, column);
    }
  }
  for (const [name, unit] of Object.entries(units)) {
    const column = byName.get(name);
    if (!column) {
      throw new LabosError(
        "invalid",
        `Unit given for unknown column ${quote(name)}: the columns are ${
          columns.map((c) => quote(c.name)).join(", ")
        }`,
      );
    }
    if (typeof unit !== "string" || unit.trim() === "") {
      throw new LabosError(
        "invalid",
        `Unit for column ${quote(name)} must be a non-empty string, got ${quote(unit)}`,
      );
    }
    column.unit = unit.trim();
  }
}

const NUMBER_DOT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NUMBER_COMMA = /^[+-]?(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const LEADING_ZERO = /^[+-]?0\d/;
const BOOLEAN = /^(?:true|false)$/i;
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:Z|[+-](\d{2})(?::?(\d{2}))?)?)?$/;

function toNumber(cell: string, decimalComma: boolean): number | undefined {
  if (!(decimalComma ? NUMBER_COMMA : NUMBER_DOT).test(cell) || LEADING_ZERO.test(cell)) {
    return undefined;
  }
  const value = Number(decimalComma ? cell.replace(",", ".") : cell);
  return Number.isFinite(value) ? value + 0 : undefined;
}

function isIsoDate(cell: string): boolean {
  const m = ISO_DATE.exec(cell);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return false;
  const within = (part: string | undefined, max: number) =>
    part === undefined || Number(part) <= max;
  return within(m[4], 23) && within(m[5], 59) && within(m[6], 59) && within(m[7], 23) &&
    within(m[8], 59);
}

function inferType(cells: string[], decimalComma: boolean): CsvColumn["type"] {
  let integer = true;
  let number = true;
  let boolean = true;
  let date = true;
  let any = false;
  for (const raw of cells) {
    if (raw === "") continue;
    const cell = raw.trim();
    if (cell === "") continue;
    any = true;
    if (number) {
      const value = toNumber(cell, decimalComma);
      if (value === undefined) number = integer = false;
      else if (integer && !(INTEGER.test(cell) && Number.isSafeInteger(value))) integer = false;
    }
    if (boolean && !BOOLEAN.test(cell)) boolean = false;
    if (date && !isIsoDate(cell)) date = false;
    if (!number && !boolean && !date) return "string";
  }
  if (!any) return "string";
  return integer ? "integer" : number ? "number" : boolean ? "boolean" : date ? "date" : "string";
}

// Converts in place: the raw strings are dropped as their cells are typed.
function convertColumn(
  cells: string[],
  convert: (cell: string) => number | boolean | string | null,
): Array<number | boolean | string | null> {
  const values = cells as Array<number | boolean | string | null>;
  for (let i = 0; i < cells.length; i++) {
    values[i] = cells[i] === "" ? null : convert(cells[i]);
  }
  return values;
}

function converter(
  type: CsvColumn["type"],
  decimalComma: boolean,
): (cell: string) => number | boolean | string | null {
  switch (type) {
    case "integer":
    case "number":
      return (cell) => cell.trim() === "" ? null : toNumber(cell.trim(), decimalComma)!;
    case "boolean":
      return (cell) => cell.trim() === "" ? null : cell.trim().toLowerCase() === "true";
    case "date":
      return (cell) => cell.trim() === "" ? null : cell.trim();
    default:
      return (cell) => cell.trim() === "" ? null : cell;
  }
}
