import fc from "fast-check";
import { assert, assertEquals } from "../../test/_assert.ts";
import { ID_PATTERN, isId, newId } from "./ids.ts";

Deno.test("ids are prefixed, well-formed and sort in creation order", () => {
  const ids = Array.from({ length: 2000 }, () => newId("dataset"));
  for (const id of ids) assert(ID_PATTERN.test(id) && id.startsWith("ds_"), id);
  assertEquals([...ids].sort(), ids);
  assertEquals(new Set(ids).size, ids.length);
});

Deno.test("ids encode their creation time, so later ids sort after earlier ones", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 47 }),
      fc.integer({ min: 1, max: 2 ** 40 }),
      (t, dt) => {
        const early = newId("job", t);
        const late = newId("job", t + dt);
        return early < late;
      },
    ),
  );
});

Deno.test("isId rejects anything that could leave the data folder", () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const candidate = `exp_${s}`;
      return !isId(candidate) || /^exp_[0-9A-HJKMNP-TV-Z]{26}$/.test(candidate);
    }),
    { numRuns: 1000 },
  );
  for (const bad of ["../exp", "/etc/passwd", "exp_01ARZ3NDEKTSV4RRFFQ69G5FA\0", "exp_../../x"]) {
    assert(!isId(bad), bad);
  }
});
