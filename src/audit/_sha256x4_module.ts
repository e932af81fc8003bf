/**
 * Writes the WebAssembly module of `_sha256x4.ts` as bytes: SHA-256 of four
 * messages at once in the 32-bit lanes of SIMD registers, each digest
 * compared with lowercase hex in memory. Only `scripts/embed_wasm.ts` and
 * the tests run it; the hasher loads the embedded bytes.
 *
 * Where the time goes: the rounds, about 60 x64 instructions each, 22 of
 * them shifts (no SIMD rotate below AVX-512, which WebAssembly lacks).
 * Everything else stays in SIMD registers and off the rounds' way: the
 * message schedule in a ring of 16, `Maj` reusing the previous round's
 * `b ^ c`, the round constants loaded from a data segment, the padding
 * built with byte masks instead of `memory.copy` (a call out of the
 * module), and the digest turned into hex and compared without leaving the
 * registers. Tried and slower here: left shifts as multiplies, the state
 * in memory, the schedule computed 16 words at a time.
 *
 * @module
 */
import { HEAD_BYTES, JOB_BYTES } from "./_sha256x4.ts";

// log2 of the job size.
const JOB_SHIFT = Math.log2(JOB_BYTES);
// The head of memory: 128 bytes of padding blocks per lane, then K[t] as v128 splats.
const PAD_LANE = 128;
const K_AT = 4 * PAD_LANE;
if (K_AT + 64 * 16 > HEAD_BYTES) throw new Error("HEAD_BYTES is too small");

const K = [
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
];
const IV = [
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
];

// --- The WebAssembly binary, written by hand: opcodes of the core and SIMD specs.

const I32 = 0x7f;
const V128 = 0x7b;
const SIMD = 0xfd;

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(text: string): number[] {
  return [...uleb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
}

// A function body under construction; locals are numbered after the params.
class Code {
  readonly out: number[] = [];
  readonly locals: number[] = [];
  constructor(readonly params: number) {}
  local(type: number): number {
    this.locals.push(type);
    return this.params + this.locals.length - 1;
  }
  op(...bytes: number[]): this {
    for (const b of bytes) this.out.push(b);
    return this;
  }
  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  i32(value: number): this {
    return this.op(0x41, ...sleb(value | 0));
  }
  load(offset = 0): this {
    return this.op(0x28, 2, ...uleb(offset));
  }
  load8(offset = 0): this {
    return this.op(0x2d, 0, ...uleb(offset));
  }
  store8(offset = 0): this {
    return this.op(0x3a, 0, ...uleb(offset));
  }
  simd(code: number, ...rest: number[]): this {
    return this.op(SIMD, ...uleb(code), ...rest);
  }
  vload(offset = 0): this {
    return this.simd(0x00, 0, ...uleb(offset));
  }
  vstore(offset = 0): this {
    return this.simd(0x0b, 0, ...uleb(offset));
  }
  shuffle(lanes: number[]): this {
    return this.simd(0x0d, ...lanes);
  }
  vconst(bytes: number[]): this {
    return this.simd(0x0c, ...bytes);
  }
  // A v128 round constant: K[t] in every lane, from the data segment.
  k(t: number): this {
    return this.i32(0).vload(K_AT + 16 * t);
  }
  splat(value: number): this {
    return this.i32(value).simd(0x11);
  }
  body(): number[] {
    const groups: number[][] = this.locals.map((type) => [1, type]);
    const bytes = [...vector(groups), ...this.out, 0x0b];
    return [...uleb(bytes.length), ...bytes];
  }
}

const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  void: 0x40,
  eqz: 0x45,
  ne: 0x47,
  ltS: 0x48,
  ltU: 0x49,
  geS: 0x4e,
  add: 0x6a,
  sub: 0x6b,
  and: 0x71,
  or: 0x72,
  xor: 0x73,
  shl: 0x74,
  shrU: 0x76,
  select: 0x1b,
} as const;

const V = {
  swizzle: 0x0e,
  splat8: 0x0f,
  replace: 0x1c,
  eq8: 0x23,
  gtS8: 0x27,
  and: 0x4e,
  or: 0x50,
  xor: 0x51,
  bitselect: 0x52,
  allTrue8: 0x63,
  shrU8: 0x6d,
  shl: 0xab,
  shrU: 0xad,
  add: 0xae,
} as const;

