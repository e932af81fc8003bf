/**
 * The structural check of one audit log line, byte by byte, shared by the
 * main thread and the verify workers (through `_scanner.ts`). A good line is
 * parsed from its first byte to the end of its event without `indexOf` or
 * decoding. The common event is read by one function without calls
 * (`fastEvent`), its fixed bytes 4 at a time; whatever it does not take goes
 * through the full parse (`slowEvent`), which alone decides failure codes, so
 * both must agree (`_scanner_test.ts` compares them). The framing and the
 * failure codes come from `_format.ts`.
 *
 * @module
 */
import * as buffer from "node:buffer";
import {
  CODES,
  EVENT_OFFSET,
  FRAME_TAIL,
  HASH_HEX,
  HASH_KEY,
  HASH_TAIL,
  LINE_PREFIX,
  MIN_LINE,
} from "./_format.ts";
const {
  F_FRAME,
  F_V,
  F_SEQ,
  F_ID,
  F_TS,
  F_ACTOR,
  F_ACTION,
  F_TARGET,
  F_REASON,
  F_DETAILS,
  F_PREV,
  F_UTF8,
  O_SEQ,
  O_TS,
  O_ACTOR,
  O_ACTION,
  O_TYPE,
  O_TARGET_ID,
  O_PREV,
  O_SIZE,
} = CODES;
/** The code of a line that failed the fast path, whose failure the scan then works out. */
export const F_UNKNOWN = -1;

const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const nativeIsUtf8 = (buffer as { isUtf8?: unknown }).isUtf8;

