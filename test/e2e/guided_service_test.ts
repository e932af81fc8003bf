import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { withTempDir } from "../_cli.ts";
import { checkAssignees } from "../../src/service/mod.ts";
import { openTestLab } from "../_store.ts";

const NOW = () => new Date("2025-10-06T09:15:00.000Z");
const TYPO = { massG: 100, initialTempC: 22.0, finalTempC: 82.9, amountMol: 0.05 };
const FIXED = { massG: 100, initialTempC: 22.0, finalTempC: 29.1, amountMol: 0.05 };

Deno.test("issue 14 story: a typo run then the corrected run do not make two steps done", async () => {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({ dataDir: dir, actor: "ana", now: NOW });
    await lab.init();
    const experiment = await lab.createExperiment({ template: "coffee-cup-calorimetry" });
    const run = (input: Record<string, unknown>) =>
      lab.run({ module: "thermo.calorimetry", input, experimentId: experiment.id });
    // Unbound, as before the fix: neither run may be credited to a step.
    await run(TYPO);
    await run(FIXED);
    let plan = await lab.experimentPlan(experiment.id);
    assertEquals([plan.done, plan.total], [0, 3]);
    assertEquals(plan.unmatched.length, 2);

    // Bound to the step they were for: one step done, credited to the corrected run.
    const step = "neutralisation";
    const typo = await lab.run({
      module: "thermo.calorimetry",
      input: TYPO,
      experimentId: experiment.id,
      step,
    });
    const fixed = await lab.run({
      module: "thermo.calorimetry",
      input: FIXED,
      experimentId: experiment.id,
      step,
    });
    plan = await lab.experimentPlan(experiment.id);
    assertEquals([plan.done, plan.total], [1, 3]);
    assertEquals(plan.steps.map((s) => s.status), ["pending", "done", "pending"]);
    assertEquals(plan.steps[1].jobId, fixed.job.id);

    // A realistic 29.1 °C reading against "6.9 ± 0.05 K": graded with ±5 %, it passes.
    const rise = plan.steps[1].checks.find((check) => check.field === "deltaTK");
    assert(rise);
    assertEquals(
      [rise.actual, rise.ok, rise.basis, rise.expected, rise.deviation],
      [7.1, true, "grading", "6.9 ± 5 %", 0.2],
    );

    // Voiding the corrected run leaves the typo, which fails its checks.
    const voided = await lab.voidJob(fixed.job.id, { reason: "Wrong beaker" });
    assertEquals([voided.voided?.by, voided.voided?.reason], ["ana", "Wrong beaker"]);
    plan = await lab.experimentPlan(experiment.id);
    assertEquals(plan.steps[1].jobId, typo.job.id);
    assertEquals(plan.steps[1].checks.every((check) => check.ok), false);
    assertEquals(
      plan.steps[1].runs.map((r) => [r.jobId, r.voided, r.credited]),
      [[typo.job.id, false, true], [fixed.job.id, true, false]],
    );
    await lab.voidJob(typo.job.id, { reason: "Typo: 82.9 for 28.9" });
    plan = await lab.experimentPlan(experiment.id);
    assertEquals([plan.done, plan.steps[1].status], [0, "pending"]);

    const events = (await lab.listAudit({ action: "job.voided" })).items;
    assertEquals(events.map((e) => [e.target.id, e.reason, e.actor]), [
      [typo.job.id, "Typo: 82.9 for 28.9", "ana"],
      [fixed.job.id, "Wrong beaker", "ana"],
    ]);
    assertEquals(events[0].details.step, step);
  });
});

Deno.test("voiding needs a reason, happens once, and writes nothing when refused", async () => {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({ dataDir: dir, actor: "t", now: NOW });
    await lab.init();
    const { job } = await lab.run({ module: "thermo.calorimetry", input: FIXED });
    const head = await lab.auditHead();
    await assertRejects(() => lab.voidJob(job.id, { reason: "  " }), /^"reason" is required/);
    await assertRejects(() => lab.voidJob(job.id, {}), /^"reason" is required/);
    assertEquals(await lab.auditHead(), head);
    await lab.voidJob(job.id, { reason: "Test run" });
    await assertRejects(
      () => lab.voidJob(job.id, { reason: "Again" }),
      /^Job "job_\w+" is already voided: "Test run" \(by t\)$/,
    );
    await assertRejects(() => lab.voidJob("job_nope", { reason: "x" }), /job_nope/);
    assertEquals((await lab.getJob(job.id)).voided?.reason, "Test run");
  });
});

