/**
 * The scan of audit log lines, shared by the main thread and the verify
 * workers (`_verify_worker.ts`, which imports this module): the state of a
 * scan, the chain from line to line, and batches of lines hashed at once.
 * Each line's structure is checked by `_line_check.ts`; the framing and the
 * failure codes come from `_format.ts`.
 *
 * Hot path: a good line's newline is at a fixed offset (`FRAME_TAIL`) past
 * its event, its hash is compared in place, and the previous line's hash is
 * compared with `prev` in the buffer.
 *
 * @module
 */
import {
  CODES,
  EVENT_OFFSET,
  FRAME_TAIL,
  HASH_HEX,
  HASH_TAIL,
  latin1,
  MIN_LINE,
  sha256Hex,
} from "./_format.ts";
import { type BatchHasher, createBatchHasher } from "./_sha256x4.ts";
import { checkEvent, checkFrame, F_UNKNOWN, goodLineEnd, OUT } from "./_line_check.ts";

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
  /** One of the `F_*` codes of `CODES`. */
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
  /** File offsets of the good lines whose action is one of the scan's `actions`, in order. */
  marks: number[];
}

/** Where and how a scan reads; see {@linkcode scanSteps}. */
export interface ScanJob {
  /** File offset to start at; the scan begins at the first line boundary at or after it. */
  start: number;
  /** How many bytes of the file to consider. */
  size: number;
  /** Bytes per read. */
  chunkBytes: number;
  /** A buffer to reuse between scans of one thread; the scan stores a grown one back here. */
  scratch?: Scratch;
  /** Actions whose lines to record in `marks`. */
  actions?: readonly string[];
}

/**
 * The read buffer a thread reuses between scans, and the batch hasher whose
 * memory holds it (absent until the first scan, null without WebAssembly SIMD).
 */
export interface Scratch {
  /** The read buffer. */
  bytes: Uint8Array | null;
  /** The hasher; a buffer inside its memory is hashed a batch of lines at a time. */
  hasher?: BatchHasher | null;
}

const {
  F_FRAME,
  F_HASH,
  F_SEQ_ORDER,
  F_LINK,
  F_TORN,
  O_SEQ,
  O_ACTION,
  O_PREV,
} = CODES;
/**
 * Creates the state of a scan of the lines starting before `end`; a null
 * seed means the first line is taken on trust (a range of the parallel path).
 *
 * @example
 * ```ts
 * import { newState } from "./_scanner.ts";
 * import assert from "node:assert/strict";
 * assert.equal(newState({ seq: 0, hash: "0".repeat(64) }, { end: 0, watchSeq: -1 }).expected, 1);
 * ```
 */
export function newState(
  seed: { seq: number; hash: string } | null,
  options: { end: number; watchSeq: number },
): ScanState {
  return {
    end: options.end,
    expected: seed ? seed.seq + 1 : 0,
    prevHash: seed ? seed.hash : "",
    prevAt: -1,
    count: 0,
    firstSeq: 0,
    firstPrev: "",
    lastSeq: seed ? seed.seq : 0,
    lastHash: seed ? seed.hash : "",
    lastPrev: "",
    watchSeq: options.watchSeq,
    watchHash: "",
    done: false,
    failure: null,
    marks: [],
  };
}

