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
