import { assertEquals, assertRejects } from "../../test/_assert.ts";
import { LabosError } from "../errors.ts";
import { formFields, formToInput, inputToForm, issuesByField } from "./_form.ts";

const SCHEMA = {
  type: "object",
  properties: {
    massG: { type: "number", exclusiveMinimum: 0, description: "Mass" },
    count: { type: "integer", minimum: 1 },
    label: { type: "string" },
    order: {
      anyOf: [{ type: "number", const: 0 }, { type: "number", const: 1 }, {
        type: "string",
        const: "auto",
      }],
    },
    resolution: {
      anyOf: [{ type: "string", const: "unit" }, { type: "number", minimum: 0.00001 }],
    },
    colour: { type: "string", enum: ["red", "blue"] },
    stirred: { type: "boolean", default: false },
    xs: { type: "array", items: { type: "number", exclusiveMinimum: 0 }, minItems: 2 },
    peaks: {
      type: "array",
      items: {
        type: "object",
        properties: { mz: { type: "number" }, intensity: { type: "number" } },
      },
    },
    nested: { type: "object", properties: { a: { type: "number" } } },
  },
  required: ["massG", "xs"],
};

Deno.test("formFields maps each JSON Schema shape to a control", () => {
  const fields = formFields(SCHEMA);
  assertEquals(
    Object.fromEntries(fields.map((f) => [f.name, f.kind])),
    {
      massG: "number",
      count: "number",
      label: "string",
      order: "enum",
      resolution: "mixed",
      colour: "enum",
      stirred: "boolean",
      xs: "numbers",
      peaks: "rows",
      nested: "json",
    },
  );
  const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
  assertEquals(byName.massG.required, true);
  assertEquals(byName.massG.constraints, ["> 0"]);
  assertEquals(byName.count.constraints, ["whole number", "≥ 1"]);
  assertEquals(byName.order.options, [0, 1, "auto"]);
  assertEquals(byName.resolution.options, ["unit"]);
  assertEquals(byName.xs.constraints, ["at least 2 values", "each > 0"]);
  assertEquals(byName.peaks.columns, ["mz", "intensity"]);
});

Deno.test("formToInput keeps typed text for the module to validate and leaves empty fields out", () => {
  const fields = formFields(SCHEMA);
  assertEquals(
    formToInput(fields, {
      massG: " -3 ",
      count: "abc",
      label: "",
      order: '"auto"',
      resolution: "0.01",
      colour: '"red"',
      stirred: "on",
      xs: "1, 2\n3e-2;x",
      peaks: "mz, intensity\n58, 30\n43\t100",
      nested: '{"a": 1}',
    }),
    {
      massG: -3,
      count: "abc",
      order: "auto",
      resolution: 0.01,
      colour: "red",
      stirred: true,
      xs: [1, 2, 0.03, "x"],
      peaks: [{ mz: 58, intensity: 30 }, { mz: 43, intensity: 100 }],
      nested: { a: 1 },
    },
  );
  assertEquals(formToInput(fields, { resolution: "unit" }), { resolution: "unit", stirred: false });
  assertEquals(formToInput(fields, { peaks: "58, 30" }).peaks, [{ mz: 58, intensity: 30 }]);
  assertEquals(formToInput(fields, { peaks: '[{"mz": 1, "intensity": 2}]' }).peaks, [{
    mz: 1,
    intensity: 2,
  }]);
});

Deno.test("formToInput reports malformed JSON and unknown columns as field issues", async () => {
  const fields = formFields(SCHEMA);
  const error = await assertRejects(() =>
    Promise.resolve().then(() =>
      formToInput(fields, { nested: "{oops", peaks: "mz, height\n1, 2" })
    )
  );
  assertEquals(error instanceof LabosError && error.kind, "invalid");
  assertEquals((error as LabosError).issues.map((i) => i.path), ["peaks", "nested"]);
});

Deno.test("inputToForm writes values back as the form shows them", () => {
  const fields = formFields(SCHEMA);
  assertEquals(
    inputToForm(fields, {
      massG: 100,
      order: 1,
      stirred: true,
      xs: [1, 2.5],
      peaks: [{ mz: 58, intensity: 30 }, { mz: 43 }],
      nested: { a: 1 },
    }),
    {
      massG: "100",
      order: "1",
      stirred: "on",
      xs: "1, 2.5",
      peaks: "mz, intensity\n58, 30\n43, ",
      nested: '{\n  "a": 1\n}',
    },
  );
  const roundTrip = formToInput(
    fields,
    inputToForm(fields, { xs: [1, 2], peaks: [{ mz: 1, intensity: 2 }] }),
  );
  assertEquals(roundTrip, { xs: [1, 2], peaks: [{ mz: 1, intensity: 2 }], stirred: false });
});

Deno.test("issuesByField groups issues under their field, and the rest under the form", () => {
  const map = issuesByField(
    [
      { path: "peaks.1.mz", message: "must be > 0" },
      { path: "xs.0", message: "must be a number" },
      { path: "massG", message: "is required" },
      { path: "", message: "give deltaTK or both temperatures" },
      { path: "other", message: "is unknown" },
    ],
    ["peaks", "xs", "massG"],
  );
  assertEquals(map.get("peaks"), ["row 2, mz: must be > 0"]);
  assertEquals(map.get("xs"), ["value 1: must be a number"]);
  assertEquals(map.get("massG"), ["is required"]);
  assertEquals(map.get(""), ["give deltaTK or both temperatures", "other: is unknown"]);
});
