import { assert, assertEquals, assertRejects } from "../../test/_assert.ts";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { LabosError } from "../errors.ts";
import {
  builtinTemplates,
  checkExpectation,
  derivePlan,
  type LabTemplate,
  parseTemplate,
  type PlanJob,
  renderTitle,
  TemplateCatalog,
} from "./mod.ts";

const MINIMAL = {
  key: "demo-lab",
  version: "1.0.0",
  title: "Demo lab",
  titlePattern: "Demo — {date}",
  summary: "A demo.",
  purpose: "Test templates.",
  instructions: ["One", "Two", "Three"],
  steps: [{ id: "heat", title: "Heat", module: "thermo.calorimetry", input: { massG: 1 } }],
};

function rejects(value: unknown, pattern: RegExp): Promise<Error> {
  return assertRejects(
    () => Promise.resolve(parseTemplate(JSON.stringify(value), "t.jsonc")),
    pattern,
  );
}

Deno.test("every built-in template is valid, cited and plans runs of built-in modules", () => {
  const templates = builtinTemplates();
  assertEquals(templates.map((t) => t.key), [
    "beer-lambert-calibration",
    "coffee-cup-calorimetry",
    "crystal-violet-kinetics",
    "halogen-isotope-pattern",
    "hplc-resolution-van-deemter",
  ]);
  const keys = new Set(BUILTIN_MODULES.map((m) => m.key));
  for (const template of templates) {
    assert(template.citations.length > 0, `${template.key} cites nothing`);
    assert(template.instructions.length >= 5, `${template.key} has few instructions`);
    for (const step of template.steps) {
      assert(keys.has(step.module), `${template.key}/${step.id}: unknown module ${step.module}`);
      assert(step.source, `${template.key}/${step.id} does not say where its input comes from`);
      assert(step.expected.length > 0, `${template.key}/${step.id} expects nothing`);
      const module = BUILTIN_MODULES.find((m) => m.key === step.module)!;
      assert(module.input.safeParse(step.input).success, `${template.key}/${step.id} input`);
    }
  }
});

Deno.test("template errors name the file and the field", async () => {
  await rejects({ ...MINIMAL, key: undefined }, /^Invalid template t\.jsonc: "key" is required$/);
  await rejects(
    { ...MINIMAL, steps: [{ ...MINIMAL.steps[0], module: "calorimetry" }] },
    /"steps\.0\.module" must look like "domain\.name"/,
  );
  await rejects({ ...MINIMAL, titlePattern: "Lab {when}" }, /"titlePattern" may use only/);
  await rejects({ ...MINIMAL, instructions: ["Only one"] }, /"instructions" must have at least 3/);
  await rejects(
    { ...MINIMAL, steps: [MINIMAL.steps[0], MINIMAL.steps[0]] },
    /"steps\.1\.id" must be unique/,
  );
  await rejects(
    { ...MINIMAL, steps: [{ ...MINIMAL.steps[0], expected: [{ field: "heatJ", value: 3 }] }] },
    /"steps\.0\.expected\.0" "value" and "tolerance" go together/,
  );
  await rejects({ ...MINIMAL, colour: "red" }, /input has unknown field "colour"$/);
  await rejects(
    { ...MINIMAL, titel: "x" },
    /input has unknown field "titel"; did you mean "title"\?$/,
  );
  await rejects(
    { ...MINIMAL, steps: [{ ...MINIMAL.steps[0], Input: {} }] },
    /"steps\.0" has unknown field "Input"; did you mean "input"\?$/,
  );
  const error = await assertRejects(
    () => Promise.resolve(parseTemplate('{\n  "key": "x",\n  oops\n}', "bad.jsonc")),
    /^Cannot read bad\.jsonc: line 3, column 3: /,
  );
  assert(error instanceof LabosError && error.kind === "invalid");
});

