import assert from "node:assert/strict";
import fc from "fast-check";
import { ExperimentFilterSchema, parseExperimentFilter, parseFilter } from "./_requests.ts";

function outcome(parse: () => Record<string, unknown>): string {
  try {
    const { status, tag, limit, offset } = parse();
    return JSON.stringify(
      { status, tag, limit, offset },
      (_, v) => v === undefined ? "<undefined>" : v,
    );
  } catch (error) {
    return `error: ${(error as Error).message} ${
      JSON.stringify((error as { issues?: unknown }).issues)
    }`;
  }
}

const filterLike = fc.oneof(
  fc.record({
    status: fc.constantFrom(
      "draft",
      "running",
      "completed",
      "failed",
      "archived",
      "lost",
      1,
      null,
      undefined,
    ),
    tag: fc.constantFrom("ph", 3, undefined),
    limit: fc.constantFrom(20, -1, "x", undefined),
    offset: fc.constantFrom(0, 1.5, undefined),
    other: fc.constantFrom(1, "x"),
  }, { requiredKeys: [] }),
  fc.anything(),
);

Deno.test("parseExperimentFilter: passes a valid filter's fields through", () => {
  assert.deepEqual(parseExperimentFilter({ status: "draft", limit: 3 }), {
    status: "draft",
    tag: undefined,
    limit: 3,
    offset: undefined,
  });
});

Deno.test("parseExperimentFilter: gives what the filter schema gives, refusals included (property)", () => {
  fc.assert(
    fc.property(
      filterLike,
      (value) =>
        outcome(() => parseExperimentFilter(value) as Record<string, unknown>) ===
          outcome(() => parseFilter(ExperimentFilterSchema(), value) as Record<string, unknown>),
    ),
    { numRuns: 2000 },
  );
});