function isUtf8(bytes: Uint8Array): boolean {
  if (typeof nativeIsUtf8 === "function") {
    return (nativeIsUtf8 as (b: Uint8Array) => boolean)(bytes);
  }
  try {
    strictDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function table(chars: string): Uint8Array {
  const out = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) out[chars.charCodeAt(i)] = 1;
  return out;
}

// String byte classes: 0 plain, 1 quote, 2 backslash, 3 control, 4 non-ASCII.
const CLS = new Uint8Array(256);
for (let i = 0; i < 32; i++) CLS[i] = 3;
for (let i = 128; i < 256; i++) CLS[i] = 4;
CLS[34] = 1;
CLS[92] = 2;
// Two bytes a lookup, at [(x << 8) | y]: both plain string bytes (CLS 0).
const PLAIN_PAIR = pairTable(
  Array.from({ length: 128 - 32 }, (_, k) => String.fromCharCode(32 + k)).join("").replace(
    /["\\]/g,
    "",
  ),
);
const ANY_HEX = table("0123456789abcdefABCDEF");
const ESCAPE = table('"\\/bfnrt');
const CROCKFORD_DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
// After "seq": `,"id":"evt_` + 26 Crockford digits + `","ts":"` + the ts shape + `,"actor":`;
// FIXED[k * 256 + byte] tells whether `byte` may appear at position k.
const FIXED_SHAPE =
  ',"id":"evt_CCCCCCCCCCCCCCCCCCCCCCCCCC","ts":"DDDD-DD-DDTDD:DD:DD.DDDZ","actor":';
const FIXED_LENGTH = FIXED_SHAPE.length;
const FIXED = fixedTable();
const PREFIX = ascii(LINE_PREFIX);
const SUFFIX = ascii(HASH_KEY);
const L_HEAD = ascii('{"v":1,"seq":');
const L_ACTION = ascii(',"action":');
const L_TARGET = ascii(',"target":{"type":');
const L_TARGET_ID = ascii(',"id":');
const L_REASON = ascii(',"reason":');
const L_NULL = ascii("null");
const L_TRUE = ascii("true");
const L_FALSE = ascii("false");
const L_DETAILS = ascii(',"details":');
const L_PREV = ascii(',"prev":"');
// The fast path's plain string fields, their `out` slots and the fixed bytes after each.
const FIELD_SLOTS = [O_ACTOR, O_ACTION, O_TYPE, O_TARGET_ID];
const FIELD_AFTER = [L_ACTION, L_TARGET, L_TARGET_ID, ascii('},"reason":')];

// A literal of at least 4 bytes as little-endian 4-byte words at offsets
// 0, 4, … and its last 4 bytes (overlapping): compared a word at a time.
interface Words {
  at: Int32Array;
  value: Int32Array;
}

function words(lit: Uint8Array): Words {
  const at = Array.from(
    { length: Math.ceil(lit.length / 4) },
    (_, k) => Math.min(4 * k, lit.length - 4),
  );
  const value = at.map((k) => lit[k] | (lit[k + 1] << 8) | (lit[k + 2] << 16) | (lit[k + 3] << 24));
  return { at: Int32Array.from(at), value: Int32Array.from(value) };
}

const W_HEAD = words(L_HEAD);
const W_FIELD_AFTER = FIELD_AFTER.map(words);
const W_DETAILS = words(L_DETAILS);
const W_PREV = words(L_PREV);
const W_PREFIX = words(PREFIX);
const W_SUFFIX = words(SUFFIX);

function pairTable(chars: string): Uint8Array {
  const out = new Uint8Array(65536);
  for (let x = 0; x < chars.length; x++) {
    const row = chars.charCodeAt(x) << 8;
    for (let y = 0; y < chars.length; y++) out[row | chars.charCodeAt(y)] = 1;
  }
  return out;
}

// A DataView of the last buffer checked, to read 4 bytes at once.
let lastView: DataView = new DataView(new ArrayBuffer(0));
let lastViewOf: Uint8Array | null = null;

function viewFor(b: Uint8Array): DataView {
  if (b !== lastViewOf) {
    lastView = new DataView(b.buffer, b.byteOffset, b.byteLength);
    lastViewOf = b;
  }
  return lastView;
}

// FIXED_SHAPE 4 bytes at a time (the last word overlaps): the literal bytes'
// mask and values, and the digits' top bits; the Crockford digits go through CROCKFORD.
const WORD_AT = [...Array.from({ length: 19 }, (_, j) => 4 * j), 75];
const WORD_MASKS = WORD_AT.map((k) => {
  let literal = 0;
  let value = 0;
  let digit = 0;
  for (let t = 0; t < 4; t++) {
    const want = FIXED_SHAPE.charCodeAt(k + t);
    if (want === 68) digit |= 0x80 << (8 * t);
    else if (want !== 67 || k + t <= 10) {
      literal |= 0xff << (8 * t);
      value |= want << (8 * t);
    }
  }
  return { literal, value, digit };
});
const LITERAL_MASK = Int32Array.from(WORD_MASKS, (m) => m.literal);
const LITERAL_VALUE = Int32Array.from(WORD_MASKS, (m) => m.value);
const DIGIT_BITS = Int32Array.from(WORD_MASKS, (m) => m.digit);
const CROCKFORD = table(CROCKFORD_DIGITS);

// Whether the 4 bytes of w are plain string bytes: none below 0x20, from
// 0x80, a quote or a backslash (the borrows of the subtractions only ever
// flag bytes above one that is flagged anyway).
function plain4(w: number): boolean {
  const quote = w ^ 0x22222222;
  const backslash = w ^ 0x5c5c5c5c;
  const flags = (((w - 0x20202020) | 0) & ~w) | w | (((quote - 0x01010101) | 0) & ~quote) |
    (((backslash - 0x01010101) | 0) & ~backslash);
  return (flags & 0x80808080) === 0;
}

// Whether the 64 bytes at b[at] are lowercase hex: 4 bytes at a time, each
// byte's top bit set by adding a constant when it is at least '0', ':', 'a', 'g'.
function hex64(b: Uint8Array, at: number): boolean {
  const view = viewFor(b);
  let ok = -1;
  for (let k = at; k < at + HASH_HEX; k += 4) {
    const w = view.getInt32(k, true);
    const digit = ((w + 0x50505050) | 0) & ~((w + 0x46464646) | 0);
    const letter = ((w + 0x1f1f1f1f) | 0) & ~((w + 0x19191919) | 0);
    ok &= (digit | letter) & ~w;
  }
  return (ok & 0x80808080) === (0x80808080 | 0);
}

function fixedTable(): Uint8Array {
  // Sets only the allowed bytes of each position: a few hundred steps where
  // visiting all 256 bytes of every position took 19,000, which a CLI
  // command pays at start-up before any code is optimised.
  const fixed = new Uint8Array(FIXED_LENGTH * 256);
  for (let k = 0; k < FIXED_LENGTH; k++) {
    const want = FIXED_SHAPE.charCodeAt(k);
    const row = k << 8;
    if (want === 67 && k > 10) {
      for (let i = 0; i < CROCKFORD_DIGITS.length; i++) {
        fixed[row | CROCKFORD_DIGITS.charCodeAt(i)] = 1;
      }
    } else if (want === 68) {
      for (let c = 48; c <= 57; c++) fixed[row | c] = 1;
    } else {
      fixed[row | want] = 1;
    }
  }
  return fixed;
}

// Set by `string` when it passes a byte >= 0x80; the event is then checked as UTF-8.
let nonAscii = false;
// The open containers of `value`: 1 object, 2 array.
let stack = new Uint8Array(64);
/** The fields (`CODES.O_*` slots) of the event that {@linkcode goodLineEnd} last parsed. */
export const OUT: Float64Array = new Float64Array(O_SIZE);
// The options of the hot path's parse: `prev` is compared with a real hash, so its hex is not checked.
const HOT = { out: OUT, prevHex: false };
// The options of `checkEvent`, set before each use: no object per line.
const CHECKED: { out: Float64Array; prevHex: boolean } = { out: OUT, prevHex: true };

function literal(lit: Uint8Array, b: Uint8Array, i: number, e: number): boolean {
  const n = lit.length;
  if (i + n > e) return false;
  for (let k = 0; k < n; k++) if (b[i + k] !== lit[k]) return false;
  return true;
}

// A JSON string at b[i]; returns the index past its closing quote, or -1.
function string(b: Uint8Array, i: number, e: number): number {
  if (i >= e || b[i] !== 34) return -1;
  i++;
  while (i < e) {
    while (i + 1 < e && PLAIN_PAIR[(b[i] << 8) | b[i + 1]] === 1) i += 2;
    const k = CLS[b[i]];
    if (k === 0) {
      i++;
    } else if (k === 1) {
      return i + 1;
    } else if (k === 2) {
      i = escape(b, i, e);
      if (i < 0) return -1;
    } else if (k === 3) {
      return -1;
    } else {
      nonAscii = true;
      i++;
    }
  }
  return -1;
}

// The escape sequence at b[i] (a backslash); returns the index past it, or -1.
function escape(b: Uint8Array, i: number, e: number): number {
  if (i + 1 >= e) return -1;
  const d = b[i + 1];
  if (d !== 117) return ESCAPE[d] ? i + 2 : -1;
  const ok = i + 6 <= e && ANY_HEX[b[i + 2]] && ANY_HEX[b[i + 3]] && ANY_HEX[b[i + 4]] &&
    ANY_HEX[b[i + 5]];
  return ok ? i + 6 : -1;
}

function digits(b: Uint8Array, i: number, e: number): number {
  while (i < e && b[i] >= 48 && b[i] <= 57) i++;
  return i;
}

function number(b: Uint8Array, i: number, e: number): number {
  if (b[i] === 45) i++;
  if (i >= e) return -1;
  const c = b[i];
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) i = digits(b, i + 1, e);
  else return -1;
  if (i < e && b[i] === 46) {
    const from = i + 1;
    i = digits(b, from, e);
    if (i === from) return -1;
  }
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    i++;
    if (i < e && (b[i] === 43 || b[i] === 45)) i++;
    const from = i;
    i = digits(b, from, e);
    if (i === from) return -1;
  }
  return i;
}

