import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk, runCli, snapshotTree, withTempDir } from "../_cli.ts";

interface PlanJson {
  done: number;
  total: number;
  complete: boolean;
  steps: Array<{ id: string; status: string; checks: Array<{ ok: boolean }> }>;
}

const TEMPLATE = {
  $schema: "https://jsr.io/@labos/labos/assets/schemas/template.schema.json",
  key: "ice-pack",
  version: "0.2.0",
  title: "Instant ice pack",
  titlePattern: "Ice pack ({actor})",
  summary: "Heat of solution of ammonium nitrate.",
  purpose: "Measure the enthalpy of solution of NH4NO3.",
  tags: ["thermo"],
  citations: ["OpenStax Chemistry 2e, Example 5.6."],
  instructions: [
    "Weigh the salt.",
    "Dissolve it in 50.0 g water.",
    "Record the lowest temperature.",
  ],
  steps: [{
    id: "dissolve",
    title: "Dissolve 3.21 g NH4NO3",
    module: "thermo.calorimetry",
    input: { massG: 53.2, initialTempC: 24.9, finalTempC: 20.3 },
    expected: [{ field: "heatJ", value: -1024, tolerance: 5 }],
  }],
};

Deno.test("templates list and show describe the shipped labs", async () => {
  const list = await cliJson<Array<{ key: string; source: string; steps: unknown[] }>>([
    "templates",
    "list",
  ]);
  assertEquals(list.map((t) => t.key), [
    "beer-lambert-calibration",
    "coffee-cup-calorimetry",
    "crystal-violet-kinetics",
    "halogen-isotope-pattern",
    "hplc-resolution-van-deemter",
  ]);
  assert(list.every((t) => t.source === "builtin" && t.steps.length > 0));
  const shown = await cliOk(["templates", "show", "coffee-cup-calorimetry"]);
  assertStringIncludes(shown, "Coffee-cup calorimetry — {date}");
  assertStringIncludes(shown, "Planned runs");
  assertStringIncludes(shown, "expect    reactionEnthalpyKJPerMol -57 ± 3 kJ/mol");
  assertStringIncludes(shown, "1. Nest two polystyrene cups");
  const missing = await runCli(["templates", "show", "titration"]);
  assertEquals(missing.code, 2);
  assertMatch(missing.stderr, /^error: Unknown template "titration": expected one of /);
});

Deno.test("experiments create --template, plan and run-plan through the CLI", async () => {
  await withTempDir(async (dir) => {
    const data = ["--data-dir", `${dir}/data`];
    await cliOk([...data, "init"]);
    const experiment = await cliJson<{ id: string; title: string; template: string }>([
      ...data,
      "experiments",
      "create",
      "--template",
      "crystal-violet-kinetics",
    ]);
    assertEquals(experiment.template, "crystal-violet-kinetics");
    assertMatch(experiment.title, /^Crystal violet kinetics — \d{4}-\d{2}-\d{2}$/);
    const shown = await cliOk([...data, "experiments", "show", experiment.id]);
    assertStringIncludes(shown, "template   crystal-violet-kinetics");

    const pending = await cliOk([...data, "experiments", "plan", experiment.id]);
    assertStringIncludes(pending, "0 of 2 planned runs done");

    const ran = await cliJson<
      { runs: Array<{ result: { job: { status: string } } }>; plan: PlanJson }
    >(
      [...data, "experiments", "run-plan", experiment.id],
    );
    assertEquals(ran.runs.map((r) => r.result.job.status), ["succeeded", "succeeded"]);
    assertEquals([ran.plan.done, ran.plan.total, ran.plan.complete], [2, 2, true]);
    assert(ran.plan.steps.every((s) => s.checks.every((c) => c.ok)));

    const done = await cliOk([...data, "experiments", "plan", experiment.id]);
    assertStringIncludes(done, "2 of 2 planned runs done");
    assertMatch(
      done,
      /ok {2}Activation energy: 60\.54\d* kJ\/mol \(expected 60\.6 ± 3 kJ\/mol, off by −0\.05\d+ kJ\/mol\)/,
    );

    const nothing = await cliOk([...data, "experiments", "run-plan", experiment.id]);
    assertStringIncludes(nothing, "Nothing to run");

    const before = await snapshotTree(`${dir}/data`);
    const noTitle = await runCli([...data, "experiments", "create"]);
    assertEquals(noTitle.code, 2);
    assertStringIncludes(noTitle.stderr, `required option '--title <title>' not specified (or`);
    const badStep = await runCli([
      ...data,
      "experiments",
      "run-plan",
      experiment.id,
      "--step",
      "fading",
      "--param",
      "timesS=[0,1]",
    ]);
    assertEquals(badStep.code, 2);
    assertMatch(badStep.stderr, /^error: Cannot run module "kinetics\.integrated-rate-law": /);
    assertEquals(await snapshotTree(`${dir}/data`), before);
  });
});