// Shuffle lanes: 32-bit and 64-bit interleaves (one instruction each on x64), and a byte swap of each word.
const LO32 = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const HI32 = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];
const LO64 = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HI64 = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];
const LO8 = [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23];
const HI8 = [8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31];
const BSWAP = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];
const HEX_DIGITS = Array.from("0123456789abcdef", (ch) => ch.charCodeAt(0));

function splat8(value: number): number[] {
  return new Array(16).fill(value);
}

/**
 * The module's bytes. It exports its memory and `check(jobs, count)`: jobs
 * are {@linkcode JOB_BYTES}-byte records at `jobs`, and `check` returns the
 * index of the first whose SHA-256 is not the lowercase hex at its third
 * field, or `count`. The first {@linkcode HEAD_BYTES} bytes of memory are
 * the module's own.
 *
 * @example
 * ```ts
 * import { sha256x4Module } from "./_sha256x4_module.ts";
 * import assert from "node:assert/strict";
 * assert.ok(WebAssembly.validate(sha256x4Module()));
 * ```
 */
export function sha256x4Module(): Uint8Array<ArrayBuffer> {
  const constants = K.flatMap((k) => new Array(4).fill([k, k >>> 8, k >>> 16, k >>> 24]).flat())
    .map((byte) => byte & 255);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([[0x60, 2, I32, I32, 1, I32]])),
    ...section(3, vector([[0]])),
    ...section(5, vector([[0x00, 1]])),
    ...section(7, vector([[...name("memory"), 2, 0], [...name("check"), 0, 0]])),
    ...section(10, vector([checkBody()])),
    ...section(
      11,
      vector([[0x00, 0x41, ...sleb(K_AT), 0x0b, ...uleb(constants.length), ...constants]]),
    ),
  ];
  return new Uint8Array(bytes);
}

type Lane = {
  job: number;
  ptr: number;
  full: number;
  tail: number;
  tailLeft: number;
  addr: number;
};

function checkBody(): number[] {
  const c = new Code(2);
  const [jobs, count] = [0, 1];
  const next = c.local(I32);
  const bad = c.local(I32);
  const tmp = c.local(I32);
  const len = c.local(I32);
  const src = c.local(I32);
  const lane = Array.from({ length: 4 }, () => ({
    job: c.local(I32),
    ptr: c.local(I32),
    full: c.local(I32),
    tail: c.local(I32),
    tailLeft: c.local(I32),
    addr: c.local(I32),
  }));
  const state = Array.from({ length: 8 }, () => c.local(V128));
  const work = Array.from({ length: 8 }, () => c.local(V128));
  const w = Array.from({ length: 16 }, () => c.local(V128));
  const t1 = c.local(V128);
  const rows = Array.from({ length: 4 }, () => c.local(V128));
  const pairs = Array.from({ length: 4 }, () => c.local(V128));
  const maj = [c.local(V128), c.local(V128)];
  const v = c.local(V128);

  c.get(count).set(bad);
  for (const l of lane) c.i32(-1).set(l.job);
  c.op(OP.block, OP.void, OP.loop, OP.void);
  // Lanes whose message is done: check it, then take the next message or go idle.
  lane.forEach((l, index) => {
    c.get(l.job).i32(0).op(OP.ltS);
    c.get(l.full).get(l.tailLeft).op(OP.or, OP.eqz, OP.or);
    c.op(OP.if, OP.void);
    finishLane(c, { l, index, jobs, bad, state, tmp, v: [v, rows[0], rows[1]] });
    c.get(next).get(bad).op(OP.ltS, OP.if, OP.void);
    startLane(c, { l, index, jobs, next, len, tmp, src, state, v });
    c.op(OP.else).i32(-1).set(l.job).op(OP.end);
    c.op(OP.end);
  });
  // All lanes idle: done.
  for (const l of lane) c.get(l.job);
  c.op(OP.and, OP.and, OP.and).i32(0).op(OP.ltS, OP.brIf, 1);
  // Each lane's next block: a full block of its message, then its padding blocks; no branches.
  for (const l of lane) {
    c.get(l.full).i32(0).op(OP.ne).set(tmp);
    c.get(l.ptr).get(l.tail).get(tmp).op(OP.select).set(l.addr);
    c.get(l.ptr).get(tmp).i32(6).op(OP.shl, OP.add).set(l.ptr);
    c.get(l.full).get(tmp).op(OP.sub).set(l.full);
    c.get(tmp).i32(1).op(OP.xor).set(tmp);
    c.get(l.tail).get(tmp).i32(6).op(OP.shl, OP.add).set(l.tail);
    c.get(l.tailLeft).get(tmp).op(OP.sub).set(l.tailLeft);
  }
  compressBlock(c, { lane, state, work, w, t1, rows, pairs, maj });
  c.op(OP.br, 0, OP.end, OP.end);
  c.get(bad);
  return c.body();
}

