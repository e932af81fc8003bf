import assert from "node:assert/strict";
import { LabosError } from "../errors.ts";
import { parseCsv } from "../datasets/csv.ts";
import { decodePlotSvg } from "../../test/_svg_decode.ts";
import type { Lab } from "./mod.ts";
import { openTestLab } from "../../test/_store.ts";

const CHEAP = { N: 1024, r: 8, p: 1 };
const NOW = () => new Date("2026-03-02T10:00:00.000Z");
const PASSWORD = "calorimeter-2026";
const KEY = "coffee-cup-calorimetry";
const MODULE = "thermo.calorimetry";
const DISSOLUTION = { massG: 53.2, initialTempC: 24.9, finalTempC: 20.3, amountMol: 0.0401 };

async function withClass(
  fn: (lab: Lab) => Promise<void>,
  options: { users?: boolean } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "labos-gradebook-" });
  try {
    await using lab = await openTestLab({
      dataDir: dir,
      actor: "admin-cli",
      now: NOW,
      scryptCost: CHEAP,
    });
    await lab.init();
    if (options.users === false) return await fn(lab);
    await lab.addUser({ username: "prof", role: "instructor", password: PASSWORD });
    await lab.addUser({ username: "tim", role: "ta", password: PASSWORD });
    for (const name of ["ana", "bo", "cy"]) {
      await lab.addUser({ username: name, role: "student", password: PASSWORD });
    }
    await fn(lab);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function student(lab: Lab, name: string): Lab {
  return lab.as({ actor: name, role: "student", auth: "session" });
}

/** Runs the neutralisation step with a final temperature: ΔT = finalTempC − 22.0. */
async function neutralise(lab: Lab, experimentId: string, finalTempC: number) {
  return await lab.run({
    module: MODULE,
    input: { massG: 100, initialTempC: 22.0, finalTempC, amountMol: 0.05 },
    experimentId,
    step: "neutralisation",
  });
}

Deno.test("gradebook: steps done without voided runs, checks within tolerance, one row per student and template", async () => {
  await withClass(async (lab) => {
    const prof = lab.as({ actor: "prof", role: "instructor", auth: "session" });
    const [ana, bo, cy] = await prof.assign(KEY, { to: ["ana", "bo", "cy"] });
    // The instructor's own experiment from the template, and the CLI's, are not students' rows.
    await prof.createExperiment({ template: KEY });
    await lab.createExperiment({ template: KEY });

    // ana: neutralisation on her own data (ΔT 7.1 K), dissolution with a typo, then voided.
    await neutralise(student(lab, "ana"), ana.id, 29.1);
    const typo = await student(lab, "ana").run({
      module: MODULE,
      input: { ...DISSOLUTION, finalTempC: 2.03 },
      experimentId: ana.id,
      step: "dissolution",
    });
    let book = await prof.gradebook();
    const before = book.rows.find((row) => row.student === "ana")!;
    assert.deepEqual([before.stepsDone, before.stepsTotal], [2, 3]);
    await student(lab, "ana").voidJob(typo.job.id, { reason: "Typo: 2.03 for 20.3" });

    // bo: two neutralisation runs, 29.1 then 30.5 (ΔT 8.5 K, outside ± 5 %); cy: nothing.
    await neutralise(student(lab, "bo"), bo.id, 29.1);
    await neutralise(student(lab, "bo"), bo.id, 30.5);

    book = await prof.gradebook();
    assert.deepEqual(book.templates.map((t) => t.key), [KEY]);
    assert.deepEqual(book.rows.map((row) => row.student), ["ana", "bo", "cy"]);
    const plans = await Promise.all([ana, bo, cy].map((e) => prof.experimentPlan(e.id)));
    const checks = book.templates[0].steps.reduce((sum, step) => sum + step.checks, 0);
    for (const [index, row] of book.rows.entries()) {
      const plan = plans[index];
      assert.equal(row.stepsDone, plan.done, row.student);
      assert.equal(row.stepsTotal, 3);
      assert.equal(
        row.checksOk,
        plan.steps.flatMap((step) => step.checks).filter((check) => check.ok).length,
      );
      assert.equal(row.checksTotal, checks);
    }
    const [a, b, c] = book.rows;
    assert.deepEqual([a.stepsDone, b.stepsDone, c.stepsDone], [1, 1, 0]);
    assert.deepEqual(a.steps.map((step) => step.done), [false, true, false]);
    // ana's ΔT 7.1 K passes 6.9 K ± 5 %; bo's credited (latest) 8.5 K does not.
    const rise = (row: typeof a) =>
      plans[book.rows.indexOf(row)].steps[1].checks.find((check) => check.field === "deltaTK")!.ok;
    assert.deepEqual([rise(a), rise(b)], [true, false]);
    assert.ok(a.checksOk > b.checksOk);
    assert.equal(c.checksOk, 0);

    // A TA reads it too; the CLI (local) too; a student gets not_found, like a missing page.
    assert.deepEqual(
      (await lab.as({ actor: "tim", role: "ta", auth: "session" }).gradebook()).rows.length,
      3,
    );
    assert.deepEqual((await lab.gradebook({ template: KEY })).rows.length, 3);
    await assert.rejects(
      () => student(lab, "ana").gradebook(),
      (error) => error instanceof LabosError && error.kind === "not_found",
    );
    await assert.rejects(
      () => student(lab, "ana").gradebookCsv(),
      (error) => error instanceof LabosError && error.kind === "not_found",
    );
    await assert.rejects(
      () => lab.gradebook({ template: "no-such-lab" }),
      (error) => error instanceof LabosError && error.kind === "not_found",
    );
  });
});

Deno.test("gradebook: a second experiment of the same student and template is listed, not a second row", async () => {
  await withClass(async (lab) => {
    const [first] = await lab.assign(KEY, { to: ["ana"] });
    const [second] = await lab.assign(KEY, { to: ["ana"] });
    await neutralise(lab, second.id, 29.1);
    const { rows } = await lab.gradebook();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].experimentId, second.id);
    assert.deepEqual(rows[0].otherExperimentIds, [first.id]);
  });
});