Deno.test("a lab's template cannot reuse a built-in key", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/mine.jsonc`;
  await Deno.writeTextFile(file, JSON.stringify({ ...MINIMAL, key: "coffee-cup-calorimetry" }));
  await assertRejects(
    () => Promise.resolve(new TemplateCatalog({ files: [file] }).list()),
    /"key" "coffee-cup-calorimetry" is already used by a built-in template/,
  );
  await Deno.writeTextFile(file, JSON.stringify(MINIMAL));
  assertEquals(new TemplateCatalog({ files: [file] }).get("demo-lab").source, file);
  await assertRejects(
    () => Promise.resolve(new TemplateCatalog({ files: [`${dir}/none.jsonc`] }).list()),
    /Cannot read template .*none\.jsonc: no such file/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("titles fill {date} and {actor}", () => {
  const date = new Date("2025-09-01T23:30:00Z");
  assertEquals(
    renderTitle("{actor}: lab of {date}", { date, actor: "bo" }),
    "bo: lab of 2025-09-01",
  );
});

Deno.test("expectations: value ± tolerance, ranges and exact values", () => {
  const output = { a: 1.04, peaks: [{ mz: 49, formula: "Cl" }], missing: null };
  assert(checkExpectation({ field: "a", value: 1, tolerance: 0.05 }, output).ok);
  assert(!checkExpectation({ field: "a", value: 1, tolerance: 0.03 }, output).ok);
  assert(checkExpectation({ field: "a", min: 1 }, output).ok);
  assert(!checkExpectation({ field: "a", max: 1 }, output).ok);
  assert(checkExpectation({ field: "peaks.0.formula", equals: "Cl" }, output).ok);
  assert(checkExpectation({ field: "peaks.0.mz", equals: 49 }, output).ok);
  const missing = checkExpectation({ field: "b.c", min: 0 }, output);
  assertEquals([missing.ok, missing.actual], [false, null]);
  assertEquals(
    checkExpectation({ field: "a", value: 6.43e-5, tolerance: 5e-7 }, {}).expected,
    "6.43e-5 ± 5e-7",
  );
  assertEquals(
    checkExpectation({ field: "a", min: -0.01, max: 0.01 }, {}).expected,
    "-0.01 to 0.01",
  );
});

Deno.test("plan: a default input names its step; a module's only open step takes a job; else unmatched", () => {
  const template: LabTemplate = {
    ...MINIMAL,
    tags: [],
    citations: [],
    safety: [],
    steps: [
      { id: "a", title: "A", module: "m.one", input: {}, expected: [{ field: "x", min: 0 }] },
      { id: "b", title: "B", module: "m.one", input: {}, expected: [] },
      { id: "c", title: "C", module: "m.two", input: {}, expected: [] },
    ],
  };
  const job = (id: string, module: string, inputHash: string, status = "succeeded"): PlanJob => ({
    id,
    module,
    status,
    inputHash,
    outputDatasetId: `ds_${id}`,
    output: { x: 1 },
  });
  const plan = derivePlan("exp_1", template, {
    jobs: [
      job("j1", "m.one", "own"),
      job("j2", "m.one", "hash-b"),
      job("j3", "m.two", "x", "failed"),
      job("j4", "m.one", "own-again"),
    ],
    defaultInputHashes: ["hash-a", "hash-b", "hash-c"],
  });
  assertEquals(
    plan.steps.map((s) => [s.id, s.status, s.jobId, s.match]),
    [["a", "done", "j4", "module"], ["b", "done", "j2", "default-input"], [
      "c",
      "pending",
      null,
      null,
    ]],
  );
  assertEquals(plan.steps[0].checks[0].ok, true);
  // j1 ran while a and b were both open: it stays unmatched.
  assertEquals(plan.unmatched.map((run) => [run.jobId, run.status]), [
    ["j1", "succeeded"],
    ["j3", "failed"],
  ]);
  assertEquals([plan.done, plan.total, plan.complete], [2, 3, false]);
});

const TWO_OF_ONE_MODULE: LabTemplate = {
  ...MINIMAL,
  tags: [],
  citations: [],
  safety: [],
  steps: [
    {
      id: "acid",
      title: "Acid",
      module: "m.one",
      input: {},
      expected: [{ field: "x", value: 6.9, tolerance: 0.05, grading: { relativeTolerance: 0.05 } }],
    },
    { id: "salt", title: "Salt", module: "m.one", input: {}, expected: [] },
  ],
};

function planJob(id: string, options: Partial<PlanJob> = {}): PlanJob {
  return {
    id,
    module: "m.one",
    status: "succeeded",
    inputHash: `hash-${id}`,
    outputDatasetId: `ds_${id}`,
    output: { x: 7.1 },
    ...options,
  };
}

Deno.test("plan: an unbound job whose step is ambiguous is unmatched, not credited (issue 14)", () => {
  // A typo run, then the corrected run: two steps run m.one, so neither job is credited.
  const plan = derivePlan("exp_1", TWO_OF_ONE_MODULE, {
    jobs: [planJob("typo"), planJob("fixed")],
    defaultInputHashes: ["hash-acid", "hash-salt"],
  });
  assertEquals([plan.done, plan.total], [0, 2]);
  assertEquals(plan.unmatched.map((run) => [run.jobId, run.match, run.credited]), [
    ["typo", null, false],
    ["fixed", null, false],
  ]);
});

Deno.test("plan: bound jobs count for their step; the latest unvoided run is credited", () => {
  const plan = derivePlan("exp_1", TWO_OF_ONE_MODULE, {
    jobs: [
      planJob("typo", { step: "acid", output: { x: 70 } }),
      planJob("fixed", { step: "acid" }),
      planJob("late", { step: "acid", voided: { reason: "spilt" } }),
      planJob("failed", { step: "acid", status: "failed", outputDatasetId: null }),
    ],
    defaultInputHashes: ["hash-acid", "hash-salt"],
  });
  assertEquals([plan.done, plan.total, plan.complete], [1, 2, false]);
  const [acid, salt] = plan.steps;
  assertEquals([acid.status, acid.jobId, acid.match], ["done", "fixed", "bound"]);
  assertEquals(acid.runs.map((run) => [run.jobId, run.voided, run.credited]), [
    ["typo", false, false],
    ["fixed", false, true],
    ["late", true, false],
    ["failed", false, false],
  ]);
  assertEquals(salt.status, "pending");
  assertEquals(plan.unmatched, []);
});

Deno.test("plan: a voided job counts for nothing, and one open step of a module takes the rest", () => {
  const plan = derivePlan("exp_1", TWO_OF_ONE_MODULE, {
    jobs: [
      planJob("bound", { step: "acid", voided: { reason: "typo" } }),
      planJob("salted", { step: "salt" }),
      planJob("free"),
    ],
    defaultInputHashes: ["hash-acid", "hash-salt"],
  });
  assertEquals(plan.steps.map((s) => [s.id, s.status, s.jobId, s.match]), [
    ["acid", "done", "free", "module"],
    ["salt", "done", "salted", "bound"],
  ]);
  assertEquals(plan.steps[0].runs.map((run) => [run.jobId, run.voided]), [
    ["bound", true],
    ["free", false],
  ]);
});

Deno.test("plan: the student's own data is graded with the grading tolerance (issue 14)", () => {
  // 29.1 °C read instead of the worked example's 28.9 °C: ΔT = 7.1 K against 6.9 ± 0.05 K.
  const plan = derivePlan("exp_1", TWO_OF_ONE_MODULE, {
    jobs: [planJob("own", { step: "acid" })],
    defaultInputHashes: ["hash-acid", "hash-salt"],
  });
  const [check] = plan.steps[0].checks;
  assertEquals(check, {
    field: "x",
    expected: "6.9 ± 5 %",
    actual: 7.1,
    ok: true,
    deviation: 0.2,
    relativeDeviation: 0.0289855072464,
    tolerance: 0.345,
    basis: "grading",
  });
  // The worked example's own input is held to the example's precision.
  const example = derivePlan("exp_1", TWO_OF_ONE_MODULE, {
    jobs: [planJob("own", { step: "acid", inputHash: "hash-acid" })],
    defaultInputHashes: ["hash-acid", "hash-salt"],
  }).steps[0].checks[0];
  assertEquals([example.ok, example.expected, example.basis], [false, "6.9 ± 0.05", "example"]);
});

Deno.test("expectations: a grading tolerance widens ranges, and the wider of absolute and relative applies", async () => {
  const range = { field: "u", max: 0.1, grading: { tolerance: 0.05 } };
  assertEquals(checkExpectation(range, { u: 0.14 }).ok, false);
  const graded = checkExpectation(range, { u: 0.14 }, { graded: true });
  assertEquals([graded.ok, graded.expected, graded.deviation], [true, "≤ 0.15", 0]);
  const outside = checkExpectation(range, { u: 0.2 }, { graded: true });
  assertEquals([outside.ok, outside.deviation], [false, 0.05]);
  const both = {
    field: "h",
    value: -57,
    tolerance: 3,
    grading: { tolerance: 2, relativeTolerance: 0.1 },
  };
  const check = checkExpectation(both, { h: -62 }, { graded: true });
  assertEquals([check.ok, check.tolerance, check.expected], [true, 5.7, "-57 ± 5.7"]);
  await rejects({
    ...MINIMAL,
    steps: [{
      id: "a",
      title: "A",
      module: "m.one",
      input: {},
      expected: [{ field: "f", equals: "Cl", grading: { tolerance: 1 } }],
    }],
  }, /"steps.0.expected.0.grading" does not apply to "equals"/);
});
