import assert from "node:assert/strict";
import fc from "fast-check";
import { RECORD_ZOD_SCHEMAS, safeParseRecord } from "./schemas.ts";

// safeParseRecord reads a well-formed experiment without its zod schema; it
// must return exactly what the schema returns, and accept nothing it rejects.
function zodResult(value: unknown): string {
  const result = RECORD_ZOD_SCHEMAS.experiment.safeParse(value);
  return result.success ? JSON.stringify(result.data) : "rejected";
}

function readResult(value: unknown): string {
  const result = safeParseRecord("experiment", value);
  return result.success ? JSON.stringify(result.data) : "rejected";
}

const ID_CHARS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function idOf(prefix: string): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 26, maxLength: 26 }).map((
    tail,
  ) => `${prefix}_${tail}`);
}

const two = (n: number) => String(n).padStart(2, "0");

// Each field: mostly valid values, sometimes values off by a little.
function mostly(valid: fc.Arbitrary<unknown>, odd: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: odd, weight: 1 });
}

const stamp = mostly(
  fc.date({ min: new Date("0001-01-01"), max: new Date("9999-12-31"), noInvalidDate: true }).map((
    d,
  ) => d.toISOString()),
  fc.oneof(
    fc.tuple(
      fc.integer({ min: 0, max: 2500 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 25 }),
      fc.integer({ min: 0, max: 61 }),
    ).map(([y, mo, d, h, mi]) =>
      `${String(y).padStart(4, "0")}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(mi)}.123Z`
    ),
    fc.constantFrom(
      "2024-02-29T00:00:00.000Z",
      "2023-02-29T00:00:00.000Z",
      "1900-02-29T00:00:00.000Z",
      "2000-02-29T00:00:00.000Z",
      "2024-04-31T00:00:00.000Z",
      "2024-01-01T00:00:00Z",
      "2024-01-01T00:00:00.0000Z",
      "2024-01-01T00:00:00.000+00:00",
      "2024-01-01 00:00:00.000Z",
      "+02024-01-01T00:00:00.000Z",
    ),
  ),
);
function sized(max: number): fc.Arbitrary<unknown> {
  return mostly(
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.constantFrom(
      " a",
      "a ",
      "\u00a0x",
      "x\n",
      "",
      "a".repeat(max),
      "a".repeat(max + 1),
      1,
      null,
    ),
  );
}
const tagValue = mostly(
  fc.constantFrom("ph", "Ünïcode", "a.b:c-d_e", "x".repeat(64), "٣", "t1"),
  fc.oneof(fc.constantFrom("-x", "", "a b", "x".repeat(65), 3), fc.string({ maxLength: 4 })),
);
const username = mostly(
  fc.constantFrom("ana", "b.o_b-1", "a".repeat(32)),
  fc.oneof(fc.constantFrom("A", "a", "1ab", "a".repeat(33)), fc.string({ maxLength: 4 })),
);
function ids(valid: string, other: string): fc.Arbitrary<unknown> {
  return mostly(
    fc.array(idOf(valid), { maxLength: 3 }),
    fc.oneof(
      fc.array(fc.oneof(idOf(other), fc.constant(`${valid}_x`), fc.constant(7)), {
        minLength: 1,
        maxLength: 2,
      }),
      fc.constant(null),
      fc.constant(`${valid}_x`),
    ),
  );
}
const REQUIRED_FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  schemaVersion: mostly(fc.constant(2), fc.constantFrom(1, "2", 2.5)),
  createdAt: stamp,
  updatedAt: stamp,
  createdBy: sized(200),
  id: mostly(
    idOf("exp"),
    fc.oneof(idOf("ds"), fc.constantFrom("exp_1", "exp_01m9448rhmgm9tp9tstz0rvkmc")),
  ),
  title: sized(200),
  purpose: mostly(
    fc.string({ maxLength: 8 }),
    fc.constantFrom("p".repeat(5000), "p".repeat(5001), 1),
  ),
  owner: sized(200),
  status: mostly(
    fc.constantFrom("draft", "running", "completed", "failed", "archived"),
    fc.constantFrom("done", "Draft", 1),
  ),
  tags: mostly(
    fc.array(tagValue, { maxLength: 3 }),
    fc.constantFrom(Array(50).fill("t"), Array(51).fill("t"), {}, "t"),
  ),
  jobIds: ids("job", "exp"),
  datasetIds: ids("ds", "job"),
};
const OPTIONAL_FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  legacyId: sized(200),
  sharedWith: mostly(
    fc.array(username, { maxLength: 3 }),
    fc.constantFrom("ana", Array(201).fill("ana"), Array(200).fill("ana")),
  ),
  template: sized(200),
  attachmentIds: ids("att", "ds"),
};
// Fields zod checks that the fast path leaves to it, and one that is not a field.
const RARE_FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  legacy: fc.constantFrom({}, { a: 1 }, null),
  source: fc.constantFrom({}, { format: "eln" }),
  extra: fc.constantFrom(1, "x"),
};
const REQUIRED = Object.keys(REQUIRED_FIELDS);

// All required fields but at most one, some optional ones, in some order.
const experimentLike: fc.Arbitrary<Record<string, unknown>> = fc.tuple(
  fc.record(REQUIRED_FIELDS),
  fc.record(OPTIONAL_FIELDS, { requiredKeys: [] }),
  mostly(fc.constant({}), fc.record(RARE_FIELDS, { requiredKeys: [] })) as fc.Arbitrary<
    Record<string, unknown>
  >,
  mostly(fc.constant([]), fc.subarray(REQUIRED, { minLength: 1, maxLength: 1 })),
  fc.boolean(),
).map(([required, optional, rare, dropped, reverse]) => {
  const entries = Object.entries({ ...required, ...optional, ...rare }).filter(([key]) =>
    !(dropped as string[]).includes(key)
  );
  return Object.fromEntries(reverse ? entries.reverse() : entries);
});

