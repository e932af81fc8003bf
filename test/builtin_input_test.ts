/**
 * Issue 13, item 1: a built-in module runs on the recorded input itself, not
 * on a copy of it (a 1,000,000-row input is then held twice, not three
 * times), which is sound only because no built-in module writes to its
 * input and no built-in schema passes the caller's objects through: each
 * runs here on its worked examples, frozen, and on large inputs, whose long
 * arrays are not frozen; the recorded input must not change, and must share
 * no object with the input given but the long arrays checked by a loop
 * (Beer–Lambert's standards), which the caller hands over.
 *
 * @module
 */
import { bigInput, FIT_MODULES } from "../bench/_module_inputs.ts";
import type { LabModule, ModuleContext } from "../src/modules/contract.ts";
import { isBuiltinModule, loadBuiltinModules } from "../src/modules/catalog.ts";
import { executeRun, prepareRun } from "../src/runs/mod.ts";
import { assert, assertEquals } from "./_assert.ts";

const BUILTIN = await loadBuiltinModules();

/** Runs a module on an input and returns the prepared run, the outcome and what the module received. */
async function runWatched(module: LabModule, raw: unknown) {
  const prepared = prepareRun({ module, source: "builtin" }, raw);
  const recorded = JSON.stringify(prepared.input);
  const original = module.run;
  let received: unknown;
  // A spy on this test's run only, put back before anything else runs.
  module.run = (input: unknown, context: ModuleContext) => {
    received = input;
    return original.call(module, input, context);
  };
  try {
    const outcome = await executeRun(prepared);
    return { prepared, recorded, outcome, received };
  } finally {
    module.run = original;
  }
}

for (const module of BUILTIN) {
  Deno.test(`item 1: ${module.key} runs on its recorded input and never changes it`, async () => {
    assert(isBuiltinModule(module));
    const inputs = module.examples.map((example) => example.input);
    if (FIT_MODULES.includes(module.key)) inputs.push(bigInput(module.key, 3000));
    for (const raw of inputs) {
      const { prepared, recorded, outcome, received } = await runWatched(module, raw);
      assertEquals(outcome.status, "succeeded", JSON.stringify(outcome));
      assert(received === prepared.input, "the module ran on a copy of the recorded input");
      assertEquals(JSON.stringify(prepared.input), recorded);
      const given = objectsOf(raw);
      // A long array the loop checked (src/runs/_fast_parse.ts) is the caller's own, handed over.
      const shared = [...objectsOf(prepared.input)].filter((object) => given.has(object));
      const handedOver = shared.filter((object) => Array.isArray(object) && object.length >= 1024);
      const inside = new Set(handedOver.flatMap((array) => [...objectsOf(array)]));
      assert(
        shared.every((object) => inside.has(object)),
        "the recorded input shares an object with the caller's other than a long checked array",
      );
      if (module.key === "spectroscopy.beer-lambert" && raw === inputs.at(-1)) {
        assertEquals(handedOver.length, 1, "the long standards were copied");
      }
    }
  });
}

/** Every object and array in a JSON value, itself included. */
function objectsOf(value: unknown, found = new Set<object>()): Set<object> {
  if (value !== null && typeof value === "object" && !found.has(value)) {
    found.add(value);
    for (const item of Object.values(value)) objectsOf(item, found);
  }
  return found;
}

Deno.test("item 1: a module that is not LabOS's own runs on a copy, even under a built-in key", async () => {
  const [builtin] = BUILTIN;
  const lookalike: LabModule = { ...builtin };
  assert(!isBuiltinModule(lookalike));
  const { prepared, outcome, received } = await runWatched(lookalike, builtin.examples[0].input);
  assertEquals(outcome.status, "succeeded", JSON.stringify(outcome));
  assert(received !== prepared.input);
  assertEquals(received, prepared.input);
});