// One scalar or an empty container at b[i]; sets `open` for a non-empty one. Returns the index past it, or -1.
let open = 0;
function atom(b: Uint8Array, i: number, e: number): number {
  open = 0;
  const c = b[i];
  if (c === 123 || c === 91) {
    i++;
    if (i < e && b[i] === c + 2) return i + 1;
    open = c === 123 ? 1 : 2;
    return i;
  }
  if (c === 34) return string(b, i, e);
  if (c === 110) return literal(L_NULL, b, i, e) ? i + 4 : -1;
  if (c === 116) return literal(L_TRUE, b, i, e) ? i + 4 : -1;
  if (c === 102) return literal(L_FALSE, b, i, e) ? i + 5 : -1;
  return number(b, i, e);
}

// `"key":` at b[i]; returns the index past the colon, or -1.
function key(b: Uint8Array, i: number, e: number): number {
  i = string(b, i, e);
  return i < 0 || i >= e || b[i] !== 58 ? -1 : i + 1;
}

function push(depth: number, kind: number): void {
  if (depth === stack.length) {
    const bigger = new Uint8Array(depth * 2);
    bigger.set(stack);
    stack = bigger;
  }
  stack[depth] = kind;
}

// A compact JSON value at b[i]. Iterative, so that deep nesting cannot overflow the call stack.
function value(b: Uint8Array, i: number, e: number): number {
  let depth = 0;
  for (;;) {
    if (i >= e) return -1;
    i = atom(b, i, e);
    if (i < 0) return -1;
    if (open !== 0) {
      push(depth++, open);
      if (open === 1) i = key(b, i, e);
      if (i < 0) return -1;
      continue;
    }
    // Close containers until a comma continues one.
    for (;;) {
      if (depth === 0) return i;
      if (i >= e) return -1;
      const top = stack[depth - 1];
      if (b[i] === 44) {
        i = top === 1 ? key(b, i + 1, e) : i + 1;
        if (i < 0) return -1;
        break;
      }
      if (b[i] !== (top === 1 ? 125 : 93)) return -1;
      depth--;
      i++;
    }
  }
}

