import { z } from "zod";
import { assertEquals } from "../test/_assert.ts";
import { formatIssues, toFieldIssues } from "./validation.ts";

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
