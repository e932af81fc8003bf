import fc from "fast-check";
import { assertEquals } from "../../test/_assert.ts";
import { jsonCopy } from "./_runtime.ts";

Deno.test("jsonCopy gives what a JSON round trip gives, key order included", () => {
  fc.assert(
    fc.property(fc.anything({ withNullPrototype: true, withBoxedValues: true }), (value) => {
      const text = JSON.stringify(value);
      const expected = text === undefined ? null : JSON.parse(text);
      const copy = jsonCopy(value);
      return JSON.stringify(copy) === JSON.stringify(expected) &&
        Object.is(JSON.stringify(copy), JSON.stringify(expected));
    }),
    { numRuns: 1000 },
  );
  const proto = JSON.parse('{"__proto__":[1,-0,1e400]}');
  assertEquals(Object.keys(jsonCopy(proto) as object), ["__proto__"]);
  assertEquals(Object.is((jsonCopy([-0]) as number[])[0], 0), true);
});

Deno.test("jsonCopy of an array of numbers is a new array equal to the JSON round trip", () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.double(), fc.integer(), fc.constant(-0))), (values) => {
      const copy = jsonCopy(values) as unknown[];
      assertEquals(copy !== values, true);
      const expected = JSON.parse(JSON.stringify(values)) as unknown[];
      assertEquals(copy.length, expected.length);
      return copy.every((item, i) => Object.is(item, expected[i]));
    }),
    { numRuns: 500 },
  );
});