Deno.test("gradebook CSV: a header row, one row per student and template, formula-like names neutralised", async () => {
  // No users: any owner name, as in a folder from before accounts.
  await withClass(async (lab) => {
    const [ana] = await lab.assign(KEY, { to: ["ana"] });
    await neutralise(lab, ana.id, 29.1);
    const [legacy] = await lab.createExperiments([{
      template: KEY,
      owner: "=cmd|' /C calc'!A0",
      title: 'Lab, "quoted"',
    }]);
    const csv = await lab.gradebookCsv();
    assert.ok(csv.endsWith("\r\n"));
    const table = parseCsv(csv);
    assert.deepEqual(table.columns.map((column) => column.name), [
      "student",
      "template",
      "experiment",
      "status",
      "steps_done",
      "steps_total",
      "checks_ok",
      "checks_total",
      "authored_by",
      "authored_at",
      "authored_matches",
      "reviewed_by",
      "reviewed_at",
      "reviewed_matches",
      "approved_by",
      "approved_at",
      "approved_matches",
    ]);
    const book = await lab.gradebook();
    assert.equal(table.rowCount, book.rows.length);
    const rows = csv.trimEnd().split("\r\n").slice(1);
    const injected = rows.find((line) => line.includes(legacy.id))!;
    assert.ok(injected.startsWith(`"'=cmd|' /C calc'!A0",`), injected);
    const anaRow = book.rows.find((row) => row.student === "ana")!;
    assert.ok(
      rows.includes(
        `ana,${KEY},${ana.id},running,${anaRow.stepsDone},3,${anaRow.checksOk},${anaRow.checksTotal},,,,,,,,,`,
      ),
      rows.join("\n"),
    );
  }, { users: false });
});

