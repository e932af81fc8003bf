import fc from "fast-check";
import * as z from "zod";
import { bigInput } from "../../bench/_module_inputs.ts";
import { loadBuiltinModules } from "../modules/catalog.ts";
import { assert, assertEquals } from "../../test/_assert.ts";
import { LabosError } from "../errors.ts";
import { parseInput } from "./_fast_parse.ts";
import { prepareRun } from "./_runtime.ts";

/** Equal values with keys in the same order, -0 told from 0. */
function same(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    return Object.is(a, b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  const other = Object.keys(b);
  return keys.length === other.length && keys.every((key, i) => key === other[i]) &&
    keys.every((key) =>
      same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])
    );
}

const schema = z.object({
  pathLengthCm: z.number().positive().default(1),
  standards: z.array(z.object({
    concentrationM: z.number().nonnegative().describe("c"),
    absorbance: z.number().lt(4.5),
  })).min(2),
  levels: z.array(z.number().gte(-2).gt(-1).lte(5)).max(6),
  replicateReadings: z.number().int().positive().default(1),
});

const number = fc.oneof(
  { weight: 80, arbitrary: fc.double({ min: 0, max: 5, noNaN: true }) },
  { weight: 20, arbitrary: fc.integer({ min: 0, max: 5 }) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(0, 1e21, 5e-324, -5e-324, 5, 4.5, -0.5, -1, 1e300, 7, -0),
  },
  { weight: 2, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom<unknown>("1", null, undefined, true, [], {}) },
);

// fast-check's records have a prototype of their own; JSON's objects have Object's.
const row = fc.oneof(
  {
    weight: 60,
    arbitrary: fc.record({ concentrationM: number, absorbance: number }).map((r) => ({ ...r })),
  },
  {
    weight: 1,
    arbitrary: fc.record({ absorbance: number, concentrationM: number }).map((r) => ({ ...r })),
  },
  { weight: 1, arbitrary: fc.record({ concentrationM: number }).map((r) => ({ ...r })) },
  {
    weight: 1,
    arbitrary: fc.record({ concentrationM: number, absorbance: number, extra: number }).map((
      r,
    ) => ({ ...r })),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 3, [], "row", Object.create(null)) },
);

const input = fc.record(
  {
    pathLengthCm: fc.oneof(fc.constant(1), number),
    standards: fc.oneof(
      { weight: 10, arbitrary: fc.array(row, { maxLength: 12 }) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, "rows", {}) },
    ),
    levels: fc.array(number, { maxLength: 7 }),
    replicateReadings: fc.oneof(fc.integer({ min: 1, max: 3 }), number),
  },
  { requiredKeys: ["standards", "levels"] },
);

Deno.test("item 1: the loop over long arrays accepts, rejects and returns exactly what zod does", () => {
  let fast = 0;
  fc.assert(
    fc.property(input, (raw) => {
      const expected = schema.safeParse(raw);
      const actual = parseInput(schema, raw, { minItems: 1 });
      assertEquals(actual.success, expected.success, JSON.stringify(raw));
      if (!actual.success) {
        assertEquals(actual.error.issues, expected.error!.issues);
        return;
      }
      assert(same(actual.data, expected.data), JSON.stringify(raw));
      if (actual.data.standards === raw.standards) fast++;
    }),
    { numRuns: 3000 },
  );
  // The loop, not zod, accepted a good share of the inputs.
  assert(fast > 100, `the loop accepted only ${fast} inputs`);
});

Deno.test("item 1: a long array's first bad row is reported by zod, word for word", () => {
  const standards = Array.from(
    { length: 5000 },
    (_, i) => ({ concentrationM: i, absorbance: (i % 40) / 10 }),
  );
  standards[4321] = { concentrationM: -3, absorbance: 1 };
  const raw = { standards, levels: [] };
  const actual = parseInput(schema, raw);
  assert(!actual.success);
  assertEquals(actual.error.issues, schema.safeParse(raw).error!.issues);
  assertEquals(actual.error.issues[0].path, ["standards", 4321, "concentrationM"]);
});

Deno.test("item 1: the schema of a field with a transform, a refinement or a default is left to zod", () => {
  const refined = z.object({
    xs: z.array(z.number()).refine((xs) => xs.length % 2 === 0, "must be even"),
    ys: z.array(z.number().transform((y) => y * 2)),
    zs: z.array(z.number()).default([]),
  });
  const raw = { xs: [1, 2, 3], ys: [1], zs: [1, 2] };
  const actual = parseInput(refined, raw, { minItems: 1 });
  assertEquals(actual, refined.safeParse(raw));
  const fine = parseInput(refined, { xs: [1, 2], ys: [1], zs: [1] }, { minItems: 1 });
  assert(fine.success && fine.data.ys[0] === 2);
});

Deno.test("item 1: Beer-Lambert's standards are checked by the loop and kept, not copied", async () => {
  const module = (await loadBuiltinModules()).find((m) => m.key === "spectroscopy.beer-lambert")!;
  const raw = bigInput(module.key, 3000) as { standards: unknown[] };
  const actual = parseInput(module.input, raw);
  assert(actual.success);
  assert((actual.data as { standards: unknown[] }).standards === raw.standards);
  assert(same(actual.data, module.input.safeParse(raw).data));
});

Deno.test("item 1: a long array with a misspelt field in one row is refused by name, as before", async () => {
  const module = (await loadBuiltinModules()).find((m) => m.key === "spectroscopy.beer-lambert")!;
  const raw = bigInput(module.key, 3000) as { standards: Record<string, unknown>[] };
  const row = raw.standards[1500];
  raw.standards[1500] = { concentrationM: row.concentrationM, absorbanse: row.absorbance };
  let error: unknown;
  try {
    prepareRun({ module, source: "builtin" }, raw);
  } catch (thrown) {
    error = thrown;
  }
  assert(error instanceof LabosError);
  assertEquals(
    error.message,
    'Cannot run module "spectroscopy.beer-lambert": unknown field "standards.1500.absorbanse"; ' +
      'did you mean "standards.1500.absorbance"?',
  );
});
