/**
 * Chemical formula parsing and Hill notation.
 *
 * Grammar: a formula is one or more parts joined by hydrate dots (`·`, `.`,
 * `⋅`, `•` or `*`); each part is an optional multiplier followed by items;
 * an item is an element symbol or a parenthesised (`()` or `[]`) group, each
 * with an optional count. Groups nest.
 *
 * @module
 */
import { elementIsotopes, isElementSymbol } from "./_isotopes.ts";

/** Element counts keyed by symbol, such as `{ C: 8, H: 10, N: 4, O: 2 }`. */
export type ElementCounts = Record<string, number>;

/** The largest number of atoms of one element a formula may hold. */
export const MAX_ATOMS_PER_ELEMENT = 1_000_000;

/**
 * A formula that cannot be parsed. The message names the offending text and,
 * for syntax errors, its 1-based position.
 *
 * @example
 * ```ts
 * import { FormulaError, parseFormula } from "./_formula.ts";
 * import assert from "node:assert";
 * try {
 *   parseFormula("XxO2");
 * } catch (error) {
 *   assert.ok(error instanceof FormulaError);
 * }
 * ```
 */
export class FormulaError extends Error {
  /** The 1-based character position of a syntax error, if there is one. */
  readonly position: number | undefined;

  /** Creates a parse error with a one-line message and an optional position. */
  constructor(message: string, position?: number) {
    super(message);
    this.name = "FormulaError";
    this.position = position;
  }
}

const DOTS = new Set(["·", ".", "⋅", "•", "*"]);
const CLOSING: Record<string, string> = { "(": ")", "[": "]" };

/**
 * Parses a formula into element counts, in order of first appearance.
 * Throws {@linkcode FormulaError} for empty input, bad syntax, unknown
 * elements and elements without a natural isotopic composition.
 *
 * @example
 * ```ts
 * import { parseFormula } from "./_formula.ts";
 * import assert from "node:assert";
 * const counts = parseFormula("CuSO4·5H2O");
 * assert.ok(counts.Cu === 1 && counts.O === 9 && counts.H === 10);
 * ```
 */
export function parseFormula(formula: string): ElementCounts {
  if (formula.length === 0) throw new FormulaError("Formula must not be empty");
  return new Parser(formula).parse();
}

/**
 * Writes element counts in Hill notation: with carbon, C then H then the rest
 * alphabetically; without carbon, everything alphabetically. Counts of 1 are
 * omitted and zero counts dropped.
 *
 * @example
 * ```ts
 * import { hillFormula } from "./_formula.ts";
 * import assert from "node:assert";
 * assert.strictEqual(hillFormula({ O: 2, H: 10, N: 4, C: 8 }), "C8H10N4O2");
 * assert.strictEqual(hillFormula({ O: 9, S: 1, H: 10, Cu: 1 }), "CuH10O9S");
 * ```
 */
export function hillFormula(counts: Readonly<ElementCounts>): string {
  const symbols = Object.keys(counts).filter((symbol) => counts[symbol] > 0);
  const first = symbols.includes("C") ? ["C", "H"].filter((s) => symbols.includes(s)) : [];
  const rest = symbols.filter((s) => !first.includes(s)).sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  return [...first, ...rest].map((s) => counts[s] === 1 ? s : `${s}${counts[s]}`).join("");
}

