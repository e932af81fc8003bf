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