// The fixed bytes around the event of the line b[s, e); the hex digits are checked separately.
function checkShell(b: Uint8Array, s: number, e: number): boolean {
  if (e - s < MIN_LINE) return false;
  const view = viewFor(b);
  for (let k = 0; k < W_PREFIX.at.length; k++) {
    if (view.getInt32(s + W_PREFIX.at[k], true) !== W_PREFIX.value[k]) return false;
  }
  const t = e - FRAME_TAIL;
  for (let k = 0; k < W_SUFFIX.at.length; k++) {
    if (view.getInt32(t + W_SUFFIX.at[k], true) !== W_SUFFIX.value[k]) return false;
  }
  return b[e - 2] === 34 && b[e - 1] === 125;
}

/**
 * Checks the `{"event":…,"hash":"<64 hex>"}` framing of the line `b[s, e)` (without its newline).
 *
 * @example
 * ```ts
 * import { checkFrame } from "./_line_check.ts";
 * import assert from "node:assert/strict";
 * const line = `{"event":{},"hash":"${"0".repeat(64)}"}`;
 * assert.ok(checkFrame(new TextEncoder().encode(line), 0, line.length));
 * ```
 */
export function checkFrame(b: Uint8Array, s: number, e: number): boolean {
  if (!checkShell(b, s, e)) return false;
  return hex64(b, e - HASH_TAIL);
}

/**
 * Checks that `b[s, e)` is a compact v1 event with the keys in order and the
 * right types, and fills `out` (see the `O_*` slots of `CODES`). Returns 0 or
 * an `F_*` code.
 *
 * @example
 * ```ts
 * import { checkEvent } from "./_line_check.ts";
 * import { CODES } from "./_format.ts";
 * import assert from "node:assert/strict";
 * const bytes = new TextEncoder().encode('{"v":2}');
 * assert.equal(checkEvent(bytes, 0, bytes.length, new Float64Array(12)), CODES.F_V);
 * ```
 */
export function checkEvent(b: Uint8Array, s: number, e: number, out: Float64Array): number {
  CHECKED.out = out;
  const end = parseEvent(b, s, e, CHECKED);
  if (end < 0) return -end;
  return end === e ? 0 : F_PREV;
}

/**
 * {@linkcode checkEvent} without its fast path for the common event: the
 * reference the fast path must agree with (tests compare them).
 *
 * @example
 * ```ts
 * import { checkEventSlow } from "./_line_check.ts";
 * import { CODES } from "./_format.ts";
 * import assert from "node:assert/strict";
 * const bytes = new TextEncoder().encode('{"v":2}');
 * assert.equal(checkEventSlow(bytes, 0, bytes.length, new Float64Array(12)), CODES.F_V);
 * ```
 */
export function checkEventSlow(b: Uint8Array, s: number, e: number, out: Float64Array): number {
  CHECKED.out = out;
  const end = slowEvent(b, s, e, CHECKED);
  if (end < 0) return -end;
  return end === e ? 0 : F_PREV;
}

