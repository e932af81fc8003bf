import fc from "fast-check";
import { assertEquals } from "../../test/_assert.ts";
import { assert } from "../../test/_assert.ts";
import {
  canonicalBytes,
  canonicalChunks,
  canonicalJson,
  hashJson,
  pinCanonical,
  recycleBytes,
  sha256Hex,
} from "./canonical.ts";

Deno.test('sha256Hex matches the FIPS 180-2 test vector for "abc"', () => {
  // FIPS 180-2, Appendix B.1.
  assertEquals(
    sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("canonical JSON does not depend on key order and round-trips", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const text = canonicalJson(value);
      const shuffled = JSON.parse(JSON.stringify(value), function (_key, v) {
        if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
        return Object.fromEntries(Object.entries(v).reverse());
      });
      return canonicalJson(shuffled) === text && hashJson(shuffled) === hashJson(value) &&
        canonicalJson(JSON.parse(text)) === text;
    }),
    { numRuns: 500 },
  );
});

/** The first implementation: keys sorted into prototype-less copies, then JSON.stringify. */
function reference(value: unknown): string {
  function sortKeys(item: unknown): unknown {
    if (Array.isArray(item)) return item.map(sortKeys);
    if (item !== null && typeof item === "object") {
      const sorted: Record<string, unknown> = Object.create(null);
      for (const key of Object.keys(item).sort()) {
        const inner = (item as Record<string, unknown>)[key];
        if (inner !== undefined) sorted[key] = sortKeys(inner);
      }
      return sorted;
    }
    return item;
  }
  return JSON.stringify(sortKeys(value));
}

Deno.test("canonical JSON is written directly, with the same text as before", () => {
  const odd = {
    z: [1, -0, NaN, Infinity, undefined, () => 1, "x", null, [true, { b: 1, a: undefined }]],
    a: { f: () => 1, u: undefined, d: new Date(0) },
    ["__proto__"]: 3,
  };
  Object.defineProperty(odd, "__proto__", { value: 3, enumerable: true });
  assertEquals(canonicalJson(odd), reference(odd));
  const keys = { b: 1, "4294967295": 2, "10": 3, "2": 4, "": 5, "4294967294": 6 };
  assertEquals(canonicalJson(keys), reference(keys));
  fc.assert(
    fc.property(fc.anything({ withNullPrototype: true }), (value) => {
      return canonicalJson(value) === reference(value);
    }),
    { numRuns: 500 },
  );
});

Deno.test("canonical JSON reuses the text of a large frozen value, never of one that can change", () => {
  const big = Object.freeze({ values: Object.freeze(Array.from({ length: 20_000 }, (_, i) => i)) });
  const first = canonicalJson({ input: big, n: 1 });
  assertEquals(first, reference({ input: big, n: 1 }));
  assertEquals(canonicalJson({ input: big, n: 2 }), reference({ input: big, n: 2 }));
  const open = { values: Array.from({ length: 20_000 }, (_, i) => i) };
  const frozenShell = Object.freeze({ open });
  canonicalJson(frozenShell);
  open.values[0] = -1;
  assertEquals(canonicalJson(frozenShell), reference(frozenShell));
});

Deno.test("canonical bytes and hashes agree with the canonical text", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const text = canonicalJson(value);
      return new TextDecoder().decode(canonicalBytes(value)) === text &&
        hashJson(value) === sha256Hex(text);
    }),
    { numRuns: 300 },
  );
  const big = Object.freeze({ v: Object.freeze(Array.from({ length: 30_000 }, (_, i) => i / 7)) });
  const record = { id: "x", input: big, note: "é" };
  for (let i = 0; i < 2; i++) {
    assertEquals(hashJson(record), sha256Hex(reference(record)));
    assertEquals(new TextDecoder().decode(canonicalBytes(record)), reference(record));
  }
});

Deno.test("canonical JSON of table-like rows matches the general definition", () => {
  const row = fc.record({
    z: fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null)),
    a: fc.oneof(fc.double(), fc.string(), fc.constant(null)),
    "10": fc.integer(),
    "2": fc.string(),
  });
  fc.assert(
    fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), (rows) => {
      const mixed = [...rows, { a: 1, z: { nested: true }, "10": 1, "2": "x" }];
      return canonicalJson(rows) === reference(rows) &&
        hashJson(rows) === sha256Hex(reference(rows)) &&
        canonicalJson(mixed) === reference(mixed);
    }),
    { numRuns: 300 },
  );
  const reordered = [{ b: 1, a: 2 }, { a: 3, b: 4 }, { b: undefined, a: 5 }];
  assertEquals(canonicalJson(reordered), reference(reordered));
});

