import fc from "fast-check";
import { assertEquals } from "../../test/_assert.ts";
import { canonicalJson, hashJson, sha256Hex } from "./canonical.ts";

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