Deno.test("a step binding is checked: experiment, template, step id and module", async () => {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({ dataDir: dir, actor: "t", now: NOW });
    await lab.init();
    const guided = await lab.createExperiment({ template: "coffee-cup-calorimetry" });
    const plain = await lab.createExperiment({ title: "Plain" });
    const module = "thermo.calorimetry";
    await assertRejects(
      () => lab.run({ module, input: FIXED, step: "neutralisation" }),
      /^"step" needs "experimentId": name the experiment whose plan has step "neutralisation" \(--experiment\)$/,
    );
    await assertRejects(
      () => lab.run({ module, input: FIXED, experimentId: plain.id, step: "neutralisation" }),
      /^Cannot run step "neutralisation": experiment "exp_\w+" has no plan \(it was not created from a template\)$/,
    );
    await assertRejects(
      () => lab.run({ module, input: FIXED, experimentId: guided.id, step: "stir" }),
      /^Unknown step "stir" in template "coffee-cup-calorimetry": expected one of neutralisation-curve, neutralisation, dissolution$/,
    );
    await assertRejects(
      () =>
        lab.run({ module, input: FIXED, experimentId: guided.id, step: "neutralisation-curve" }),
      /^Cannot run module "thermo.calorimetry" for step "neutralisation-curve": the step runs "thermo.calorimetry-curve"$/,
    );
    assertEquals((await lab.listJobs()).items, []);
    // A retry keeps the binding.
    const { job } = await lab.run({
      module,
      input: FIXED,
      experimentId: guided.id,
      step: "dissolution",
    });
    assertEquals((await lab.retryJob(job.id)).job.step, "dissolution");
  });
});

Deno.test("assign: one draft per name, owned by it, in one transaction", async () => {
  await withTempDir(async (dir) => {
    await using lab = await openTestLab({ dataDir: dir, actor: "prof", now: NOW });
    await lab.init();
    const made = await lab.assign("halogen-isotope-pattern", { to: ["ana", "bo.k"] });
    assertEquals(made.map((e) => [e.owner, e.status, e.template, e.title]), [
      ["ana", "draft", "halogen-isotope-pattern", "Halogenated unknown by MS — ana — 2025-10-06"],
      ["bo.k", "draft", "halogen-isotope-pattern", "Halogenated unknown by MS — bo.k — 2025-10-06"],
    ]);
    const events = (await lab.listAudit({ action: "experiment.created" })).items;
    assertEquals(events.map((e) => e.reason).sort(), ["Assigned to ana", "Assigned to bo.k"]);
    for (
      const [to, message] of [
        [["cy", "Dee"], /^Cannot assign to "Dee": a username is 2 to 32 lowercase letters/],
        [["cy", "cy"], /^Cannot assign to "cy": the name is given twice$/],
        [[], /^"to" is required/],
      ] as const
    ) {
      await assertRejects(() => lab.assign("coffee-cup-calorimetry", { to: [...to] }), message);
    }
    await assertRejects(() => lab.assign("nope", { to: ["cy"] }), /^Unknown template "nope"/);
    assertEquals((await lab.listExperiments()).items.length, 2);
  });
});

Deno.test("checkAssignees: once the lab has users, only enabled students and TAs", async () => {
  const users = new Map([
    ["ana", { username: "ana", role: "student", disabled: false }],
    ["tim", { username: "tim", role: "ta", disabled: false }],
    ["ida", { username: "ida", role: "instructor", disabled: false }],
    ["old", { username: "old", role: "student", disabled: true }],
  ]);
  let hasUsers = true;
  const directory = {
    hasUsers: () => Promise.resolve(hasUsers),
    getUser: (name: string) => {
      const user = users.get(name);
      return user ? Promise.resolve(user) : Promise.reject(new Error("not found"));
    },
  };
  await checkAssignees(["ana", "tim"], directory);
  await assertRejects(
    () => checkAssignees(["ana", "zed"], directory),
    /^Cannot assign to "zed": no such user$/,
  );
  await assertRejects(
    () => checkAssignees(["old"], directory),
    /^Cannot assign to "old": the user is disabled$/,
  );
  await assertRejects(
    () => checkAssignees(["ida"], directory),
    /^Cannot assign to "ida": the user is an instructor; only students and TAs are assigned labs$/,
  );
  hasUsers = false;
  await checkAssignees(["zed"], directory);
});