Deno.test("a lab's own templates come from labos.jsonc; a bad one names the file and the field", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/my_templates`);
    await Deno.writeTextFile(`${dir}/my_templates/ice.jsonc`, JSON.stringify(TEMPLATE, null, 2));
    await Deno.writeTextFile(
      `${dir}/labos.jsonc`,
      `{ "dataDir": "./data", "templates": ["./my_templates/ice.jsonc"] }`,
    );
    await cliOk(["init"], { cwd: dir });
    const list = await cliJson<Array<{ key: string; source: string }>>(["templates", "list"], {
      cwd: dir,
    });
    assertEquals(list.find((t) => t.key === "ice-pack")?.source, `${dir}/my_templates/ice.jsonc`);
    const experiment = await cliJson<{ id: string; title: string }>(
      ["--actor", "Kim", "experiments", "create", "--template", "ice-pack"],
      { cwd: dir },
    );
    assertEquals(experiment.title, "Ice pack (Kim)");
    const ran = await cliJson<{ plan: PlanJson }>(
      ["experiments", "run-plan", experiment.id],
      { cwd: dir },
    );
    assertEquals(ran.plan.complete, true);

    const broken = { ...TEMPLATE, steps: [{ ...TEMPLATE.steps[0], module: "calorimetry" }] };
    await Deno.writeTextFile(`${dir}/my_templates/ice.jsonc`, JSON.stringify(broken, null, 2));
    const before = await snapshotTree(`${dir}/data`);
    const bad = await runCli(["templates", "list"], { cwd: dir });
    assertEquals(bad.code, 2);
    assertEquals(
      bad.stderr,
      `error: Invalid template ${dir}/my_templates/ice.jsonc: "steps.0.module" must look like "domain.name": current value is "calorimetry"\n`,
    );
    const create = await runCli(["experiments", "create", "--template", "ice-pack"], { cwd: dir });
    assertEquals(create.code, 2);
    assertStringIncludes(create.stderr, `"steps.0.module"`);

    await Deno.writeTextFile(`${dir}/my_templates/ice.jsonc`, `{\n  "key": "ice-pack",\n  oops\n}`);
    const syntax = await runCli(["templates", "show", "ice-pack"], { cwd: dir });
    assertEquals(syntax.code, 2);
    assertMatch(
      syntax.stderr,
      /^error: Cannot read .*\/my_templates\/ice\.jsonc: line 3, column 3: [A-Z]/,
    );
    assertEquals(await snapshotTree(`${dir}/data`), before);
  });
});

Deno.test("config show prints every setting with its source; modules.disabled takes effect", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/labos.jsonc`,
      `{
        // A teaching lab's settings
        "dataDir": "./lab-data",
        "modules": { "disabled": ["ms.neutral-losses"] },
        "display": { "mode": "lab", "significantFigures": 3, "units": { "temperature": "K" } },
      }`,
    );
    const human = await cliOk(["config", "show"], { cwd: dir, env: { LABOS_ACTOR: "env-actor" } });
    assertStringIncludes(human, `config file  ${dir}/labos.jsonc`);
    const row = (key: string) => human.split("\n").find((line) => line.startsWith(`${key} `));
    assertMatch(row("dataDir") ?? "", new RegExp(`^dataDir +file +${dir}/lab-data$`));
    assertMatch(row("actor") ?? "", /^actor +env +env-actor$/);
    assertMatch(row("display.mode") ?? "", /^display\.mode +file +lab$/);
    assertMatch(row("display.significantFigures") ?? "", /file +3$/);
    assertMatch(row("display.units.temperature") ?? "", /file +K$/);
    assertMatch(row("display.units.energy") ?? "", /default +kJ\/mol$/);
    assertMatch(row("modules.disabled") ?? "", /file +ms\.neutral-losses$/);
    assertMatch(row("plugins.timeoutMs") ?? "", /default +10000$/);

    const json = await cliJson<
      { configFile: string; settings: Array<{ key: string; value: unknown; source: string }> }
    >(["--data-dir", "elsewhere", "config", "show"], { cwd: dir });
    assertEquals(json.configFile, `${dir}/labos.jsonc`);
    const setting = (key: string) => json.settings.find((s) => s.key === key);
    assertEquals(setting("dataDir"), { key: "dataDir", value: `${dir}/elsewhere`, source: "flag" });
    assertEquals(setting("templates"), { key: "templates", value: [], source: "default" });
    assertEquals(setting("display.decimalPlaces")?.value, null);

    await cliOk(["init"], { cwd: dir });
    const modules = await cliJson<Array<{ key: string }>>(["modules", "list"], { cwd: dir });
    assertEquals(modules.length, 8);
    assert(!modules.some((m) => m.key === "ms.neutral-losses"));
    const refused = await runCli(
      ["experiments", "create", "--template", "halogen-isotope-pattern"],
      {
        cwd: dir,
      },
    );
    assertEquals(refused.code, 2);
    assertStringIncludes(
      refused.stderr,
      `needs module "ms.neutral-losses", which is not available`,
    );

    await Deno.writeTextFile(`${dir}/labos.jsonc`, `{ "display": { "mode": "teacher" } }`);
    const bad = await runCli(["config", "show"], { cwd: dir });
    assertEquals(bad.code, 2);
    assertStringIncludes(bad.stderr, `"display.mode" must be one of "learner", "lab", "builder"`);
  });
});

Deno.test("deno task demo creates an experiment from the coffee-cup template and runs its plan", async () => {
  await withTempDir(async (dir) => {
    const out = await cliOk(["--data-dir", `${dir}/demo`, "demo"]);
    assertStringIncludes(out, "from the coffee-cup calorimetry template");
    assertStringIncludes(out, `(planned step "neutralisation-curve" of the template)`);
    assertMatch(out, /\n {5}deltaTK {5,}6\.902 ± 0\.013 K\n/);
    assertStringIncludes(out, "/plots/thermo.calorimetry-curve.svg");
    assertStringIncludes(out, `(planned step "neutralisation" of the template)`);
    assertStringIncludes(
      out,
      "5. Template plan: 3 of 3 planned runs done, 10 of 10 outputs as expected",
    );
    assertStringIncludes(out, "Audit log verified: ok");
  });
});
