/**
 * Python's `json` module, byte for byte, for the legacy (Python) LabOS: a
 * parser that accepts what `json.loads` accepts (including `NaN` and
 * `Infinity`) and keeps each number's kind, and `json.dumps` with
 * `sort_keys=True`, the default separators `", "` and `": "` and
 * `ensure_ascii=True`. A JavaScript round trip would turn `1.0` into `1`
 * and change the bytes, and so the checksum.
 *
 * @module
 */

/** A parsed Python JSON value; numbers keep whether Python read them as int or float. */
export type PyValue =
  | { kind: "object"; entries: Map<string, PyValue> }
  | { kind: "array"; items: PyValue[] }
  | { kind: "string"; value: string }
  | { kind: "int"; value: bigint }
  | { kind: "float"; value: number }
  | { kind: "literal"; value: true | false | null };

/** Why a text is not JSON that Python's `json.loads` accepts, with its position. */
export class PyJsonError extends Error {
  /** The 0-based character offset of the problem. */
  readonly offset: number;

  /** Creates the error. */
  constructor(message: string, offset: number) {
    super(`${message} at character ${offset}`);
    this.name = "PyJsonError";
    this.offset = offset;
  }
}

const MAX_DEPTH = 500;

/**
 * Parses a JSON text as Python's `json.loads` does: duplicate keys keep the
 * last value, `NaN`, `Infinity` and `-Infinity` are floats, control
 * characters inside strings are refused. Throws {@linkcode PyJsonError}.
 *
 * @example
 * ```ts
 * import { parsePyJson, pyDumps } from "./_pyjson.ts";
 * import assert from "node:assert";
 * assert.strictEqual(pyDumps(parsePyJson('{"b":1.0,"a":"é"}')), '{"a": "\\u00e9", "b": 1.0}');
 * ```
 */
export function parsePyJson(text: string): PyValue {
  let at = 0;
  const fail = (message: string): never => {
    throw new PyJsonError(message, at);
  };
  const space = (): void => {
    while (at < text.length) {
      const c = text.charCodeAt(at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      at++;
    }
  };
  const value = (depth: number): PyValue => {
    if (depth > MAX_DEPTH) fail("Nesting is too deep");
    space();
    const c = text[at];
    if (c === "{") {
      at++;
      const entries = new Map<string, PyValue>();
      space();
      if (text[at] === "}") {
        at++;
        return { kind: "object", entries };
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail("Expected a property name in double quotes");
        const key = string();
        space();
        if (text[at] !== ":") fail('Expected ":"');
        at++;
        entries.delete(key);
        entries.set(key, value(depth + 1));
        space();
        if (text[at] === ",") {
          at++;
          continue;
        }
        if (text[at] === "}") {
          at++;
          return { kind: "object", entries };
        }
        fail('Expected "," or "}"');
      }
    }
    if (c === "[") {
      at++;
      const items: PyValue[] = [];
      space();
      if (text[at] === "]") {
        at++;
        return { kind: "array", items };
      }
      for (;;) {
        items.push(value(depth + 1));
        space();
        if (text[at] === ",") {
          at++;
          continue;
        }
        if (text[at] === "]") {
          at++;
          return { kind: "array", items };
        }
        fail('Expected "," or "]"');
      }
    }
    if (c === '"') return { kind: "string", value: string() };
    for (const [word, literal] of WORDS) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return literal;
      }
    }
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(text);
    if (!match || match[0] === "" || match[0] === "-") fail("Expected a value");
    const token = match![0];
    at += token.length;
    if (match![2] === undefined && match![3] === undefined) {
      return { kind: "int", value: BigInt(token) };
    }
    return { kind: "float", value: Number(token) };
  };
  const string = (): string => {
    at++;
    let out = "";
    let start = at;
    for (;;) {
      if (at >= text.length) fail("Unterminated string");
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        out += text.slice(start, at);
        at++;
        return out;
      }
      if (c < 0x20) fail("Invalid control character in a string");
      if (c !== 0x5c) {
        at++;
        continue;
      }
      out += text.slice(start, at);
      const e = text[at + 1];
      if (e === "u") {
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("Invalid \\u escape");
        out += String.fromCharCode(parseInt(hex, 16));
        at += 6;
      } else {
        const simple = ESCAPES_IN[e];
        if (simple === undefined) fail("Invalid escape");
        out += simple;
        at += 2;
      }
      start = at;
    }
  };
  const result = value(0);
  space();
  if (at !== text.length) fail("Extra data");
  return result;
}