// Records the first damage of the line b[pos, nl) and stops the scan; works out why when `code` is F_UNKNOWN.
function fail(
  state: ScanState,
  code: number,
  b: Uint8Array,
  at: { pos: number; nl: number; base: number },
): void {
  const { pos, nl, base } = at;
  let lineSeq = -1;
  let lineHash = "";
  if (code !== F_TORN) {
    if (!checkFrame(b, pos, nl)) {
      code = F_FRAME;
    } else {
      lineHash = latin1(b, { from: nl - HASH_TAIL, to: nl - 2 });
      const hashOk = code !== F_HASH &&
        (code !== F_UNKNOWN ||
          sha256Hex(b.subarray(pos + EVENT_OFFSET, nl - FRAME_TAIL)) === lineHash);
      const structure = checkEvent(b, pos + EVENT_OFFSET, nl - FRAME_TAIL, OUT);
      if (structure === 0) lineSeq = OUT[O_SEQ];
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

// Whether the 64 bytes at b[at] spell the hex string `hex`.
function sameHex(b: Uint8Array, at: number, hex: string): boolean {
  let k = 0;
  while (k < HASH_HEX && hex.charCodeAt(k) === b[at + k]) k++;
  return k === HASH_HEX;
}

// Whether the line's `prev` (at b[p]) is the previous line's hash.
function linksBack(state: ScanState, b: Uint8Array, p: number): boolean {
  const prevAt = state.prevAt;
  if (prevAt < 0) return sameHex(b, p, state.prevHash);
  let k = 0;
  while (k < HASH_HEX && b[prevAt + k] === b[p + k]) k++;
  return k === HASH_HEX;
}

// Actions a scan records, with the JSON tokens a line spells them with.
type Wanted = { value: string; token: Uint8Array }[];
const lineDecoder = new TextDecoder();

// Whether the JSON string token b[from, to) is one of the wanted actions.
function wantedAction(wanted: Wanted, b: Uint8Array, from: number, to: number): boolean {
  for (const { token } of wanted) {
    if (to - from === token.length) {
      let k = 0;
      while (k < token.length && b[from + k] === token[k]) k++;
      if (k === token.length) return true;
    }
  }
  // Only an escaped token can spell a wanted action differently; most have no
  // backslash, and a subarray a line would keep the collector busy.
  let k = from;
  while (k < to && b[k] !== 92) k++;
  if (k === to) return false;
  const value = JSON.parse(lineDecoder.decode(b.subarray(from, to)));
  return wanted.some((action) => action.value === value);
}

// Consumes the complete lines of b[pos, len); returns where it stopped.
function feed(
  state: ScanState,
  b: Uint8Array,
  chunk: { base: number; pos: number; len: number; hasher: BatchHasher | null; wanted: Wanted },
): number {
  const { hasher } = chunk;
  const pos = hasher !== null && b === hasher.bytes ? feedBatches(state, hasher, chunk) : chunk.pos;
  return state.done ? pos : feedLines(state, b, { ...chunk, pos });
}

// Per-line batch bookkeeping, grown with the hasher's capacity.
let seqs = new Float64Array(0);
let prevs = new Int32Array(0);
let lineStarts = new Int32Array(0);
let lineEnds = new Int32Array(0);
let actionStarts = new Int32Array(0);
let actionEnds = new Int32Array(0);

// The fast path: parses a batch of good lines, hashes them all in one call,
// then chains them. Stops before the first line the batch cannot take (the
// range's end, an incomplete or damaged line), which `feedLines` then
// handles, or at the first damage it finds, which it records as `feedLines`
// would have.
function feedBatches(
  state: ScanState,
  hasher: BatchHasher,
  chunk: { base: number; pos: number; len: number; wanted: Wanted },
): number {
  const { base, len, wanted } = chunk;
  const b = hasher.bytes;
  const capacity = hasher.capacity;
  if (seqs.length < capacity) {
    seqs = new Float64Array(capacity);
    prevs = new Int32Array(capacity);
    lineStarts = new Int32Array(capacity);
    lineEnds = new Int32Array(capacity);
    actionStarts = new Int32Array(capacity);
    actionEnds = new Int32Array(capacity);
  }
  let pos = chunk.pos;
  for (;;) {
    let n = 0;
    let p = pos;
    while (n < capacity && base + p < state.end) {
      const nl = goodLineEnd(b, p, len);
      if (nl < 0) break;
      hasher.set(n, { start: p + EVENT_OFFSET, end: nl - FRAME_TAIL, hashAt: nl - HASH_TAIL });
      seqs[n] = OUT[O_SEQ];
      prevs[n] = OUT[O_PREV];
      lineStarts[n] = p;
      lineEnds[n] = nl;
      actionStarts[n] = OUT[O_ACTION];
      actionEnds[n] = OUT[O_ACTION + 1];
      n++;
      p = nl + 1;
    }
    if (n === 0) return pos;
    const good = hasher.check(n);
    for (let i = 0; i < good; i++) {
      if (!acceptStored(state, b, i)) {
        settle(state, b, i - 1);
        const code = state.expected === seqs[i] ? F_LINK : F_SEQ_ORDER;
        fail(state, code, b, { pos: lineStarts[i], nl: lineEnds[i], base });
        return lineStarts[i];
      }
      state.prevAt = lineEnds[i] - HASH_TAIL;
      if (wanted.length > 0 && wantedAction(wanted, b, actionStarts[i], actionEnds[i])) {
        state.marks.push(base + lineStarts[i]);
      }
    }
    settle(state, b, good - 1);
    if (good < n) {
      fail(state, F_HASH, b, { pos: lineStarts[good], nl: lineEnds[good], base });
      return lineStarts[good];
    }
    pos = p;
    if (n < capacity) return pos;
  }
}

// `accept` for batch line i, whose stored hash is known to be right; the
// hash strings of the state are brought up to date by `settle`.
function acceptStored(state: ScanState, b: Uint8Array, i: number): boolean {
  const seq = seqs[i];
  if (!chain(state, b, { p: prevs[i], seq })) return false;
  if (seq === state.watchSeq) {
    const hashAt = lineEnds[i] - HASH_TAIL;
    state.watchHash = latin1(b, { from: hashAt, to: hashAt + HASH_HEX });
  }
  return true;
}

// Takes the line of `seq`, whose "prev" is at b[p], into the chain: false
// when it does not continue it. The first line of a range without a seed is
// taken on trust.
function chain(state: ScanState, b: Uint8Array, line: { p: number; seq: number }): boolean {
  const { p, seq } = line;
  if (state.expected === 0) {
    state.firstPrev = latin1(b, { from: p, to: p + HASH_HEX });
    state.firstSeq = seq;
  } else {
    if (seq !== state.expected || !linksBack(state, b, p)) return false;
    if (state.count === 0) {
      state.firstSeq = seq;
      state.firstPrev = state.prevHash;
    }
  }
  state.lastSeq = seq;
  state.expected = seq + 1;
  state.count++;
  return true;
}

// Sets the hash strings of the state from batch line `last`, the last one accepted.
function settle(state: ScanState, b: Uint8Array, last: number): void {
  if (last < 0) return;
  const hashAt = lineEnds[last] - HASH_TAIL;
  const p = prevs[last];
  state.prevHash = state.lastHash = latin1(b, { from: hashAt, to: hashAt + HASH_HEX });
  state.lastPrev = latin1(b, { from: p, to: p + HASH_HEX });
}

// The line-by-line path, hashing through `node:crypto`.
function feedLines(
  state: ScanState,
  b: Uint8Array,
  chunk: { base: number; pos: number; len: number; wanted: Wanted },
): number {
  const { base, len, wanted } = chunk;
  let pos = chunk.pos;
  while (!state.done) {
    if (base + pos >= state.end) {
      state.done = true;
      break;
    }
    const nl = goodLineEnd(b, pos, len);
    if (nl < 0) {
      const found = b.indexOf(10, pos);
      if (found >= 0 && found < len) fail(state, F_UNKNOWN, b, { pos, nl: found, base });
      break;
    }
    const hash = sha256Hex(b.subarray(pos + EVENT_OFFSET, nl - FRAME_TAIL));
    const at = nl - HASH_TAIL;
    if (!sameHex(b, at, hash)) {
      fail(state, F_HASH, b, { pos, nl, base });
      break;
    }
    if (!accept(state, b, hash)) {
      fail(state, state.expected === OUT[O_SEQ] ? F_LINK : F_SEQ_ORDER, b, { pos, nl, base });
      break;
    }
    // The in-place link check of the next line reads this line's hash.
    state.prevAt = at;
    if (wanted.length > 0 && wantedAction(wanted, b, OUT[O_ACTION], OUT[O_ACTION + 1])) {
      state.marks.push(base + pos);
    }
    pos = nl + 1;
  }
  return pos;
}

// Chains the line just parsed (its seq and `prev` offset in OUT) whose hash
// matched; false when its seq or `prev` does not follow.
function accept(state: ScanState, b: Uint8Array, hash: string): boolean {
  const first = state.expected === 0;
  const previous = state.prevHash;
  if (!chain(state, b, { p: OUT[O_PREV], seq: OUT[O_SEQ] })) return false;
  state.lastPrev = first ? state.firstPrev : previous;
  if (state.lastSeq === state.watchSeq) state.watchHash = hash;
  state.prevHash = state.lastHash = hash;
  return true;
}

/**
 * Scans the lines from the first line boundary at or after `job.start` into
 * `state`, yielding the reads to perform; the driver sends back each read's
 * byte count. Reads stop a little past `state.end`, and go further only
 * while its last line is incomplete.
 *
 * @example
 * ```ts
 * import { newState, scanSteps } from "./_scanner.ts";
 * import assert from "node:assert/strict";
 * const state = newState({ seq: 0, hash: "0".repeat(64) }, { end: 0, watchSeq: -1 });
 * const steps = scanSteps(state, { start: 0, size: 0, chunkBytes: 1 << 16 });
 * assert.ok(steps.next(0).done && state.count === 0);
 * ```
 */
export function* scanSteps(
  state: ScanState,
  job: ScanJob,
): Generator<ReadRequest, void, number> {
  const slack = 1 << 16;
  const { start } = job;
  const wanted: Wanted = (job.actions ?? []).map((value) => ({
    value,
    token: new TextEncoder().encode(JSON.stringify(value)),
  }));
  let size = job.size;
  const want = Math.min(job.chunkBytes, Math.max(slack, state.end - start + slack));
  const hasher = readBuffer(job.scratch ?? { bytes: null }, want);
  let buffer = hasher?.bytes ?? new Uint8Array(want);
  const kept = job.scratch?.bytes;
  if (!hasher && kept && kept.length >= want) buffer = kept;
  if (job.scratch) job.scratch.bytes = buffer;
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
    pos = feed(state, buffer, { base, pos, len, hasher, wanted });
    if (state.done) return;
    if (base + len >= size) {
      if (pos < len && base + pos < state.end) fail(state, F_TORN, buffer, { pos, nl: len, base });
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
      if (job.scratch) job.scratch.bytes = buffer;
    }
  }
}

// The thread's batch hasher, created or replaced so that its buffer holds `want` bytes.
function readBuffer(scratch: Scratch, want: number): BatchHasher | null {
  if (scratch.hasher === null) return null;
  if (scratch.hasher && scratch.hasher.bytes.length >= want) return scratch.hasher;
  // Enough jobs for a buffer of the shortest lines.
  scratch.hasher = createBatchHasher(want, Math.ceil(want / (MIN_LINE + 1)));
  return scratch.hasher;
}

/** A range to scan in a worker: plain data, posted as a message. */
export interface RangeJob {
  /** The log file. */
  file: string;
  /** File offset where the range starts. */
  start: number;
  /** Lines starting at or after this offset belong to the next range. */
  end: number;
  /** How many bytes of the file to consider. */
  size: number;
  /** Bytes per read. */
  chunkBytes: number;
  /** A seq whose hash to record, or -1. */
  watchSeq: number;
  /** Actions whose lines to record in the state's `marks`. */
  actions?: readonly string[];
}

/**
 * Scans one range without a seed, reading with a synchronous
 * `read(buffer, offset, length, position)` (such as `fs.readSync` on an open
 * file): what a worker does with each job.
 *
 * @example
 * ```ts
 * import { scanRangeSync } from "./_scanner.ts";
 * import assert from "node:assert/strict";
 * const state = scanRangeSync(
 *   { file: "unused", start: 0, end: 0, size: 0, chunkBytes: 1 << 16, watchSeq: -1 },
 *   { read: () => 0 },
 * );
 * assert.equal(state.count, 0);
 * ```
 */
export function scanRangeSync(
  job: RangeJob,
  io: {
    read(buffer: Uint8Array, offset: number, length: number, position: number): number;
    scratch?: Scratch;
  },
): ScanState {
  const state = newState(null, { end: job.end, watchSeq: job.watchSeq });
  const steps = scanSteps(state, {
    start: job.start,
    size: job.size,
    chunkBytes: job.chunkBytes,
    scratch: io.scratch,
    actions: job.actions,
  });
  let step = steps.next(0);
  while (!step.done) {
    const { buffer, offset, length, position } = step.value;
    step = steps.next(io.read(buffer, offset, length, position));
  }
  return state;
}