Deno.test("canonical JSON is byte for byte the first implementation's, so stored hashes still match", () => {
  const awkward = JSON.parse('{"__proto__":[1,{"b":null,"a":-0}],"constructor":{"x":[[],{}]}}');
  assertEquals(canonicalJson(awkward), reference(awkward));
  assertEquals(
    canonicalJson({ a: undefined, b: [undefined, NaN, () => 1], c: new Date(0) }),
    reference({ a: undefined, b: [undefined, NaN, () => 1], c: new Date(0) }),
  );
  fc.assert(
    fc.property(fc.jsonValue(), (value) => canonicalJson(value) === reference(value)),
    { numRuns: 1000 },
  );
});

Deno.test("hashes of records around one large kept value, before and after it, match the text's", () => {
  const values = Array.from({ length: 200_000 }, (_, i) => i / 7);
  const input = { values };
  pinCanonical(input);
  fc.assert(
    fc.property(
      fc.array(fc.record({ a: fc.jsonValue(), z: fc.jsonValue() }), { minLength: 1, maxLength: 4 }),
      (records) => {
        for (const { a, z } of records) {
          const record = { a, input, z };
          for (let i = 0; i < 2; i++) {
            if (hashJson(record) !== sha256Hex(reference(record))) return false;
          }
        }
        return true;
      },
    ),
    { numRuns: 20 },
  );
});

Deno.test("canonical JSON of many rows, in batches and blocks, matches the general definition", () => {
  // Over 1,024 rows (one batch) and over 1 MiB (one block), with keys out of
  // order, multi-byte text, lone surrogates and numbers JSON writes as null.
  const rows = Array.from({ length: 30_000 }, (_, i) => ({
    z: i % 7 === 0 ? -0 : i / 7,
    name: `peak ${i} – é ✓ 𝄞${i % 11 === 0 ? "\ud800" : ""}`,
    a: i % 13 === 0 ? NaN : i % 17 === 0 ? null : i % 2 === 0,
  }));
  assertEquals(canonicalJson(rows), reference(rows));
  assertEquals(new TextDecoder().decode(canonicalBytes(rows)), reference(rows));
  assertEquals(hashJson({ rows }), sha256Hex(reference({ rows })));
  const sorted = rows.map(({ a, name, z }) => ({ a, name, z }));
  assertEquals(canonicalJson(sorted), reference(sorted));
  const odd = Array.from({ length: 2000 }, (_, i) => {
    const row: Record<string, unknown> = { b: i, toJSON: i };
    Object.defineProperty(row, "__proto__", { value: i, enumerable: true, writable: true });
    return row;
  });
  assertEquals(canonicalJson(odd), reference(odd));
  const late = [...sorted, { a: 1, name: "x", z: { nested: true } }];
  assertEquals(canonicalJson(late), reference(late));
});

Deno.test("item 1: canonical text written into recycled memory is the same, and later texts leave it alone", () => {
  // Stale bytes where the text goes: nothing of them may show.
  recycleBytes(new Uint8Array(3 * 1024 * 1024).fill(0x7b));
  const first = Array.from(
    { length: 30_000 },
    (_, i) => ({ z: i % 5 === 0 ? -0 : i / 7, a: "é✓" }),
  );
  const second = Array.from({ length: 100_000 }, (_, i) => ({ b: i * 1e21, a: 5e-324 * i }));
  const firstChunks = canonicalChunks(first);
  const secondChunks = canonicalChunks(second);
  // The first text filled part of the recycled memory and the second the rest, then new memory.
  assert(firstChunks[0].buffer === secondChunks[0].buffer);
  assert(secondChunks.length > 1);
  const decode = (chunks: Uint8Array[]) =>
    chunks.map((chunk) => new TextDecoder().decode(chunk)).join("");
  assertEquals(decode(firstChunks), reference(first));
  assertEquals(decode(secondChunks), reference(second));
  assertEquals(hashJson({ rows: first }), sha256Hex(reference({ rows: first })));
  assertEquals(decode(canonicalChunks(first)), reference(first));
  assertEquals(decode(firstChunks), reference(first));
});

Deno.test("item 1: a long array of numbers is encoded into recycled memory too, and on past its end", () => {
  const spare = new Uint8Array(1536 * 1024).fill(0x5d);
  recycleBytes(spare);
  const values = Array.from({ length: 300_000 }, (_, i) => (i % 9 === 0 ? -0 : i / 7) * 1e-5);
  const chunks = canonicalChunks({ values, unit: "é" });
  assert(chunks.some((chunk) => chunk.buffer === spare.buffer));
  assert(chunks.reduce((sum, chunk) => sum + chunk.length, 0) > spare.length);
  const text = chunks.map((chunk) => new TextDecoder().decode(chunk)).join("");
  assertEquals(text, reference({ values, unit: "é" }));
});