/**
 * Checks the framing and the event of the line `b[s, e)` (without its
 * newline) and fills `out`; returns 0, or `F_FRAME` or another `F_*` code.
 * Does not check the hash.
 *
 * @example
 * ```ts
 * import { checkLine } from "./_line_check.ts";
 * import { CODES } from "./_format.ts";
 * import assert from "node:assert/strict";
 * const bytes = new TextEncoder().encode("{}");
 * assert.equal(checkLine(bytes, 0, 2, new Float64Array(12)), CODES.F_FRAME);
 * ```
 */
export function checkLine(b: Uint8Array, s: number, e: number, out: Float64Array): number {
  if (!checkFrame(b, s, e)) return F_FRAME;
  return checkEvent(b, s + EVENT_OFFSET, e - FRAME_TAIL, out);
}

// Checks the event starting at b[s] without reading at or past `e`; returns
// where it ends or minus a failure code. `prevHex` false skips the hex check
// of "prev", for callers that compare it with a real hash.
function parseEvent(
  b: Uint8Array,
  s: number,
  e: number,
  options: { out: Float64Array; prevHex: boolean },
): number {
  const end = fastEvent(b, s, e, options);
  return end >= 0 ? end : slowEvent(b, s, e, options);
}

// The common event in one function without calls, as `slowEvent` would
// read it: ASCII, strings without escapes, details a flat object of
// scalars. Returns where it ends, or -1 for anything else (`slowEvent`
// then decides). Every read is before `e`.
function fastEvent(
  b: Uint8Array,
  s: number,
  e: number,
  options: { out: Float64Array; prevHex: boolean },
): number {
  const out = options.out;
  let i = s;
  let c = 0;
  if (e - s < L_HEAD.length + 1 + FIXED_LENGTH) return -1;
  const view = viewFor(b);
  for (let k = 0; k < W_HEAD.at.length; k++) {
    if (view.getInt32(i + W_HEAD.at[k], true) !== W_HEAD.value[k]) return -1;
  }
  i += L_HEAD.length;
  const seqAt = i;
  let seq = 0;
  while (i < e && (c = b[i]) >= 48 && c <= 57) {
    seq = seq * 10 + (c - 48);
    i++;
  }
  if (i === seqAt || b[seqAt] === 48 || i - seqAt > 16 || seq > Number.MAX_SAFE_INTEGER) return -1;
  if (i + FIXED_LENGTH > e || b[i] !== 44) return -1;
  // The fixed-width run: literals and digits 4 bytes at a time, then the id's Crockford digits.
  let bad = 0;
  for (let j = 0; j < WORD_AT.length; j++) {
    const w = view.getInt32(i + WORD_AT[j], true);
    const digit = ((w + 0x50505050) | 0) & ~((w + 0x46464646) | 0) & ~w;
    bad |= ((w ^ LITERAL_VALUE[j]) & LITERAL_MASK[j]) | (~digit & DIGIT_BITS[j]);
  }
  let ok = 1;
  for (let k = 11; k < 37; k++) ok &= CROCKFORD[b[i + k]];
  if (bad !== 0 || ok === 0) return -1;
  out[O_SEQ] = seq;
  out[O_TS] = i + 45;
  i += FIXED_LENGTH;
  // actor, action, target type and id: plain strings between fixed keys.
  for (let field = 0; field < 4; field++) {
    if (i >= e || b[i] !== 34) return -1;
    out[FIELD_SLOTS[field]] = i++;
    while (i + 4 <= e && plain4(view.getInt32(i, true))) i += 4;
    while (i < e && CLS[b[i]] === 0) i++;
    if (i >= e || b[i] !== 34) return -1;
    out[FIELD_SLOTS[field] + 1] = ++i;
    const lit = FIELD_AFTER[field];
    if (i + lit.length > e) return -1;
    const word = W_FIELD_AFTER[field];
    for (let k = 0; k < word.at.length; k++) {
      if (view.getInt32(i + word.at[k], true) !== word.value[k]) return -1;
    }
    i += lit.length;
  }
  // reason: null or a plain string.
  if (i + 4 > e) return -1;
  if (b[i] === 110) {
    if (b[i + 1] !== 117 || b[i + 2] !== 108 || b[i + 3] !== 108) return -1;
    i += 4;
  } else {
    if (b[i] !== 34) return -1;
    i++;
    while (i + 4 <= e && plain4(view.getInt32(i, true))) i += 4;
    while (i < e && CLS[b[i]] === 0) i++;
    if (i >= e || b[i] !== 34) return -1;
    i++;
  }
  if (i + L_DETAILS.length + 2 > e) return -1;
  for (let k = 0; k < W_DETAILS.at.length; k++) {
    if (view.getInt32(i + W_DETAILS.at[k], true) !== W_DETAILS.value[k]) return -1;
  }
  i += L_DETAILS.length;
  // details: flat here, any object through `value`.
  if (b[i] !== 123) return -1;
  let end = flatDetails(b, i, e);
  if (end < 0) {
    nonAscii = false;
    end = value(b, i, e);
    if (end < 0 || nonAscii) return -1;
  }
  i = end;
  if (i + L_PREV.length > e) return -1;
  for (let k = 0; k < W_PREV.at.length; k++) {
    if (view.getInt32(i + W_PREV.at[k], true) !== W_PREV.value[k]) return -1;
  }
  out[O_PREV] = i += L_PREV.length;
  if (i + HASH_TAIL > e || b[i + HASH_HEX] !== 34 || b[i + HASH_HEX + 1] !== 125) return -1;
  if (options.prevHex && !hex64(b, i)) return -1;
  return i + HASH_TAIL;
}

