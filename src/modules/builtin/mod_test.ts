import assert from "node:assert/strict";
import { expectedSubsetMismatches } from "./_stats.ts";
import { BUILTIN_MODULES } from "./mod.ts";
import { moduleInfo } from "../registry.ts";

for (const module of BUILTIN_MODULES) {
  Deno.test(`${module.key}: descriptor is complete`, () => {
    assert.ok(module.key.startsWith(`${module.domain}.`));
    assert.equal(module.version, "1.0.0");
    for (const text of [module.title, module.summary, module.method]) assert.ok(text.length > 0);
    for (const list of [module.citations, module.limitations, module.learnerNotes]) {
      assert.ok(list.length > 0);
    }
    assert.ok(module.examples.length > 0);
  });

  for (const example of module.examples) {
    Deno.test(`${module.key}: worked example "${example.name}" reproduces its source`, async () => {
      assert.ok(example.source.length > 0);
      const input = module.input.parse(example.input);
      const output = module.output.parse(await module.run(input, { progress() {} }));
      assert.deepEqual(expectedSubsetMismatches(output, example.expected), []);
      const plot = module.plot?.(input, output);
      for (const series of plot?.series ?? []) {
        assert.ok(series.points.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
      }
    });
  }
}

// Issue 13: `modules show` lists every output with its unit and, for an uncertainty, its formula.
for (const module of BUILTIN_MODULES) {
  Deno.test(`${module.key}: every output field states its unit, every uncertainty its formula`, () => {
    const { outputs } = moduleInfo({ module, source: "builtin" });
    assert.ok(outputs.length > 0);
    for (const field of outputs) {
      assert.ok(field.description.length > 0, `${field.path} has no description`);
      if (field.type === "number" || field.type === "integer") {
        assert.match(
          field.description,
          /\b(in|unit|dimensionless)\b|%|\bDa\b/,
          `${module.key} ${field.path} names no unit`,
        );
      }
      // A budget row's standardUncertainty is the one stated for an input, not a computed one.
      const computed = !field.path.startsWith("uncertaintyBudget[]");
      if (
        computed && /StandardError|Uncertainty|[cC]ovariance|^standardErrors\./.test(field.path)
      ) {
        assert.match(field.description, /=/, `${module.key} ${field.path} gives no formula`);
      }
    }
  });
}
