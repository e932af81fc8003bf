import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { withTempDir } from "../_cli.ts";
import { openTestLab } from "../_store.ts";
import { builtinRegistry, ModuleRegistry } from "../../src/modules/mod.ts";

const NOW = () => new Date("2025-10-06T09:15:00.000Z");

Deno.test("every shipped template's planned runs succeed with their default inputs, as expected", async () => {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({ dataDir: dir, actor: "teacher", now: NOW });
    await lab.init();
    const templates = await lab.listTemplates();
    assert(templates.length >= 5);
    for (const { template } of templates) {
      const experiment = await lab.createExperiment({ template: template.key });
      assertEquals(experiment.template, template.key);
      assertEquals(experiment.purpose, template.purpose);
      assert(experiment.title.includes("2025-10-06"), experiment.title);
      const before = await lab.experimentPlan(experiment.id);
      assertEquals([before.done, before.complete], [0, false]);

      const { runs, plan } = await lab.runPlan(experiment.id);
      assertEquals(runs.map((r) => r.step), template.steps.map((s) => s.id));
      for (const { step, result } of runs) {
        assertEquals(result.job.status, "succeeded", `${template.key}/${step}`);
        assertEquals(result.job.experimentId, experiment.id);
      }
      assertEquals([plan.done, plan.total, plan.complete], [runs.length, runs.length, true]);
      for (const step of plan.steps) {
        assertEquals(step.match, "bound");
        assertEquals(step.runs.map((run) => run.jobId), [step.jobId]);
        for (const check of step.checks) {
          assert(check.ok, `${template.key}/${step.id}: ${check.field} = ${check.actual}`);
        }
      }
      const again = await lab.runPlan(experiment.id);
      assertEquals(again.runs, []);
    }
  });
});

Deno.test("creating from a template audits the template key and version", async () => {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({ dataDir: dir, actor: "Ana", now: NOW });
    await lab.init();
    const experiment = await lab.createExperiment({
      template: "halogen-isotope-pattern",
      tags: ["group-b"],
    });
    assertEquals(experiment.title, "Halogenated unknown by MS — Ana — 2025-10-06");
    assertEquals(experiment.tags, ["ms", "teaching", "isotopes", "group-b"]);
    const own = await lab.createExperiment({ template: "coffee-cup-calorimetry", title: "Mine" });
    assertEquals(own.title, "Mine");
    const events = (await lab.listAudit({ action: "experiment.created" })).items;
    const details = events.find((e) => e.target.id === experiment.id)?.details;
    assertEquals(details?.template, {
      key: "halogen-isotope-pattern",
      version: "1.1.0",
      source: "builtin",
    });
  });
});

Deno.test("a student's own data counts for the step it is run for; params override one step", async () => {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({ dataDir: dir, actor: "s1", now: NOW });
    await lab.init();
    const experiment = await lab.createExperiment({ template: "coffee-cup-calorimetry" });
    const input = { massG: 100, initialTempC: 21.8, finalTempC: 28.5, amountMol: 0.05 };
    // Two steps run thermo.calorimetry: an unbound run of it is credited to neither.
    const unbound = await lab.run({
      module: "thermo.calorimetry",
      input,
      experimentId: experiment.id,
    });
    let plan = await lab.experimentPlan(experiment.id);
    assertEquals(plan.done, 0);
    assertEquals(plan.unmatched.map((run) => run.jobId), [unbound.job.id]);
    const bound = await lab.run({
      module: "thermo.calorimetry",
      input,
      experimentId: experiment.id,
      step: "neutralisation",
    });
    assertEquals(bound.job.step, "neutralisation");
    plan = await lab.experimentPlan(experiment.id);
    assertEquals(plan.steps.map((s) => [s.id, s.status, s.match]), [
      ["neutralisation-curve", "pending", null],
      ["neutralisation", "done", "bound"],
      ["dissolution", "pending", null],
    ]);
    const enthalpy = plan.steps[1].checks.find((c) => c.field === "reactionEnthalpyKJPerMol");
    assertEquals(enthalpy?.ok, true);

    const result = await lab.runPlan(experiment.id, {
      steps: ["dissolution"],
      params: ["finalTempC=20.5"],
    });
    assertEquals(result.runs[0].result.job.input, {
      massG: 53.2,
      specificHeatJPerGK: 4.184,
      initialTempC: 24.9,
      finalTempC: 20.5,
      calorimeterConstantJPerK: 0,
      amountMol: 0.0401,
    });
    plan = result.plan;
    assertEquals(plan.complete, false);

    // The curve step runs on its default series: ΔT extrapolated, with an uncertainty.
    const curve = await lab.runPlan(experiment.id);
    assertEquals(curve.runs.map((r) => r.step), ["neutralisation-curve"]);
    const output = curve.runs[0].result.output as Record<string, number>;
    assertEquals(curve.plan.steps[0].checks.every((c) => c.ok), true);
    assertEquals(output.reactionEnthalpyKJPerMolUncertainty > 0, true);
    assertEquals(curve.plan.complete, true);

    await assertRejects(
      () => lab.runPlan(experiment.id, { params: ["massG=1"] }),
      /"params" apply to one step/,
    );
    await assertRejects(
      () => lab.runPlan(experiment.id, { steps: ["stir"] }),
      /Unknown step "stir" in template "coffee-cup-calorimetry": expected one of neutralisation-curve, neutralisation, dissolution/,
    );
    const plain = await lab.createExperiment({ title: "No template" });
    await assertRejects(() => lab.experimentPlan(plain.id), /has no plan/);
  });
});

Deno.test("a template whose module is disabled cannot be used, and nothing is written", async () => {
  await withTempDir(async (dir) => {
    const modules = new ModuleRegistry();
    for (const { module } of builtinRegistry().list()) {
      if (module.key !== "ms.neutral-losses") modules.register(module);
    }
    await using lab = await openTestLab({ dataDir: dir, actor: "t", modules });
    await lab.init();
    await assertRejects(
      () => lab.createExperiment({ template: "halogen-isotope-pattern" }),
      /step "fragments" needs module "ms\.neutral-losses", which is not available/,
    );
    await assertRejects(
      () => lab.createExperiment({ template: "nope" }),
      /Unknown template "nope"/,
    );
    assertEquals((await lab.listExperiments()).items, []);
  });
});