// Details `{}` or `{"key":scalar,…}` with plain strings at b[i] (a brace):
// where they end, or -1 for anything else.
function flatDetails(b: Uint8Array, i: number, e: number): number {
  const view = viewFor(b);
  let c = 0;
  i++;
  if (b[i] === 125) {
    i++;
  } else {
    for (;;) {
      if (i >= e || b[i] !== 34) return -1;
      i++;
      while (i + 4 <= e && plain4(view.getInt32(i, true))) i += 4;
      while (i < e && CLS[b[i]] === 0) i++;
      if (i + 1 >= e || b[i] !== 34 || b[i + 1] !== 58) return -1;
      i += 2;
      if (i >= e) return -1;
      c = b[i];
      if (c === 34) {
        i++;
        while (i + 4 <= e && plain4(view.getInt32(i, true))) i += 4;
        while (i < e && CLS[b[i]] === 0) i++;
        if (i >= e || b[i] !== 34) return -1;
        i++;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        if (c === 45 && ++i >= e) return -1;
        c = b[i];
        if (c === 48) i++;
        else if (c >= 49 && c <= 57) { while (++i < e && (c = b[i]) >= 48 && c <= 57); }
        else return -1;
        if (i < e && b[i] === 46) {
          const from = ++i;
          while (i < e && (c = b[i]) >= 48 && c <= 57) i++;
          if (i === from) return -1;
        }
        if (i < e && (b[i] === 101 || b[i] === 69)) {
          if (++i < e && (b[i] === 43 || b[i] === 45)) i++;
          const from = i;
          while (i < e && (c = b[i]) >= 48 && c <= 57) i++;
          if (i === from) return -1;
        }
      } else if (c === 110 || c === 116) {
        // null, true
        if (i + 4 > e) return -1;
        const word = c === 110 ? L_NULL : L_TRUE;
        if (b[i + 1] !== word[1] || b[i + 2] !== word[2] || b[i + 3] !== word[3]) return -1;
        i += 4;
      } else if (c === 102) {
        if (
          i + 5 > e || b[i + 1] !== 97 || b[i + 2] !== 108 || b[i + 3] !== 115 || b[i + 4] !== 101
        ) {
          return -1;
        }
        i += 5;
      } else {
        return -1;
      }
      if (i >= e) return -1;
      c = b[i++];
      if (c === 125) break;
      if (c !== 44) return -1;
    }
  }
  return i;
}

