import type { VerifyResult } from "../audit/mod.ts";
/** Where the CLI writes, and what it knows of its environment. */
export interface CliIo {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Environment variables. */
  env: Record<string, string | undefined>;
  /** The working directory. */
  cwd: string;
  /** Whether standard output is a terminal. */
  isTTY: boolean;
}

/** Styling that honours `NO_COLOR` and plain pipes. */
export interface Style {
  /** Bold text. */
  bold(text: string): string;
  /** Dimmed text. */
  dim(text: string): string;
  /** Success colour. */
  green(text: string): string;
  /** Failure colour. */
  red(text: string): string;
  /** Warning colour. */
  yellow(text: string): string;
}

/** Builds the styling for an output stream. */
export function makeStyle(io: CliIo): Style {
  let decided: boolean | undefined; // Decided on first use: most commands never style.
  function on(): boolean {
    decided ??= io.isTTY && io.env.NO_COLOR === undefined;
    return decided;
  }
  function wrap(open: number, close: number): (text: string) => string {
    return (text) => on() ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  }
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    green: wrap(32, 39),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
  };
}

/** Characters a terminal acts on rather than shows: C0, DEL, C1, line/paragraph separators and bidi controls. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, except the colour codes {@linkcode makeStyle} writes. */
const CONTROL_BUT_STYLE =
  // deno-lint-ignore no-control-regex
  /\x1b\[(?:1|2|22|31|32|33|39)m|[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = {
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
  "\v": "\\v",
  "\x1b": "\\e",
};

function escapeControl(char: string): string {
  if (Object.hasOwn(NAMED, char)) return NAMED[char];
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * Text from a record (a title, purpose, actor, reason…) as a terminal may
 * show it: escape codes, CR, backspace, newlines and other control
 * characters are shown escaped (`\e`, `\r`, `\b`, `\n`, `\x07`), so they
 * can neither move the cursor nor forge rows. The stored value is untouched.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { printable } from "./_format.ts";
 * assert.equal(printable("ok\r\x1b[2Kforged\n"), "ok\\r\\e[2Kforged\\n");
 * ```
 */
export function printable(text: string): string {
  return text.replace(CONTROL, escapeControl);
}

/**
 * Renders rows as an aligned text table with a header. Control characters in
 * cells are shown escaped ({@linkcode printable}); only the colour codes of
 * {@linkcode makeStyle} pass.
 */
export function table(headers: string[], rows: string[][]): string {
  rows = rows.map((row) =>
    row.map((cell) =>
      String(cell ?? "").replace(CONTROL_BUT_STYLE, (m) => m.length > 1 ? m : escapeControl(m))
    )
  );
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) => i === cells.length - 1 ? cell : cell.padEnd(widths[i])).join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") +
    "\n";
}

/** Pretty JSON with a trailing newline, for `--json`. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Cuts a string to a width, marking the cut. */
export function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** The most rows of a table {@linkcode describeValue} prints. */
export const SHOWN_ROWS = 50;

/** A module output cut to what {@linkcode describeValue} prints. */
export interface ValuePreview {
  /** The output, each top-level table cut to its first {@linkcode SHOWN_ROWS} rows. */
  value: unknown;
  /** How many rows were cut, by key. */
  more: Record<string, number>;
}

function isTable(item: unknown): item is Array<Record<string, unknown>> {
  if (!Array.isArray(item) || item.length === 0) return false;
  for (const row of item) if (!row || typeof row !== "object" || Array.isArray(row)) return false;
  return true;
}

/**
 * Cuts a module output to what {@linkcode describeValue} prints, so that a
 * million-row table is shown (numbers formatted, units converted) only for
 * the rows printed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { previewValue } from "./_format.ts";
 * const rows = Array.from({ length: 60 }, (_, i) => ({ i }));
 * const preview = previewValue({ rows, n: 1 });
 * assert.equal((preview.value as { rows: unknown[] }).rows.length, 50);
 * assert.deepEqual(preview.more, { rows: 10 });
 * ```
 */
export function previewValue(value: unknown): ValuePreview {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { value, more: {} };
  }
  const cut: Record<string, unknown> = {};
  const more: Record<string, number> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (Array.isArray(item) && item.length > SHOWN_ROWS && isTable(item)) {
      Object.defineProperty(cut, key, {
        value: item.slice(0, SHOWN_ROWS),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      more[key] = item.length - SHOWN_ROWS;
    } else {
      Object.defineProperty(cut, key, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return { value: cut, more };
}

/**
 * Describes a module output for people: scalars as `key  value`, arrays of
 * objects as tables of at most {@linkcode SHOWN_ROWS} rows. Give it the
 * output as the service shows it (`Lab.showOutput`, with the display
 * settings), cut by {@linkcode previewValue} with its `more` counts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeValue } from "./_format.ts";
 * assert.equal(describeValue({ slope: "2.5" }), "slope  2.5");
 * ```
 */
export function describeValue(
  value: unknown,
  options: { more?: Record<string, number> } = {},
): string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return JSON.stringify(value, null, 2);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const width = Math.max(...entries.map(([key]) => key.length));
  const blocks: string[] = [];
  const scalars: string[] = [];
  for (const [key, item] of entries) {
    if (isTable(item)) {
      const rows = item.slice(0, SHOWN_ROWS);
      const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
      const more = Math.max(0, item.length - SHOWN_ROWS) +
        (Object.hasOwn(options.more ?? {}, key) ? options.more![key] : 0);
      blocks.push(
        `${printable(key)}:\n${
          table(
            columns,
            rows.map((row) =>
              columns.map((c) => formatCell(Object.hasOwn(row, c) ? row[c] : undefined))
            ),
          )
        }${more > 0 ? `… ${more} more\n` : ""}`,
      );
    } else {
      scalars.push(printable(`${key.padEnd(width)}  ${formatCell(item)}`));
    }
  }
  return [scalars.join("\n"), ...blocks].filter(Boolean).join("\n\n").trimEnd();
}

function formatCell(value: unknown): string {
  // Module outputs come shown (numbers as text); a raw number keeps 8 figures.
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(8)));
  }
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/**
 * The human report of `labos audit verify`: the warnings and the head, or
 * the damage.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeStyle, verifyText } from "./_format.ts";
 * const style = makeStyle({ stdout: () => {}, stderr: () => {}, env: {}, cwd: ".", isTTY: false });
 * assert.equal(verifyText({ ok: true, events: 2, head: "ab", warnings: [] }, style), "ok: 2 events, head ab\n");
 * ```
 */
export function verifyText(result: VerifyResult, style: Style): string {
  return result.ok
    ? [
      ...result.warnings.map((w) => `${style.yellow("warning")}: ${w}`),
      `ok: ${result.events} events, head ${result.head}`,
    ].join("\n") + "\n"
    : `${style.red("FAILED")}: ${result.message}\n`;
}
