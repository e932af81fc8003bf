/**
 * Issue 13 items 3-4 through the real CLI: a module's warnings are stored on
 * the job and printed on stderr, one line each; a sanity check fails the job
 * with its one-line reason; `modules show` lists every output with its unit
 * and uncertainty formula.
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliOk, initLab, runCli, withTempDir } from "../_cli.ts";

interface JobJson {
  id: string;
  status: string;
  warnings?: string[];
  error: { message: string; stack?: string } | null;
}

Deno.test("warnings are stored on the job and printed on stderr; sanity failures are failed jobs", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    // k falls as T rises: numpy gives Ea = −9.4 kJ/mol (test/fixtures/science).
    const negative = await runCli([
      "--data-dir",
      dataDir,
      "--json",
      "run",
      "kinetics.arrhenius",
      "--param",
      "temperaturesK=[300,320,340,360]",
      "--param",
      "rateConstants=[5000,3900,3200,2600]",
    ]);
    assertEquals(negative.code, 0, negative.stderr);
    const job = (JSON.parse(negative.stdout) as { job: JobJson }).job;
    assertEquals(job.status, "succeeded");
    assertEquals(job.warnings?.length, 1);
    assertMatch(job.warnings![0], /^The activation energy is negative \(-9\.\d+ kJ\/mol\)/);
    assertEquals(negative.stderr, `warning: ${job.warnings![0]}\n`);

    const shown = await cliOk(["--data-dir", dataDir, "jobs", "show", job.id]);
    assertStringIncludes(shown, `warning     ${job.warnings![0]}`);
    const stored = JSON.parse(
      await cliOk(["--data-dir", dataDir, "--json", "jobs", "show", job.id]),
    ) as JobJson;
    assertEquals(stored.warnings, job.warnings);

    const clean = await runCli([
      "--data-dir",
      dataDir,
      "--json",
      "run",
      "kinetics.arrhenius",
      "--param",
      "temperaturesK=[650,700]",
      "--param",
      "rateConstants=[1.66,7.39]",
    ]);
    assertEquals(clean.code, 0, clean.stderr);
    assert(!("warnings" in (JSON.parse(clean.stdout) as { job: JobJson }).job));
    assertEquals(clean.stderr, "");

    const flat = await runCli([
      "--data-dir",
      dataDir,
      "--json",
      "run",
      "spectroscopy.beer-lambert",
      "--param",
      'standards=[{"concentrationM":0,"absorbance":0.3},{"concentrationM":1e-4,"absorbance":0.3},' +
      '{"concentrationM":2e-4,"absorbance":0.3}]',
    ]);
    assertEquals(flat.code, 1);
    const failed = (JSON.parse(flat.stdout) as { job: JobJson }).job;
    assertEquals(failed.status, "failed");
    assertEquals(
      failed.error?.message,
      "Cannot calibrate: every standard has the same absorbance (0.3), so the line is flat and " +
        "no concentration can be read from it",
    );
  });
});

Deno.test("modules show lists every output with its unit and uncertainty formula", async () => {
  const text = await cliOk(["modules", "show", "spectroscopy.beer-lambert"]);
  const outputs = text.slice(text.indexOf("Outputs\n"), text.indexOf("Input JSON Schema"));
  assertMatch(outputs, /^- molarAbsorptivity \[L\/\(mol\.cm\)\]: .*in L\/\(mol·cm\)/m);
  assertMatch(
    outputs,
    /^- unknowns\[\]\.concentrationStandardErrorM \[mol\/L\]: .*in mol\/L \(Harvey eq\. 5\.25\): s_c = \(s_r\/b\)·√\(1\/m \+ 1\/n/m,
  );
  assertMatch(outputs, /^- interceptStandardError \[1\]: .*s_a = s_r·√\(1\/n \+ c̄²\/Sxx\)/m);
  const vanDeemter = await cliOk(["modules", "show", "chromatography.van-deemter"]);
  assertMatch(vanDeemter, /^- optimumVelocityStandardError \[mm\/s\]: .*s = √\(gᵀΣg\)/m);
  assertMatch(vanDeemter, /^- c \[um\.s\/mm\]: /m);
});
