import { z } from "zod";
import { assertEquals } from "../test/_assert.ts";
import { formatIssues, nearestName, toFieldIssues, unknownFields } from "./validation.ts";

Deno.test("issues name the field, the expectation and the current value", () => {
  const schema = z.strictObject({
    massG: z.number().positive(),
    order: z.union([z.literal(0), z.literal(1)]).optional(),
    kind: z.enum(["a", "b"]).optional(),
    list: z.array(z.number()).min(2).optional(),
    name: z.string(),
  });
  const input = { massG: -3, kind: "c", list: [1], extra: 1 };
  const result = schema.safeParse(input);
  if (result.success) throw new Error("expected failure");
  const text = formatIssues(toFieldIssues(result.error, input));
  assertEquals(
    text.split("; ").sort(),
    [
      '"massG" must be > 0: current value is -3',
      '"kind" must be one of "a", "b": current value is "c"',
      '"list" must have at least 2 items: current length is 1',
      '"name" is required',
      'input has unknown field "extra"',
    ].sort(),
  );
});

Deno.test("unknownFields follows unions, $refs and arrays, and leaves open objects open", () => {
  const schema = {
    type: "object",
    properties: {
      peaks: { type: "array", items: { $ref: "#/$defs/peak" } },
      shape: { anyOf: [{ type: "number" }, { type: "object", properties: { width: {} } }] },
      labels: { type: "object", additionalProperties: { type: "string" } },
      loose: { type: "object", properties: { a: {} }, additionalProperties: {} },
    },
    $defs: { peak: { type: "object", properties: { mz: {}, intensity: {} } } },
  };
  assertEquals(
    unknownFields(schema, {
      peaks: [{ mz: 1, intensity: 2 }, { mz: 1, intensty: 2 }],
      shape: { widht: 2 },
      labels: { anything: "x" },
      loose: { b: 1 },
      Peaks: [],
    }),
    [
      { path: "peaks.1.intensty", suggestion: "peaks.1.intensity" },
      { path: "shape.widht", suggestion: "shape.width" },
      { path: "Peaks", suggestion: "peaks" },
    ],
  );
  assertEquals(unknownFields(schema, { shape: 3, peaks: "not an array" }), []);
});

Deno.test("nearestName prefers a case-only difference, counts a swap as one edit, and gives up when far", () => {
  assertEquals(nearestName("MASSG", ["massG", "mass"]), "massG");
  assertEquals(nearestName("dletaTK", ["deltaTK", "massG"]), "deltaTK");
  assertEquals(nearestName("temperature", ["massG", "deltaTK"]), undefined);
});