const VALID = {
  id: "exp_01M9448RHMGM9TP9TSTZ0RVKMC",
  schemaVersion: 2,
  createdAt: "2026-12-05T22:12:00.000Z",
  updatedAt: "2026-12-05T22:12:00.000Z",
  createdBy: "bench",
  title: "Scale experiment 1",
  purpose: "",
  owner: "bench",
  status: "draft",
  tags: ["scale"],
  jobIds: [],
  datasetIds: [],
};

Deno.test("safeParseRecord: an experiment reads as its zod schema reads it", () => {
  assert.equal(readResult(VALID), zodResult(VALID));
  assert.notEqual(readResult(VALID), "rejected");
  // Output in the schema's field order, whatever the file's order.
  const reversed = Object.fromEntries(Object.entries(VALID).reverse());
  assert.equal(readResult(reversed), zodResult(VALID));
  // Left to zod: a title to trim, an imported source, legacy fields.
  assert.equal(readResult({ ...VALID, title: " x " }), zodResult({ ...VALID, title: " x " }));
  const source = { format: "eln", fileSha256: "a".repeat(64), originalId: "./x" };
  assert.equal(readResult({ ...VALID, source }), zodResult({ ...VALID, source }));
  assert.equal(
    readResult({ ...VALID, legacy: { a: 1 } }),
    zodResult({ ...VALID, legacy: { a: 1 } }),
  );
});

Deno.test("safeParseRecord: the fast read follows the schema's fields, so a schema change cannot slip past it", () => {
  const shape = (RECORD_ZOD_SCHEMAS.experiment as unknown as {
    shape: Record<string, { safeParse(value: unknown): { success: boolean } }>;
  }).shape;
  for (const [key, field] of Object.entries(shape)) {
    const required = !field.safeParse(undefined).success;
    // A new required field fails here first: VALID lacks it.
    assert.ok(!required || key in VALID, `"${key}" is required but not in VALID`);
    if (!(key in VALID)) continue;
    const without: Record<string, unknown> = { ...VALID };
    delete without[key];
    assert.equal(readResult(without), zodResult(without), `without "${key}"`);
    if (required) assert.equal(readResult(without), "rejected", `without "${key}"`);
  }
});

Deno.test("safeParseRecord: an experiment gets zod's error", () => {
  for (const bad of [{ ...VALID, status: "done" }, { ...VALID, extra: 1 }, { ...VALID, id: "x" }]) {
    const result = safeParseRecord("experiment", bad);
    const expected = RECORD_ZOD_SCHEMAS.experiment.safeParse(bad);
    assert.equal(result.success, false);
    assert.deepEqual(
      !result.success && result.error.issues,
      !expected.success && expected.error.issues,
    );
  }
});

Deno.test("safeParseRecord: experiments near and far from valid read as zod reads them (property)", () => {
  let accepted = 0;
  fc.assert(
    fc.property(experimentLike, (value) => {
      const read = readResult(value);
      if (read !== "rejected") accepted++;
      return read === zodResult(value);
    }),
    { numRuns: 3000 },
  );
  // The valid ones are a good share, so both answers are compared often.
  assert.ok(accepted > 300, `only ${accepted} of 3000 accepted`);
  fc.assert(
    fc.property(fc.anything(), (value) => readResult(value) === zodResult(value)),
    { numRuns: 500 },
  );
});

Deno.test("safeParseRecord: an experiment's timestamps are the dates zod accepts", () => {
  const stamps: string[] = [];
  for (let year = 0; year <= 9999; year++) {
    stamps.push(`${String(year).padStart(4, "0")}-02-29T00:00:00.000Z`);
  }
  for (const year of ["1900", "2000", "2023", "2024"]) {
    for (let month = 0; month <= 13; month++) {
      for (const day of [0, 1, 28, 29, 30, 31, 32]) {
        const date = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
        stamps.push(`${date}T23:59:59.999Z`, `${date}T24:00:00.000Z`, `${date}T12:60:00.000Z`);
      }
    }
  }
  stamps.push("2024-01-01T00:00:60.000Z", "2024-01-01T00:00:00.000z", "٢٠٢٤-01-01T00:00:00.000Z");
  for (const createdAt of stamps) {
    const value = { ...VALID, createdAt };
    assert.equal(readResult(value), zodResult(value), createdAt);
  }
});

Deno.test("safeParseRecord: an experiment's tags are the tags zod accepts (property)", () => {
  const unit = fc.oneof(
    fc.integer({ min: 0, max: 127 }).map((code) => String.fromCharCode(code)),
    fc.constantFrom("é", "٣", "中", "ß", "\u00a0", "😀", "Ⅻ", "_"),
  );
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit, minLength: 0, maxLength: 66 }), { maxLength: 2 }),
      (tags) => {
        const value = { ...VALID, tags };
        return readResult(value) === zodResult(value);
      },
    ),
    { numRuns: 3000 },
  );
  for (const tag of ["a", "A-1", "x".repeat(64), "x".repeat(65), "-a", ".a", "a/b", "a b", "é1"]) {
    const value = { ...VALID, tags: [tag] };
    assert.equal(readResult(value), zodResult(value), tag);
  }
});
