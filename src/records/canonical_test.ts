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