Deno.test("gradebook distribution: each student's value, the accepted value and the grading band, decoded from the SVG within 1 %", async () => {
  await withClass(async (lab) => {
    const experiments = await lab.assign(KEY, { to: ["ana", "bo", "cy"] });
    const finals = [29.1, 30.5, 28.4];
    for (const [index, experiment] of experiments.entries()) {
      await neutralise(lab, experiment.id, finals[index]);
    }
    const spread = await lab.gradebookDistribution({
      template: KEY,
      step: "neutralisation",
      field: "deltaTK",
    });
    assert.equal(spread.unit, "K");
    assert.deepEqual(spread.missing, []);
    // ΔT = final − 22.0, smallest first: cy 6.4, ana 7.1, bo 8.5.
    assert.deepEqual(spread.values.map((entry) => entry.student), ["cy", "ana", "bo"]);
    spread.values.forEach((entry, index) =>
      assert.ok(Math.abs(entry.value - [6.4, 7.1, 8.5][index]) < 1e-9)
    );
    assert.deepEqual(spread.accepted, {
      value: 6.9,
      low: 6.555,
      high: 7.245,
      expected: "6.9 K ± 5 %",
    });

    const plot = decodePlotSvg(spread.svg).panels[0];
    assert.match(plot.yLabel, /\(K\)$/);
    const span = plot.yDomain[1] - plot.yDomain[0];
    const near = (drawn: number, expected: number, what: string) =>
      assert.ok(
        Math.abs(drawn - expected) <= 0.01 * span,
        `${what}: drawn ${drawn}, is ${expected}`,
      );
    const points = plot.series.find((series) => series.kind === "points")!;
    assert.equal(points.points.length, 3);
    points.points.forEach(([, y], index) =>
      near(y, spread.values[index].value, `student ${index + 1}`)
    );
    const lines = plot.series.filter((series) => series.kind === "line");
    const accepted = lines.find((series) => !series.dashed)!;
    for (const [, y] of accepted.points) near(y, 6.9, "accepted value");
    const band = lines.filter((series) => series.dashed).map((series) => series.points[0][1])
      .sort();
    near(band[0], 6.555, "low limit");
    near(band[1], 7.245, "high limit");
    const names = [...plot.annotations].sort((x, y) => x.px - y.px).map((label) => label.text);
    assert.deepEqual(names, ["cy", "ana", "bo"]);

    // Defaults: the first step with an expected value that someone did, its first expected field.
    const first = await lab.gradebookDistribution();
    assert.deepEqual([first.step, first.field], ["neutralisation", "deltaTK"]);
    const curve = await lab.gradebookDistribution({ step: "neutralisation-curve" });
    assert.deepEqual([curve.values, curve.missing], [[], ["ana", "bo", "cy"]]);
    await assert.rejects(
      () => lab.gradebookDistribution({ template: KEY, step: "neutralisation", field: "nope" }),
      /Unknown field "nope" of step "neutralisation": expected one of deltaTK/,
    );
    await assert.rejects(
      () => lab.gradebookDistribution({ template: KEY, step: "titration" }),
      /Unknown step "titration"/,
    );
  });
});

Deno.test("gradebook sign-off: the latest signature of each meaning, and whether it still matches", async () => {
  await withClass(async (lab) => {
    const prof = lab.as({ actor: "prof", role: "instructor", auth: "session" });
    const ana = student(lab, "ana");
    const [experiment] = await prof.assign(KEY, { to: ["ana"] });
    await neutralise(ana, experiment.id, 29.1);
    assert.deepEqual((await prof.gradebook()).rows[0].signOff, []);

    await ana.sign(experiment.id, { meaning: "authored", reason: "My data", password: PASSWORD });
    await prof.sign(experiment.id, {
      meaning: "reviewed",
      reason: "First look",
      password: PASSWORD,
    });
    await prof.sign(experiment.id, { meaning: "reviewed", reason: "Checked", password: PASSWORD });
    let [row] = (await prof.gradebook()).rows;
    const reviews = await prof.listSignatures(experiment.id);
    assert.deepEqual(
      row.signOff.map((s) => [s.meaning, s.signer, s.matches]),
      [["authored", "ana", true], ["reviewed", "prof", true]],
    );
    assert.equal(row.signOff[1].time, reviews.at(-1)!.time);

    // A run after the sign-off changes the experiment: the signatures no longer match.
    await ana.run({
      module: MODULE,
      input: DISSOLUTION,
      experimentId: experiment.id,
      step: "dissolution",
    });
    [row] = (await prof.gradebook()).rows;
    assert.deepEqual(row.signOff.map((s) => s.matches), [false, false]);
    assert.deepEqual(
      (await prof.listSignatures(experiment.id)).map((s) => s.matches),
      [false, false, false],
    );
    const csv = (await prof.gradebookCsv()).split("\r\n")[1].split(",");
    assert.deepEqual(csv.slice(8, 14), [
      "ana",
      row.signOff[0].time,
      "false",
      "prof",
      row.signOff[1].time,
      "false",
    ]);
  });
});

Deno.test("gradebook distribution: a class of more than 20 is drawn without names", async () => {
  await withClass(async (lab) => {
    const names = Array.from({ length: 21 }, (_, index) => `s${index}`);
    const experiments = await lab.assign(KEY, { to: names });
    for (const [index, experiment] of experiments.entries()) {
      await neutralise(lab, experiment.id, 28 + index / 10);
    }
    const spread = await lab.gradebookDistribution({ step: "neutralisation" });
    const plot = decodePlotSvg(spread.svg).panels[0];
    assert.equal(plot.series.find((series) => series.kind === "points")!.points.length, 21);
    assert.deepEqual(plot.annotations, []);
  }, { users: false });
});