class Parser {
  #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  parse(): ElementCounts {
    const total: ElementCounts = {};
    for (;;) {
      const multiplier = this.#number() ?? 1;
      const part = this.#sequence(undefined);
      if (Object.keys(part).length === 0) throw this.#unexpected();
      add(total, part, multiplier, this.#text);
      if (this.#at >= this.#text.length) break;
      const char = this.#text[this.#at];
      if (!DOTS.has(char)) throw this.#unexpected();
      this.#at++;
      if (this.#at >= this.#text.length) {
        throw new FormulaError(
          `Expected a formula part after ${quote(char)} at position ${this.#at} in formula ${
            quote(this.#text)
          }`,
          this.#at,
        );
      }
    }
    for (const symbol of Object.keys(total)) {
      if (elementIsotopes(symbol) === undefined) {
        throw new FormulaError(
          `Element ${quote(symbol)} in formula ${
            quote(this.#text)
          } has no natural isotopic composition`,
        );
      }
    }
    return total;
  }

  // Reads items until a closing bracket, a dot or the end; `close` is the bracket that ends this group.
  #sequence(close: string | undefined): ElementCounts {
    const counts: ElementCounts = {};
    while (this.#at < this.#text.length) {
      const char = this.#text[this.#at];
      if (char === close || DOTS.has(char)) break;
      if (char === ")" || char === "]") throw this.#unexpected();
      if (char === "(" || char === "[") {
        const open = this.#at;
        this.#at++;
        const inner = this.#sequence(CLOSING[char]);
        if (this.#at >= this.#text.length || this.#text[this.#at] !== CLOSING[char]) {
          throw new FormulaError(
            `Missing ${quote(CLOSING[char])} for ${quote(char)} at position ${
              open + 1
            } in formula ${quote(this.#text)}`,
            open + 1,
          );
        }
        if (Object.keys(inner).length === 0) {
          throw new FormulaError(
            `Empty group at position ${open + 1} in formula ${quote(this.#text)}`,
            open + 1,
          );
        }
        this.#at++;
        add(counts, inner, this.#number() ?? 1, this.#text);
      } else if (char >= "A" && char <= "Z") {
        const symbol = this.#symbol();
        add(counts, { [symbol]: 1 }, this.#number() ?? 1, this.#text);
      } else {
        throw this.#unexpected();
      }
    }
    return counts;
  }

  #symbol(): string {
    const start = this.#at;
    this.#at++;
    const next = this.#text[this.#at];
    if (next !== undefined && next >= "a" && next <= "z") this.#at++;
    const symbol = this.#text.slice(start, this.#at);
    if (!isElementSymbol(symbol)) {
      throw new FormulaError(
        `Unknown element ${quote(symbol)} in formula ${quote(this.#text)}`,
        start + 1,
      );
    }
    return symbol;
  }

  #number(): number | undefined {
    const start = this.#at;
    while (
      this.#at < this.#text.length && this.#text[this.#at] >= "0" && this.#text[this.#at] <= "9"
    ) {
      this.#at++;
    }
    if (this.#at === start) return undefined;
    const digits = this.#text.slice(start, this.#at);
    const value = Number(digits);
    if (value === 0) {
      throw new FormulaError(
        `Count must be at least 1 at position ${start + 1} in formula ${quote(this.#text)}`,
        start + 1,
      );
    }
    if (value > MAX_ATOMS_PER_ELEMENT) {
      throw new FormulaError(
        `Count ${digits} at position ${start + 1} in formula ${
          quote(this.#text)
        } exceeds ${MAX_ATOMS_PER_ELEMENT}`,
        start + 1,
      );
    }
    return value;
  }

  #unexpected(): FormulaError {
    const position = this.#at + 1;
    const where = `at position ${position} in formula ${quote(this.#text)}`;
    return new FormulaError(
      this.#at < this.#text.length
        ? `Unexpected ${quote(this.#text[this.#at])} ${where}`
        : `Expected an element or "(" ${where}`,
      position,
    );
  }
}

function add(target: ElementCounts, source: ElementCounts, multiplier: number, text: string): void {
  for (const [symbol, count] of Object.entries(source)) {
    const next = (target[symbol] ?? 0) + count * multiplier;
    if (next > MAX_ATOMS_PER_ELEMENT) {
      throw new FormulaError(
        `Formula ${quote(text)} has more than ${MAX_ATOMS_PER_ELEMENT} atoms of ${quote(symbol)}`,
      );
    }
    target[symbol] = next;
  }
}

function quote(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}..."` : text;
}