const WORDS: ReadonlyArray<[string, PyValue]> = [
  ["true", { kind: "literal", value: true }],
  ["false", { kind: "literal", value: false }],
  ["null", { kind: "literal", value: null }],
  ["NaN", { kind: "float", value: NaN }],
  ["Infinity", { kind: "float", value: Infinity }],
  ["-Infinity", { kind: "float", value: -Infinity }],
];

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;

const ESCAPES_IN: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

const ESCAPES_OUT: Readonly<Record<number, string>> = {
  0x22: '\\"',
  0x5c: "\\\\",
  0x08: "\\b",
  0x0c: "\\f",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
};

/**
 * Serialises like Python's `json.dumps(value, sort_keys=True)`: keys in code
 * point order, `", "` and `": "` separators, every character outside
 * printable ASCII as a lowercase `\uXXXX` escape (astral characters as
 * surrogate pairs), floats as Python's `repr`.
 *
 * @example
 * ```ts
 * import { parsePyJson, pyDumps } from "./_pyjson.ts";
 * import assert from "node:assert";
 * assert.strictEqual(pyDumps(parsePyJson("[1e16, 0.00001, 2.50]")), "[1e+16, 1e-05, 2.5]");
 * ```
 */
export function pyDumps(value: PyValue): string {
  switch (value.kind) {
    case "object": {
      const keys = [...value.entries.keys()].sort(compareCodePoints);
      return `{${
        keys.map((key) => `${pyString(key)}: ${pyDumps(value.entries.get(key)!)}`).join(", ")
      }}`;
    }
    case "array":
      return `[${value.items.map(pyDumps).join(", ")}]`;
    case "string":
      return pyString(value.value);
    case "int":
      return value.value.toString();
    case "float":
      return pyFloatRepr(value.value);
    case "literal":
      return value.value === null ? "null" : String(value.value);
  }
}

/**
 * A string as `json.dumps(..., ensure_ascii=True)` writes it.
 *
 * @example
 * ```ts
 * import { pyString } from "./_pyjson.ts";
 * import assert from "node:assert";
 * assert.strictEqual(pyString("ü\n😀"), '"\\u00fc\\n\\ud83d\\ude00"');
 * ```
 */
export function pyString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const escape = ESCAPES_OUT[c];
    if (escape !== undefined) out += escape;
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += text[i];
  }
  return `${out}"`;
}

/**
 * Python's `repr(float)`: the shortest digits that round-trip, in fixed
 * notation for decimal exponents from -4 to 15 (with at least one decimal,
 * `1.0`), otherwise in exponent notation with a sign and two digits (`1e-05`).
 *
 * @example
 * ```ts
 * import { pyFloatRepr } from "./_pyjson.ts";
 * import assert from "node:assert";
 * assert.ok(pyFloatRepr(1) === "1.0" && pyFloatRepr(1e16) === "1e+16");
 * ```
 */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const sign = value < 0 ? "-" : "";
  const [mantissa, exponentText] = Math.abs(value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  const point = exponent + 1;
  if (point > 16 || point <= -4) {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const magnitude = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${digits[0]}${rest}e${exponent < 0 ? "-" : "+"}${magnitude}`;
  }
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Converts a parsed value to plain JavaScript. Ints beyond 2^53 and
 * non-finite floats, which JSON cannot carry, become strings.
 *
 * @example
 * ```ts
 * import { parsePyJson, toPlain } from "./_pyjson.ts";
 * import assert from "node:assert";
 * assert.strictEqual((toPlain(parsePyJson('{"a":[1,NaN]}')) as { a: unknown[] }).a[1], "NaN");
 * ```
 */
export function toPlain(value: PyValue): unknown {
  switch (value.kind) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, item] of value.entries) out[key] = toPlain(item);
      return out;
    }
    case "array":
      return value.items.map(toPlain);
    case "string":
      return value.value;
    case "int":
      return value.value >= BigInt(Number.MIN_SAFE_INTEGER) &&
          value.value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value.value)
        : value.value.toString();
    case "float":
      return Number.isFinite(value.value) ? value.value : pyFloatRepr(value.value);
    case "literal":
      return value.value;
  }
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
