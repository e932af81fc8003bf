/**
 * The byte-level checker of audit log lines, shared by the main thread and
 * the verify workers. {@linkcode createScanner} must stay self-contained: no
 * imports or outer variables inside it, because the workers receive its
 * source text (a compiled single binary has no worker file on disk).
 *
 * @module
 */

/** The Node built-ins the scanner uses, passed in so that workers can `require` them. */
export interface ScannerModules {
  /** `node:crypto`. */
  crypto: {
    createHash(algorithm: string): {
      update(data: Uint8Array): { digest(encoding: "hex"): string };
    };
    hash?: unknown;
  };
  /** `node:buffer`. */
  buffer: { isUtf8?: unknown };
}

/** A read the scan driver must perform, as `fs.read(fd, buffer, offset, length, position)`. */
export interface ReadRequest {
  /** Where to put the bytes. */
  buffer: Uint8Array;
  /** Index in `buffer` of the first byte to fill. */
  offset: number;
  /** How many bytes to read at most. */
  length: number;
  /** File offset to read from. */
  position: number;
}

/** The first damaged line a scan met, as raw facts; `_verify.ts` classifies them. */
export interface ScanFailure {
  /** One of the `F_*` codes of {@linkcode createScanner}. */
  code: number;
  /** File offset of the line. */
  lineStart: number;
  /** File offset just past the line's newline (or the end of the file). */
  lineEnd: number;
  /** The seq the line should have had. */
  expected: number;
  /** The seq the line claims, or -1 when it could not be read. */
  lineSeq: number;
  /** The hash the line claims, or `""` when it could not be read. */
  lineHash: string;
  /** The hash of the previous line. */
  prevHash: string;
}

/** The state of a scan over one byte range; plain data, so it crosses worker boundaries. */
export interface ScanState {
  /** Lines that start at or after this file offset belong to the next range. */
  end: number;
  /** The seq the next line must have; 0 while unknown (a range scanned without a seed). */
  expected: number;
  /** The hash the next line's `prev` must equal. */
  prevHash: string;
  /** Index of the previous line's hash in the scan buffer, or -1. */
  prevAt: number;
  /** Good lines seen. */
  count: number;
  /** Seq of the first good line. */
  firstSeq: number;
  /** `prev` of the first good line. */
  firstPrev: string;
  /** Seq of the last good line. */
  lastSeq: number;
  /** Hash of the last good line. */
  lastHash: string;
  /** `prev` of the last good line. */
  lastPrev: string;
  /** A seq whose hash to record, or -1. */
  watchSeq: number;
  /** The hash of the line with seq `watchSeq`, once seen. */
  watchHash: string;
  /** Whether the scan stopped (range end or damage). */
  done: boolean;
  /** The first damaged line, if any. */
  failure: ScanFailure | null;
}

/** The operations of a scanner. */
export interface Scanner {
  /** Checks the `{"event":…,"hash":"…"}` framing of the line `b[s, e)` (without its newline). */
  checkFrame(b: Uint8Array, s: number, e: number): boolean;
  /**
   * Checks that `b[s, e)` is a compact v1 event with the keys in order and
   * the right types, and fills `out` (see `O_*`). Returns 0 or an `F_*` code.
   */
  checkEvent(b: Uint8Array, s: number, e: number, out: Float64Array, prevHex?: boolean): number;
  /** Lowercase hex SHA-256 of the bytes. */
  sha256Hex(bytes: Uint8Array): string;
  /** Creates the state of a scan; a null seed means the first line is taken on trust. */
  newState(seed: { seq: number; hash: string } | null, end: number, watchSeq: number): ScanState;
  /** Scans lines from the first line boundary at or after `start`; yields reads to perform. */
  run(
    state: ScanState,
    start: number,
    size: number,
    chunkBytes: number,
  ): Generator<ReadRequest, void, number>;
  /** The failure codes this scanner uses; they equal those of {@linkcode CODES}. */
  codes: Record<string, number>;
}

