import { LabosError, quote } from "../errors.ts";

/** A number written with a unit, such as `5 min`, before the unit is checked. */
export interface WrittenQuantity {
  /** The number. */
  value: number;
  /** The unit as written, trimmed. */
  unit: string;
}

// Whole spellings students type that are not UCUM codes; UCUM writes Celsius `Cel`.
const WHOLE_ALIASES: Readonly<Record<string, string>> = {
  "°C": "Cel",
  "℃": "Cel",
  "degC": "Cel",
  "deg C": "Cel",
  "C": "Cel",
  "°F": "[degF]",
  "℉": "[degF]",
  "degF": "[degF]",
  "°K": "K",
  "sec": "s",
  "secs": "s",
  "mins": "min",
  "hr": "h",
  "hrs": "h",
  "Da": "u",
};

// Molar spellings, as tokens inside a unit too (`M/s`, `1/(M.s)`): UCUM has no
// molar symbol (`M` is the mega prefix), so they become amount per litre.
const MOLAR: Readonly<Record<string, string>> = {
  M: "mol/L",
  mM: "mmol/L",
  uM: "umol/L",
  nM: "nmol/L",
  pM: "pmol/L",
};

const MAX_UNIT_LENGTH = 200;

/**
 * Rewrites the common lab spellings of a unit as UCUM: `mM` → `mmol/L`,
 * `M/s` → `(mol/L)/s`, `°C` → `Cel`, `µm` → `um`, `·` → `.`. The result is
 * not checked: a UCUM library does that.
 *
 * @throws {LabosError} `invalid` for an empty or overlong unit.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ucumSpelling } from "./_parse.ts";
 * assert.strictEqual(ucumSpelling("mM"), "mmol/L");
 * assert.strictEqual(ucumSpelling("°C"), "Cel");
 * assert.strictEqual(ucumSpelling("1/(M·s)"), "1/((mol/L).s)");
 * ```
 */
export function ucumSpelling(text: string): string {
  if (typeof text !== "string") {
    throw new LabosError("invalid", `Invalid unit ${quote(text)}: expected text`);
  }
  const trimmed = text.trim();
  if (trimmed === "") throw new LabosError("invalid", "Invalid unit: it is empty");
  if (trimmed.length > MAX_UNIT_LENGTH) {
    throw new LabosError(
      "invalid",
      `Invalid unit ${quote(trimmed.slice(0, 20))}…: longer than ${MAX_UNIT_LENGTH} characters`,
    );
  }
  if (Object.hasOwn(WHOLE_ALIASES, trimmed)) return WHOLE_ALIASES[trimmed];
  const spelled = trimmed
    .replace(/[µμ]/g, "u")
    .replace(/[·⋅×]/g, ".")
    .replace(/\s*([/.()])\s*/g, "$1");
  if (Object.hasOwn(MOLAR, spelled)) return MOLAR[spelled];
  return spelled.replace(
    /(^|[^A-Za-z\[{])([munp]?M)(?=$|[^A-Za-z\]}])/g,
    (whole, before: string, token: string) =>
      Object.hasOwn(MOLAR, token) ? `${before}(${MOLAR[token]})` : whole,
  );
}

// A unit right after the number starts with a symbol (`5min`); after a space it
// may start with a digit (`0.5 1/min`), as long as it is not a bare number.
const QUANTITY =
  /^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)(?:\s*([^\d\s+\-.].*?)|\s+((?=\S*[^\d\s+\-.])\S.*?))\s*$/s;

/**
 * Splits a number written with a unit, such as `5 min` or `25 °C`; anything
 * else (a bare number, a word, JSON) gives undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseQuantity } from "./_parse.ts";
 * assert.deepStrictEqual(parseQuantity("5 min"), { value: 5, unit: "min" });
 * assert.strictEqual(parseQuantity("5"), undefined);
 * ```
 */
export function parseQuantity(text: string): WrittenQuantity | undefined {
  if (typeof text !== "string") return undefined;
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  if (!Number.isFinite(value)) return undefined;
  return { value, unit: match[2] ?? match[3] };
}
