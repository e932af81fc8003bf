import { assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliJson, cliOk, initLab, runCli, snapshotTree, withTempDir } from "../_cli.ts";

const INPUT = ["massG=100", "initialTempC=22", "finalTempC=29.1", "amountMol=0.05"]
  .flatMap((param) => ["--param", param]);

interface Job {
  id: string;
  step?: string;
  voided?: { by: string; reason: string };
}

Deno.test("labos assign, run --step, jobs void and the plan through the CLI", async () => {
  await withTempDir(async (dir) => {
    const data = ["--data-dir", await initLab(dir)];
    const assigned = await cliJson<Array<{ id: string; owner: string; status: string }>>([
      ...data,
      "assign",
      "coffee-cup-calorimetry",
      "--to",
      "ana,bo",
    ]);
    assertEquals(assigned.map((e) => [e.owner, e.status]), [["ana", "draft"], ["bo", "draft"]]);
    const table = await cliOk([...data, "assign", "beer-lambert-calibration", "--to", "cy"]);
    assertMatch(table, /^exp_\S+\s+cy\s+Beer–Lambert calibration — \d{4}-\d{2}-\d{2}$/m);

    const id = assigned[0].id;
    const run = (finalTempC: string) =>
      cliJson<{ job: Job }>([
        ...data,
        "--actor",
        "ana",
        "run",
        "thermo.calorimetry",
        "--experiment",
        id,
        "--step",
        "neutralisation",
        "--param",
        "massG=100",
        "--param",
        "initialTempC=22",
        "--param",
        `finalTempC=${finalTempC}`,
        "--param",
        "amountMol=0.05",
      ]);
    const typo = await run("82.9");
    const fixed = await run("29.1");
    assertEquals([typo.job.step, fixed.job.step], ["neutralisation", "neutralisation"]);

    const voided = await cliJson<Job>([
      ...data,
      "--actor",
      "ana",
      "jobs",
      "void",
      typo.job.id,
      "--reason",
      "Typo: 82.9 for 28.9",
    ]);
    assertEquals(voided.voided, {
      ...voided.voided,
      by: "ana",
      reason: "Typo: 82.9 for 28.9",
    });
    const plan = await cliOk([...data, "experiments", "plan", id]);
    assertStringIncludes(plan, "1 of 3 planned runs done");
    assertStringIncludes(
      plan,
      "ok  Temperature rise: 7.100 K (expected 6.9 K ± 5 %, off by +0.2000 K, grading tolerance)",
    );
    assertStringIncludes(plan, `other runs: ${typo.job.id} voided`);
    const shown = await cliOk([...data, "jobs", "show", typo.job.id]);
    assertMatch(shown, /^voided {6}\S+ by ana: Typo: 82\.9 for 28\.9$/m);
    const listed = await cliOk([...data, "jobs", "list", "--experiment", id]);
    assertStringIncludes(listed, "succeeded (voided)");

    const before = await snapshotTree(data[1]);
    const refusals: Array<[string[], RegExp]> = [
      [["jobs", "void", fixed.job.id], /^error: "reason" is required/],
      [
        ["jobs", "void", typo.job.id, "--reason", "again"],
        /^error: Job "job_\w+" is already voided: "Typo: 82\.9 for 28\.9" \(by ana\)\n$/,
      ],
      [
        ["run", "thermo.calorimetry", "--experiment", id, "--step", "stir", ...INPUT],
        /^error: Unknown step "stir" in template "coffee-cup-calorimetry": expected one of /,
      ],
      [["assign", "coffee-cup-calorimetry", "--to", "Ana"], /^error: Cannot assign to "Ana": /],
      [["assign", "coffee-cup-calorimetry"], /^error: "to" is required/],
    ];
    for (const [args, message] of refusals) {
      const result = await runCli([...data, ...args]);
      assertEquals(result.code, 2, args.join(" "));
      assertMatch(result.stderr, message);
      assertEquals(result.stderr.trimEnd().split("\n").length, 1);
    }
    assertEquals(await snapshotTree(data[1]), before);
  });
});