/** Failure codes and `out` slots of {@linkcode Scanner}. */
export const CODES = {
  F_FRAME: 1,
  F_V: 2,
  F_SEQ: 3,
  F_ID: 4,
  F_TS: 5,
  F_ACTOR: 6,
  F_ACTION: 7,
  F_TARGET: 8,
  F_REASON: 9,
  F_DETAILS: 10,
  F_PREV: 11,
  F_UTF8: 12,
  F_HASH: 20,
  F_SEQ_ORDER: 21,
  F_LINK: 22,
  F_TORN: 23,
  O_SEQ: 0,
  O_TS: 1,
  O_ACTOR: 2,
  O_ACTION: 4,
  O_TYPE: 6,
  O_TARGET_ID: 8,
  O_PREV: 10,
  O_SIZE: 12,
} as const;

/**
 * Builds the scanner. Self-contained: see the module documentation.
 *
 * @example
 * ```ts
 * import * as crypto from "node:crypto";
 * import * as buffer from "node:buffer";
 * import { createScanner } from "./_scanner.ts";
 * const scanner = createScanner({ crypto, buffer });
 * console.assert(scanner.sha256Hex(new Uint8Array()).startsWith("e3b0c442"));
 * ```
 */
export function createScanner(modules: ScannerModules): Scanner {
  const F_FRAME = 1, F_V = 2, F_SEQ = 3, F_ID = 4, F_TS = 5, F_ACTOR = 6, F_ACTION = 7;
  const F_TARGET = 8, F_REASON = 9, F_DETAILS = 10, F_PREV = 11, F_UTF8 = 12;
  const F_HASH = 20, F_SEQ_ORDER = 21, F_LINK = 22, F_TORN = 23;
  // A line that failed the fast path; `fail` finds out why.
  const F_UNKNOWN = -1;

  const crypto = modules.crypto;
  const oneShot = typeof crypto.hash === "function"
    ? crypto.hash as (algorithm: string, data: Uint8Array) => string
    : null;
  const sha256Hex = oneShot
    ? (bytes: Uint8Array) => oneShot("sha256", bytes)
    : (bytes: Uint8Array) => crypto.createHash("sha256").update(bytes).digest("hex");
  const strictDecoder = new TextDecoder("utf-8", { fatal: true });
  const isUtf8 = typeof modules.buffer.isUtf8 === "function"
    ? modules.buffer.isUtf8 as (bytes: Uint8Array) => boolean
    : (bytes: Uint8Array) => {
      try {
        strictDecoder.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };

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
  const HEX = table("0123456789abcdef");
  const ANY_HEX = table("0123456789abcdefABCDEF");
  const ESCAPE = table('"\\/bfnrt');
  const CROCKFORD = table("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
  // After "seq": `,"id":"evt_` + 26 Crockford digits + `","ts":"` + the ts shape + `,"actor":`;
  // FIXED[k * 256 + byte] tells whether `byte` may appear at position k.
  const FIXED_SHAPE =
    ',"id":"evt_CCCCCCCCCCCCCCCCCCCCCCCCCC","ts":"DDDD-DD-DDTDD:DD:DD.DDDZ","actor":';
  const FIXED_LENGTH = FIXED_SHAPE.length;
  const FIXED = new Uint8Array(FIXED_LENGTH * 256);
  for (let k = 0; k < FIXED_LENGTH; k++) {
    const want = FIXED_SHAPE.charCodeAt(k);
    for (let c = 0; c < 256; c++) {
      const ok = want === 67 && k > 10
        ? CROCKFORD[c] === 1
        : want === 68
        ? c >= 48 && c <= 57
        : c === want;
      FIXED[(k << 8) | c] = ok ? 1 : 0;
    }
  }
  const PREFIX = ascii('{"event":');
  const SUFFIX = ascii(',"hash":"');
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

  let nonAscii = false;
  let stack = new Uint8Array(64);

  function literal(lit: Uint8Array, b: Uint8Array, i: number, e: number): boolean {
    const n = lit.length;
    if (i + n > e) return false;
    for (let k = 0; k < n; k++) if (b[i + k] !== lit[k]) return false;
    return true;
  }

  function string(b: Uint8Array, i: number, e: number): number {
    if (i >= e || b[i] !== 34) return -1;
    i++;
    while (i < e) {
      const k = CLS[b[i]];
      if (k === 0) {
        i++;
      } else if (k === 1) {
        return i + 1;
      } else if (k === 2) {
        if (i + 1 >= e) return -1;
        const d = b[i + 1];
        if (d === 117) {
          if (
            i + 6 > e || !ANY_HEX[b[i + 2]] || !ANY_HEX[b[i + 3]] || !ANY_HEX[b[i + 4]] ||
            !ANY_HEX[b[i + 5]]
          ) return -1;
          i += 6;
        } else if (ESCAPE[d]) {
          i += 2;
        } else {
          return -1;
        }
      } else if (k === 3) {
        return -1;
      } else {
        nonAscii = true;
        i++;
      }
    }
    return -1;
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

  // Iterative, so that deep nesting cannot overflow the call stack.
  function value(b: Uint8Array, i: number, e: number): number {
    let depth = 0;
    for (;;) {
      if (i >= e) return -1;
      const c = b[i];
      let open = 0;
      if (c === 123) {
        i++;
        if (i < e && b[i] === 125) i++;
        else open = 1;
      } else if (c === 91) {
        i++;
        if (i < e && b[i] === 93) i++;
        else open = 2;
      } else if (c === 34) {
        i = string(b, i, e);
      } else if (c === 110) {
        i = literal(L_NULL, b, i, e) ? i + 4 : -1;
      } else if (c === 116) {
        i = literal(L_TRUE, b, i, e) ? i + 4 : -1;
      } else if (c === 102) {
        i = literal(L_FALSE, b, i, e) ? i + 5 : -1;
      } else {
        i = number(b, i, e);
      }
      if (i < 0) return -1;
      if (open !== 0) {
        if (depth === stack.length) {
          const bigger = new Uint8Array(depth * 2);
          bigger.set(stack);
          stack = bigger;
        }
        stack[depth++] = open;
        if (open === 1) {
          i = string(b, i, e);
          if (i < 0 || i >= e || b[i] !== 58) return -1;
          i++;
        }
        continue;
      }
      for (;;) {
        if (depth === 0) return i;
        if (i >= e) return -1;
        const top = stack[depth - 1];
        const d = b[i];
        if (d === 44) {
          i++;
          if (top === 1) {
            i = string(b, i, e);
            if (i < 0 || i >= e || b[i] !== 58) return -1;
            i++;
          }
          break;
        }
        if (d !== (top === 1 ? 125 : 93)) return -1;
        depth--;
        i++;
      }
    }
  }

  // The fixed bytes around the event; the hex digits are checked separately.
  function checkShell(b: Uint8Array, s: number, e: number): boolean {
    if (e - s < 86) return false;
    for (let k = 0; k < 9; k++) if (b[s + k] !== PREFIX[k]) return false;
    const t = e - 75;
    for (let k = 0; k < 9; k++) if (b[t + k] !== SUFFIX[k]) return false;
    return b[e - 2] === 34 && b[e - 1] === 125;
  }

  function checkFrame(b: Uint8Array, s: number, e: number): boolean {
    if (!checkShell(b, s, e)) return false;
    for (let k = e - 66; k < e - 2; k++) if (HEX[b[k]] === 0) return false;
    return true;
  }

  function checkEvent(b: Uint8Array, s: number, e: number, out: Float64Array): number {
    const end = parseEvent(b, s, e, out, true);
    if (end < 0) return -end;
    return end === e ? 0 : F_PREV;
  }

  // Checks the event starting at b[s] without reading at or past `limit`;
  // returns where it ends or minus a failure code. `prevHex` false skips the
  // hex check of "prev", for callers that compare it with a real hash.
  function parseEvent(
    b: Uint8Array,
    s: number,
    e: number,
    out: Float64Array,
    prevHex: boolean,
  ): number {
    nonAscii = false;
    let i = s;
    if (!literal(L_HEAD, b, i, e)) return -F_V;
    i += L_HEAD.length;
    if (i >= e || b[i] < 49 || b[i] > 57) return -F_SEQ;
    const seqEnd = digits(b, i, e);
    if (seqEnd - i > 16) return -F_SEQ;
    let seq = 0;
    for (; i < seqEnd; i++) seq = seq * 10 + (b[i] - 48);
    if (seq > 9007199254740991) return -F_SEQ;
    out[0] = seq;
    if (b[i] !== 44) return -F_SEQ;
    // The fixed-width run from `,"id":` to `,"actor":`, one table lookup a byte.
    if (i + FIXED_LENGTH > e) return -F_ID;
    for (let k = 0; k < FIXED_LENGTH; k++) {
      if (FIXED[(k << 8) | b[i + k]] === 0) return k < 37 ? -F_ID : k < 70 ? -F_TS : -F_ACTOR;
    }
    out[1] = i + 45;
    i += FIXED_LENGTH;
    out[2] = i;
    out[3] = i = string(b, i, e);
    if (i < 0) return -F_ACTOR;
    if (!literal(L_ACTION, b, i, e)) return -F_ACTION;
    out[4] = i += L_ACTION.length;
    out[5] = i = string(b, i, e);
    if (i < 0) return -F_ACTION;
    if (!literal(L_TARGET, b, i, e)) return -F_TARGET;
    out[6] = i += L_TARGET.length;
    out[7] = i = string(b, i, e);
    if (i < 0 || !literal(L_TARGET_ID, b, i, e)) return -F_TARGET;
    out[8] = i += L_TARGET_ID.length;
    out[9] = i = string(b, i, e);
    if (i < 0 || i >= e || b[i] !== 125) return -F_TARGET;
    i++;
    if (!literal(L_REASON, b, i, e)) return -F_REASON;
    i += L_REASON.length;
    i = literal(L_NULL, b, i, e) ? i + 4 : string(b, i, e);
    if (i < 0) return -F_REASON;
    if (!literal(L_DETAILS, b, i, e)) return -F_DETAILS;
    i += L_DETAILS.length;
    if (i >= e || b[i] !== 123) return -F_DETAILS;
    i = value(b, i, e);
    if (i < 0) return -F_DETAILS;
    if (!literal(L_PREV, b, i, e)) return -F_PREV;
    out[10] = i += L_PREV.length;
    if (i + 66 > e || b[i + 64] !== 34 || b[i + 65] !== 125) return -F_PREV;
    if (prevHex) { for (let k = i; k < i + 64; k++) if (HEX[b[k]] === 0) return -F_PREV; }
    if (nonAscii && !isUtf8(b.subarray(s, i + 66))) return -F_UTF8;
    return i + 66;
  }

  function text(b: Uint8Array, from: number, to: number): string {
    let out = "";
    for (let k = from; k < to; k++) out += String.fromCharCode(b[k]);
    return out;
  }

  function newState(
    seed: { seq: number; hash: string } | null,
    end: number,
    watchSeq: number,
  ): ScanState {
    return {
      end,
      expected: seed ? seed.seq + 1 : 0,
      prevHash: seed ? seed.hash : "",
      prevAt: -1,
      count: 0,
      firstSeq: 0,
      firstPrev: "",
      lastSeq: seed ? seed.seq : 0,
      lastHash: seed ? seed.hash : "",
      lastPrev: "",
      watchSeq,
      watchHash: "",
      done: false,
      failure: null,
    };
  }

  const OUT = new Float64Array(12);

  function fail(
    state: ScanState,
    code: number,
    b: Uint8Array,
    pos: number,
    nl: number,
    base: number,
  ): void {
    let lineSeq = -1;
    let lineHash = "";
    if (code !== F_TORN) {
      if (!checkFrame(b, pos, nl)) {
        code = F_FRAME;
      } else {
        lineHash = text(b, nl - 66, nl - 2);
        const hashOk = code !== F_HASH &&
          (code !== F_UNKNOWN || sha256Hex(b.subarray(pos + 9, nl - 75)) === lineHash);
        const structure = checkEvent(b, pos + 9, nl - 75, OUT);
        if (structure === 0) lineSeq = OUT[0];
        if (!hashOk) code = F_HASH;
        else if (structure !== 0) code = structure;
      }
    }
    state.failure = {
      code,
      lineStart: base + pos,
      lineEnd: base + nl + (code === F_TORN ? 0 : 1),
      expected: state.expected,
      lineSeq,
      lineHash,
      prevHash: state.prevHash,
    };
    state.done = true;
  }

  // Consumes the complete lines of b[pos, len); returns where it stopped. A
  // good line is parsed up to its newline directly; anything else goes
  // through indexOf and the full checks. The previous line's hash is
  // compared in place (state.prevAt) while it is still in `b`.
  function feed(state: ScanState, b: Uint8Array, base: number, pos: number, len: number): number {
    const out = OUT;
    while (!state.done) {
      if (base + pos >= state.end) {
        state.done = true;
        break;
      }
      let nl = -1;
      let ee = -1;
      if (b[pos] === 123 && b[pos + 1] === 34 && b[pos + 8] === 58) {
        ee = parseEvent(b, pos + 9, len, out, false);
        if (ee > 0) {
          nl = ee + 75;
          if (nl >= len || b[nl] !== 10 || !checkShell(b, pos, nl)) nl = -1;
        }
      }
      if (nl < 0) {
        nl = b.indexOf(10, pos);
        if (nl < 0 || nl >= len) break;
        fail(state, F_UNKNOWN, b, pos, nl, base);
        break;
      }
      const hash = sha256Hex(b.subarray(pos + 9, ee));
      const at = ee + 9;
      let k = 0;
      while (k < 64 && hash.charCodeAt(k) === b[at + k]) k++;
      if (k !== 64) {
        fail(state, F_HASH, b, pos, nl, base);
        break;
      }
      const seq = out[0];
      const p = ee - 66;
      if (state.expected === 0) {
        state.firstPrev = state.lastPrev = text(b, p, p + 64);
        state.firstSeq = seq;
      } else {
        if (seq !== state.expected) {
          fail(state, F_SEQ_ORDER, b, pos, nl, base);
          break;
        }
        k = 0;
        const prevAt = state.prevAt;
        if (prevAt >= 0) {
          while (k < 64 && b[prevAt + k] === b[p + k]) k++;
        } else {
          const prev = state.prevHash;
          while (k < 64 && prev.charCodeAt(k) === b[p + k]) k++;
        }
        if (k !== 64) {
          fail(state, F_LINK, b, pos, nl, base);
          break;
        }
        if (state.count === 0) {
          state.firstSeq = seq;
          state.firstPrev = state.prevHash;
        }
        state.lastPrev = state.prevHash;
      }
      if (seq === state.watchSeq) state.watchHash = hash;
      state.prevHash = state.lastHash = hash;
      state.prevAt = at;
      state.lastSeq = seq;
      state.expected = seq + 1;
      state.count++;
      pos = nl + 1;
    }
    return pos;
  }

  function* run(
    state: ScanState,
    start: number,
    size: number,
    chunkBytes: number,
  ): Generator<ReadRequest, void, number> {
    // Reads stop a little past the range end, and go further only while its last line is incomplete.
    const slack = 1 << 16;
    let buffer = new Uint8Array(Math.min(chunkBytes, Math.max(slack, state.end - start + slack)));
    let base = start > 0 ? start - 1 : 0;
    let limit = Math.min(size, state.end + slack);
    let len = 0;
    let pos = 0;
    let aligned = start === 0;
    state.prevAt = -1;
    for (;;) {
      if (len < buffer.length && base + len < limit) {
        const n = yield {
          buffer,
          offset: len,
          length: Math.min(buffer.length - len, limit - base - len),
          position: base + len,
        };
        if (n <= 0) size = limit = base + len;
        len += n;
        continue;
      }
      if (!aligned) {
        const nl = buffer.indexOf(10);
        if (nl < 0 || nl >= len) {
          if (base + len >= size) return;
          base += len;
          len = 0;
          limit = Math.min(size, Math.max(limit, base + slack));
          continue;
        }
        pos = nl + 1;
        aligned = true;
      }
      pos = feed(state, buffer, base, pos, len);
      if (state.done) return;
      if (base + len >= size) {
        if (pos < len && base + pos < state.end) fail(state, F_TORN, buffer, pos, len, base);
        return;
      }
      if (base + len >= limit) limit = Math.min(size, base + len + slack);
      // Keep the previous line's hash in the buffer for the in-place link check.
      const keep = state.prevAt >= 0 ? Math.min(state.prevAt, pos) : pos;
      if (keep > 0) {
        buffer.copyWithin(0, keep, len);
        base += keep;
        len -= keep;
        pos -= keep;
        if (state.prevAt >= 0) state.prevAt -= keep;
      } else if (len === buffer.length) {
        const bigger = new Uint8Array(buffer.length * 2);
        bigger.set(buffer);
        buffer = bigger;
      }
    }
  }

  const codes = {
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
    F_HASH,
    F_SEQ_ORDER,
    F_LINK,
    F_TORN,
  };
  return { checkFrame, checkEvent, sha256Hex, newState, run, codes };
}