// Compares the digest of lane `index` with the expected hex in SIMD registers; `v` are 3 spare v128 locals.
function finishLane(
  c: Code,
  at: {
    l: Lane;
    index: number;
    jobs: number;
    bad: number;
    state: number[];
    tmp: number;
    v: number[];
  },
): void {
  const { l, index, jobs, bad, state, tmp, v } = at;
  const [digest, high, low] = v;
  c.get(l.job).i32(0).op(OP.geS, OP.if, OP.void);
  // tmp = where the expected hex is.
  c.get(jobs).get(l.job).i32(JOB_SHIFT).op(OP.shl, OP.add).load(8).set(tmp);
  // The lane's word of two states, byte-swapped (big-endian), in the low 8 bytes.
  const pick = Array.from(
    { length: 16 },
    (_, i) => (i < 8 ? (i >> 2) * 16 + 4 * index + 3 - (i & 3) : 4 * index),
  );
  for (let half = 0; half < 2; half++) {
    c.get(state[4 * half]).get(state[4 * half + 1]).shuffle(pick);
    c.get(state[4 * half + 2]).get(state[4 * half + 3]).shuffle(pick);
    c.shuffle(LO64).set(digest);
    // Nibbles to lowercase hex through a table, then interleaved high nibble first.
    c.vconst(HEX_DIGITS).get(digest).i32(4).simd(V.shrU8).simd(V.swizzle).set(high);
    c.vconst(HEX_DIGITS).get(digest).vconst(splat8(15)).simd(V.and).simd(V.swizzle).set(low);
    c.get(high).get(low).shuffle(LO8).get(tmp).vload(32 * half).simd(V.eq8);
    c.get(high).get(low).shuffle(HI8).get(tmp).vload(32 * half + 16).simd(V.eq8);
    c.simd(V.and);
  }
  c.simd(V.and).simd(V.allTrue8).op(OP.eqz, OP.if, OP.void);
  // A mismatch: remember the lowest, and take no message after it.
  c.get(l.job).get(bad).get(l.job).get(bad).op(OP.ltS, OP.select).set(bad);
  c.op(OP.end, OP.end);
}

// Takes message `next` into lane `index`: its state, and its padding blocks built in SIMD registers.
function startLane(
  c: Code,
  at: {
    l: Lane;
    index: number;
    jobs: number;
    next: number;
    len: number;
    tmp: number;
    src: number;
    state: number[];
    v: number;
  },
): void {
  const { l, index, jobs, next, len, tmp, src, state, v } = at;
  const pad = index * PAD_LANE;
  c.get(next).tee(l.job).i32(1).op(OP.add).set(next);
  c.get(jobs).get(l.job).i32(JOB_SHIFT).op(OP.shl, OP.add).set(tmp);
  c.get(tmp).load(0).set(l.ptr);
  c.get(tmp).load(4).set(len);
  c.get(len).i32(6).op(OP.shrU).set(l.full);
  // The message's last partial block (read whole: memory has slack past the buffer), 0x80, zeros.
  c.get(l.ptr).get(l.full).i32(6).op(OP.shl, OP.add).set(src);
  c.get(len).i32(63).op(OP.and).tee(tmp).simd(V.splat8).set(v);
  for (let q = 0; q < 4; q++) {
    const index16 = Array.from({ length: 16 }, (_, i) => 16 * q + i);
    c.i32(pad);
    c.get(src).vload(16 * q).get(v).vconst(index16).simd(V.gtS8).simd(V.and);
    c.get(v).vconst(index16).simd(V.eq8).vconst(splat8(0x80)).simd(V.and);
    c.simd(V.or).vstore(16 * q);
  }
  for (let q = 4; q < 8; q++) c.i32(pad).vconst(splat8(0)).vstore(16 * q);
  c.i32(1).i32(2).get(tmp).i32(56).op(OP.ltU, OP.select).set(l.tailLeft);
  // Big-endian bit length in the last 4 bytes of the last padding block (messages < 512 MiB).
  c.i32(pad - 4).get(l.tailLeft).i32(6).op(OP.shl, OP.add).set(tmp);
  for (let k = 0; k < 4; k++) {
    c.get(tmp).get(len).i32(3).op(OP.shl).i32(24 - 8 * k).op(OP.shrU).store8(k);
  }
  c.i32(pad).set(l.tail);
  for (let k = 0; k < 8; k++) {
    c.get(state[k]).i32(IV[k]).simd(V.replace, index).set(state[k]);
  }
}