// The slow path of `parseEvent`: any valid event, and the failure code of an invalid one.
function slowEvent(
  b: Uint8Array,
  s: number,
  e: number,
  options: { out: Float64Array; prevHex: boolean },
): number {
  const { out } = options;
  nonAscii = false;
  let i = parseIdentity(b, s, e, out);
  if (i < 0) return i;
  i = parseStrings(b, i, e, out);
  if (i < 0) return i;
  if (!literal(L_DETAILS, b, i, e)) return -F_DETAILS;
  i += L_DETAILS.length;
  if (i >= e || b[i] !== 123) return -F_DETAILS;
  i = value(b, i, e);
  if (i < 0) return -F_DETAILS;
  if (!literal(L_PREV, b, i, e)) return -F_PREV;
  out[O_PREV] = i += L_PREV.length;
  if (i + HASH_TAIL > e || b[i + HASH_HEX] !== 34 || b[i + HASH_HEX + 1] !== 125) return -F_PREV;
  if (options.prevHex) {
    if (!hex64(b, i)) return -F_PREV;
  }
  if (nonAscii && !isUtf8(b.subarray(s, i + HASH_TAIL))) return -F_UTF8;
  return i + HASH_TAIL;
}

// `{"v":1,"seq":N` and the fixed-width run up to `,"actor":`; returns the index past it or minus a code.
function parseIdentity(b: Uint8Array, s: number, e: number, out: Float64Array): number {
  let i = s;
  if (!literal(L_HEAD, b, i, e)) return -F_V;
  i += L_HEAD.length;
  if (i >= e || b[i] < 49 || b[i] > 57) return -F_SEQ;
  const seqEnd = digits(b, i, e);
  if (seqEnd - i > 16) return -F_SEQ;
  let seq = 0;
  for (; i < seqEnd; i++) seq = seq * 10 + (b[i] - 48);
  if (seq > Number.MAX_SAFE_INTEGER) return -F_SEQ;
  out[O_SEQ] = seq;
  if (b[i] !== 44) return -F_SEQ;
  // The fixed-width run from `,"id":` to `,"actor":`, one table lookup a byte.
  if (i + FIXED_LENGTH > e) return -F_ID;
  let ok = 1;
  for (let k = 0; k < FIXED_LENGTH; k++) ok &= FIXED[(k << 8) | b[i + k]];
  if (ok === 0) {
    let k = 0;
    while (FIXED[(k << 8) | b[i + k]] === 1) k++;
    return k < 37 ? -F_ID : k < 70 ? -F_TS : -F_ACTOR;
  }
  out[O_TS] = i + 45;
  return i + FIXED_LENGTH;
}

// actor, action, target and reason; returns the index past them or minus a code.
function parseStrings(b: Uint8Array, i: number, e: number, out: Float64Array): number {
  out[O_ACTOR] = i;
  out[O_ACTOR + 1] = i = string(b, i, e);
  if (i < 0) return -F_ACTOR;
  if (!literal(L_ACTION, b, i, e)) return -F_ACTION;
  out[O_ACTION] = i += L_ACTION.length;
  out[O_ACTION + 1] = i = string(b, i, e);
  if (i < 0) return -F_ACTION;
  if (!literal(L_TARGET, b, i, e)) return -F_TARGET;
  out[O_TYPE] = i += L_TARGET.length;
  out[O_TYPE + 1] = i = string(b, i, e);
  if (i < 0 || !literal(L_TARGET_ID, b, i, e)) return -F_TARGET;
  out[O_TARGET_ID] = i += L_TARGET_ID.length;
  out[O_TARGET_ID + 1] = i = string(b, i, e);
  if (i < 0 || i >= e || b[i] !== 125) return -F_TARGET;
  i++;
  if (!literal(L_REASON, b, i, e)) return -F_REASON;
  i += L_REASON.length;
  i = literal(L_NULL, b, i, e) ? i + 4 : string(b, i, e);
  return i < 0 ? -F_REASON : i;
}

/**
 * The newline of a good line at `b[pos]`, found by parsing it (its fields
 * left in {@linkcode OUT}), or -1: then the slow path decides.
 */
export function goodLineEnd(b: Uint8Array, pos: number, len: number): number {
  if (b[pos] !== 123 || b[pos + 1] !== 34 || b[pos + EVENT_OFFSET - 1] !== 58) return -1;
  const ee = parseEvent(b, pos + EVENT_OFFSET, len, HOT);
  if (ee < 0) return -1;
  const nl = ee + FRAME_TAIL;
  return nl < len && b[nl] === 10 && checkShell(b, pos, nl) ? nl : -1;
}
