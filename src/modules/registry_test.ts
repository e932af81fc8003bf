import assert from "node:assert/strict";
import * as z from "zod";
import { parseUnit } from "../units/mod.ts";
import { BUILTIN_MODULES } from "./builtin/mod.ts";
import { defineModule } from "./contract.ts";
import { inputUnits, moduleInfo } from "./registry.ts";

Deno.test("every unit a built-in module declares is a valid UCUM code, written canonically", async () => {
  let declared = 0;
  for (const module of BUILTIN_MODULES) {
    for (const [field, { unit }] of Object.entries(inputUnits(module))) {
      assert.equal(await parseUnit(unit), unit, `${module.key}.${field}`);
      declared++;
    }
  }
  assert.ok(declared >= 19, `${declared} units declared`);
});

/** Numeric fields under `node` that declare no unit: `x-unit`, or `x-unit-from` for a varying one. */
function undeclaredUnits(node: unknown, path: string, declared = false): string[] {
  if (node === null || typeof node !== "object") return [];
  const schema = node as Record<string, unknown>;
  const has = declared || typeof schema["x-unit"] === "string" ||
    typeof schema["x-unit-from"] === "string";
  const types = [schema.type].flat();
  const found = has || !(types.includes("number") || types.includes("integer")) ? [] : [path];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    // A unit on an object says nothing about its fields.
    found.push(...undeclaredUnits(child, `${path}.${name}`));
  }
  found.push(...undeclaredUnits(schema.items, `${path}[]`, has));
  for (const branch of [schema.anyOf, schema.oneOf, schema.allOf, schema.prefixItems].flat()) {
    found.push(...undeclaredUnits(branch, path, has));
  }
  return found;
}

Deno.test("every numeric input and output field of every built-in module declares its unit", () => {
  const missing: string[] = [];
  let numeric = 0;
  for (const module of BUILTIN_MODULES) {
    const info = moduleInfo({ module, source: "builtin" });
    missing.push(...undeclaredUnits(info.inputSchema, `${module.key} input`));
    missing.push(...undeclaredUnits(info.outputSchema, `${module.key} output`));
    numeric += info.outputs.filter((field) => field.type === "number").length;
  }
  assert.deepEqual(missing, []);
  assert.ok(numeric > 50, `${numeric} numeric output fields`);
});

Deno.test("every unit a built-in module's output declares is a canonical UCUM code", async () => {
  const units = new Set<string>();
  for (const module of BUILTIN_MODULES) {
    for (const field of moduleInfo({ module, source: "builtin" }).outputs) {
      if (field.unit !== undefined) units.add(field.unit);
    }
  }
  for (const unit of units) assert.equal(await parseUnit(unit), unit);
  assert.ok(units.has("1") && units.has("u") && units.has("%"), [...units].join(", "));
});

Deno.test("temperatures declare whether they are absolute or a difference", () => {
  const calorimetry = BUILTIN_MODULES.find((m) => m.key === "thermo.calorimetry")!;
  const units = moduleInfo({ module: calorimetry, source: "builtin" }).inputUnits;
  assert.deepEqual(units.initialTempC, { unit: "Cel", difference: false });
  assert.deepEqual(units.deltaTK, { unit: "K", difference: true });
  assert.deepEqual(units.initialTempCUncertainty, { unit: "K", difference: true });
  const arrhenius = BUILTIN_MODULES.find((m) => m.key === "kinetics.arrhenius")!;
  assert.deepEqual(inputUnits(arrhenius).temperaturesK, { unit: "K", difference: false });
});

Deno.test("a module described by JSON Schema (an executable plugin) declares units with x-unit", () => {
  const input = z.fromJSONSchema({
    type: "object",
    properties: {
      waitS: { type: "number", "x-unit": "s" },
      deltaK: { type: "number", "x-unit": "K", "x-unit-kind": "difference" },
      timesMin: { type: "array", items: { type: "number", "x-unit": "min" } },
      count: { type: "integer" },
    },
  }) as z.ZodType<Record<string, unknown>>;
  const module = defineModule({
    key: "demo.wait",
    version: "1.0.0",
    title: "Wait",
    domain: "demo",
    summary: "Waits",
    method: "None",
    citations: [],
    limitations: [],
    learnerNotes: [],
    examples: [],
    input,
    output: z.object({}),
    run: () => ({}),
  });
  assert.deepEqual(inputUnits(module), {
    waitS: { unit: "s", difference: false },
    deltaK: { unit: "K", difference: true },
    timesMin: { unit: "min", difference: false },
  });
});