function rotr(c: Code, x: number, n: number): void {
  c.get(x).i32(32 - n).simd(V.shl).get(x).i32(n).simd(V.shrU).simd(V.or);
}

// Σ or σ of local x: three rotations, or two rotations and a shift.
function mix(c: Code, x: number, a: number, b: number, s: { rot?: number; shr?: number }): void {
  rotr(c, x, a);
  rotr(c, x, b);
  c.simd(V.xor);
  if (s.rot !== undefined) rotr(c, x, s.rot);
  else c.get(x).i32(s.shr!).simd(V.shrU);
  c.simd(V.xor);
}

function compressBlock(
  c: Code,
  at: {
    lane: Lane[];
    state: number[];
    work: number[];
    w: number[];
    t1: number;
    rows: number[];
    pairs: number[];
    maj: number[];
  },
): void {
  const { lane, state, work, w, t1, rows, pairs, maj } = at;
  // Load 16 words of each lane's block, byte-swapped and transposed: w[i] holds word i of every lane.
  for (let q = 0; q < 4; q++) {
    lane.forEach((l, index) => {
      c.get(l.addr).vload(16 * q).set(rows[index]);
      c.get(rows[index]).get(rows[index]).shuffle(BSWAP).set(rows[index]);
    });
    // pairs: a0 b0 a1 b1, a2 b2 a3 b3, c0 d0 c1 d1, c2 d2 c3 d3.
    c.get(rows[0]).get(rows[1]).shuffle(LO32).set(pairs[0]);
    c.get(rows[0]).get(rows[1]).shuffle(HI32).set(pairs[1]);
    c.get(rows[2]).get(rows[3]).shuffle(LO32).set(pairs[2]);
    c.get(rows[2]).get(rows[3]).shuffle(HI32).set(pairs[3]);
    c.get(pairs[0]).get(pairs[2]).shuffle(LO64).set(w[4 * q]);
    c.get(pairs[0]).get(pairs[2]).shuffle(HI64).set(w[4 * q + 1]);
    c.get(pairs[1]).get(pairs[3]).shuffle(LO64).set(w[4 * q + 2]);
    c.get(pairs[1]).get(pairs[3]).shuffle(HI64).set(w[4 * q + 3]);
  }
  for (let k = 0; k < 8; k++) c.get(state[k]).set(work[k]);
  // Registers for a..h rotate instead of moving values; b ^ c of a round is a ^ b of the one before.
  let [a, b, cc, d, e, f, g, h] = work;
  let [ab, bc] = maj;
  c.get(b).get(cc).simd(V.xor).set(bc);
  for (let t = 0; t < 64; t++) {
    const wt = w[t & 15];
    if (t >= 16) {
      // w[t] = σ1(w[t-2]) + w[t-7] + σ0(w[t-15]) + w[t-16]
      mix(c, w[(t - 2) & 15], 17, 19, { shr: 10 });
      c.get(w[(t - 7) & 15]).simd(V.add);
      mix(c, w[(t - 15) & 15], 7, 18, { shr: 3 });
      c.simd(V.add).get(wt).simd(V.add).set(wt);
    }
    // t1 = h + K[t] + w[t] + Σ1(e) + Ch(e, f, g)
    c.get(h).k(t).get(wt).simd(V.add).simd(V.add);
    mix(c, e, 6, 11, { rot: 25 });
    c.simd(V.add);
    c.get(f).get(g).get(e).simd(V.bitselect).simd(V.add).set(t1);
    // d += t1; h = t1 + Σ0(a) + Maj(a, b, c), Maj = b ^ ((a ^ b) & (b ^ c))
    c.get(d).get(t1).simd(V.add).set(d);
    c.get(t1);
    mix(c, a, 2, 13, { rot: 22 });
    c.simd(V.add);
    c.get(b).get(a).get(b).simd(V.xor).tee(ab).get(bc).simd(V.and).simd(V.xor);
    c.simd(V.add).set(h);
    [a, b, cc, d, e, f, g, h] = [h, a, b, cc, d, e, f, g];
    [ab, bc] = [bc, ab];
  }
  for (let k = 0; k < 8; k++) {
    c.get(state[k]).get(work[k]).simd(V.add).set(state[k]);
  }
}
