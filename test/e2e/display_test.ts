/**
 * Issue 12 item 5: the display settings of `labos.jsonc` shape the CLI's
 * text output and the control panel, while `--json`, the API and the stored
 * records keep full precision; `display.mode` is the panel's starting mode.
 * Also item 7: the batch summary shows each job's main result.
 *
 * @module
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliOk } from "../_cli.ts";
import { startServe } from "./_serve.ts";

/** A calorimetry input with uncertainties: ΔH = −57.74 ± 1.7 kJ/mol. */
const INPUT = {
  massG: 100,
  initialTempC: 22,
  finalTempC: 28.9,
  amountMol: 0.05,
  massGUncertainty: 0.05,
  initialTempCUncertainty: 0.1,
  finalTempCUncertainty: 0.1,
  amountMolUncertainty: 0.001,
};

async function setUp(): Promise<{ dir: string; run: (...args: string[]) => Promise<string> }> {
  const dir = await Deno.makeTempDir({ prefix: "labos-display-" });
  await Deno.writeTextFile(`${dir}/input.json`, JSON.stringify(INPUT));
  const run = (...args: string[]) => cliOk(args, { cwd: dir });
  await run("init");
  return { dir, run };
}

function writeConfig(dir: string, display: Record<string, unknown>): Promise<void> {
  return Deno.writeTextFile(`${dir}/labos.jsonc`, JSON.stringify({ display }));
}

Deno.test("display: significantFigures 3 changes the CLI text output; --json and stored records do not change", async () => {
  const { dir, run } = await setUp();
  try {
    const before = await run("run", "thermo.calorimetry", "--input", "input.json");
    assertMatch(before, /^deltaTK +6\.900 K$/m);
    assertMatch(before, /^heatCapacityJPerK +418\.4 J\/K$/m);
    // GUM style: the uncertainty to two figures, the value to match, the unit after.
    assertMatch(before, /^heatJ +2887 ± 59 J$/m);
    assertMatch(before, /^reactionEnthalpyKJPerMol +−57\.7 ± 1\.7 kJ\/mol$/m);
    assert(!/Uncertainty/.test(before.split("uncertaintyBudget")[0]), before);
    const jsonBefore = await run("run", "thermo.calorimetry", "--input", "input.json", "--json");
    const id = /^Dataset (\S+)$/m.exec(before)?.[1] ?? "";
    const datasetBefore = await run("datasets", "show", id, "--json");

    await writeConfig(dir, { significantFigures: 3 });
    const after = await run("run", "thermo.calorimetry", "--input", "input.json");
    assertMatch(after, /^deltaTK +6\.90 K$/m);
    assertMatch(after, /^heatCapacityJPerK +418 J\/K$/m);
    assertMatch(after, /^massG +0\.0500 +28\.9 /m);
    assertMatch(after, /^reactionEnthalpyKJPerMol +−57\.7 ± 1\.7 kJ\/mol$/m);
    const jsonAfter = await run("run", "thermo.calorimetry", "--input", "input.json", "--json");
    // Full precision: the output part of `run --json` is the same bytes, and so is the record.
    const output = (text: string) => JSON.stringify(JSON.parse(text).output);
    assertEquals(output(jsonAfter), output(jsonBefore));
    assertEquals(JSON.parse(jsonAfter).output.heatJ, 2886.96); // Shown as 2887 ± 59 J.
    assertEquals(await run("datasets", "show", id, "--json"), datasetBefore);
    // The text of a stored dataset follows the settings too.
    assertMatch(await run("datasets", "show", id), /^deltaTK +6\.90 K$/m);

    await writeConfig(dir, { decimalPlaces: 1 });
    assertMatch(
      await run("run", "thermo.calorimetry", "--input", "input.json"),
      /^deltaTK +6\.9 K$/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("display: display.units converts shown energies to kcal/mol, never the stored value", async () => {
  const { dir, run } = await setUp();
  try {
    await writeConfig(dir, { units: { energy: "kcal/mol" } });
    const text = await run("run", "thermo.calorimetry", "--input", "input.json");
    // −57.74 kJ/mol ÷ 4.184 kJ/kcal, the uncertainty scaled alike.
    assertMatch(text, /^reactionEnthalpyKJPerMol +−13\.80 ± 0\.40 kcal\/mol$/m);
    assertMatch(text, /^heatJ +2887 ± 59 J$/m);
    const id = /^Dataset (\S+)$/m.exec(text)?.[1] ?? "";
    const stored = JSON.parse(await run("datasets", "show", id, "--json"));
    assertEquals(
      stored.output.reactionEnthalpyKJPerMol,
      -57.7392, // Shown as −13.80 ± 0.40 kcal/mol.
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("display: noise below the fit's precision prints as 0 in text output", async () => {
  const { dir, run } = await setUp();
  try {
    const example = JSON.parse(await run("modules", "show", "spectroscopy.beer-lambert", "--json"))
      .examples[0].input;
    await Deno.writeTextFile(`${dir}/beer.json`, JSON.stringify(example));
    const json = JSON.parse(
      await run("run", "spectroscopy.beer-lambert", "--input", "beer.json", "--json"),
    );
    // The stored intercept of this exact line is rounding noise, kept as computed.
    assert(json.output.intercept !== 0 && Math.abs(json.output.intercept) < 1e-12);
    const text = await run("run", "spectroscopy.beer-lambert", "--input", "beer.json");
    // A dimensionless output (unit "1") prints as a bare number.
    assertMatch(text, /^intercept +0 ± 0$/m);
    assertMatch(text, /^rSquared +1$/m);
    assertMatch(text, /^molarAbsorptivity +6220 ± 0 L\/\(mol\.cm\)$/m);
    assert(!/e-1\d|e−1\d/.test(text), text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("display: the batch summary shows each job's main result with the display settings", async () => {
  const { dir, run } = await setUp();
  try {
    await Deno.writeTextFile(
      `${dir}/batch.jsonl`,
      `${JSON.stringify(INPUT)}\n${
        JSON.stringify({ massG: 200, initialTempC: 21.9, finalTempC: 23.5 })
      }\n`,
    );
    await writeConfig(dir, { significantFigures: 3 });
    const text = await run("run", "thermo.calorimetry", "--batch", "batch.jsonl");
    assertMatch(text, /^LINE +JOB +STATUS +MS +DATASET +RESULT$/m);
    assertMatch(text, /^1 .* reactionEnthalpyKJPerMol −57\.7 ± 1\.7 kJ\/mol$/m);
    // No amount of substance, no ΔH: the heat is the result.
    assertMatch(text, /^2 .* heatJ 1340 J$/m);
    const json = JSON.parse(
      await run("run", "thermo.calorimetry", "--batch", "batch.jsonl", "--json"),
    );
    assertEquals(json[1].output.heatJ, 1338.88); // Shown as 1340 J.
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("display: the panel's job page follows significantFigures, and display.mode is its starting mode", async () => {
  const { dir, run } = await setUp();
  const token = "display-test-token-0123456789abcdef";
  const jobPage = async (id: string, datasetId: string) => {
    const server = await startServe(`${dir}/data`, { env: { LABOS_TOKEN: token }, cwd: dir });
    try {
      const headers = { authorization: `Bearer ${token}` };
      const page = await (await fetch(`${server.origin}/jobs/${id}`, { headers })).text();
      const api = await (await fetch(`${server.origin}/api/v1/datasets/${datasetId}`, { headers }))
        .text();
      return { page, api };
    } finally {
      await server.stop();
    }
  };
  try {
    const text = await run("run", "thermo.calorimetry", "--input", "input.json");
    const id = /^Job (\S+)/m.exec(text)?.[1] ?? "";
    const datasetId = /^Dataset (\S+)$/m.exec(text)?.[1] ?? "";
    const before = await jobPage(id, datasetId);
    assertStringIncludes(before.page, "6.900 K");
    assertStringIncludes(before.page, "−57.7 ± 1.7 kJ/mol");
    assertStringIncludes(before.page, '<body class="mode-learner">');

    await writeConfig(dir, {
      significantFigures: 3,
      mode: "builder",
      units: { energy: "kcal/mol" },
    });
    const after = await jobPage(id, datasetId);
    assertStringIncludes(after.page, "6.90 K");
    assert(!after.page.includes("6.900 K"));
    assertStringIncludes(after.page, "−13.80 ± 0.40 kcal/mol");
    assertStringIncludes(after.page, '<body class="mode-builder">');
    // The API keeps full precision and the module's units.
    assertEquals(after.api, before.api);
    assertStringIncludes(after.api, `"heatJ":2886.96,`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * The README's "Display settings" example (section "Configuration"), run as
 * written: the `labos.jsonc`, the command and the lines it prints.
 */
export const README_DISPLAY_EXAMPLE = `\`\`\`jsonc
{ "display": { "significantFigures": 3, "units": { "energy": "kcal/mol" } } }
\`\`\`

\`\`\`console
$ labos run thermo.calorimetry --param massG=100 --param initialTempC=22 --param finalTempC=28.9 \\
    --param amountMol=0.05 --param massGUncertainty=0.05 --param initialTempCUncertainty=0.1 \\
    --param finalTempCUncertainty=0.1 --param amountMolUncertainty=0.001
deltaTK                   6.90 K
heatCapacityJPerK         418 J/K
heatJ                     2887 ± 59 J
reactionEnthalpyKJPerMol  −13.80 ± 0.40 kcal/mol
\`\`\``;

Deno.test("display: the README's display example prints what it shows", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  // The README carries this very example, so the two never drift.
  assertStringIncludes(readme, README_DISPLAY_EXAMPLE);
  const config = /```jsonc\n([\s\S]*?)```/.exec(README_DISPLAY_EXAMPLE)?.[1] ?? "";
  const [command, ...shown] = (/```console\n([\s\S]*?)```/.exec(README_DISPLAY_EXAMPLE)?.[1] ?? "")
    .replaceAll("\\\n", " ").trimEnd().split("\n");
  const args = command.replace(/^\$ labos /, "").trim().split(/\s+/);
  const { dir, run } = await setUp();
  try {
    await Deno.writeTextFile(`${dir}/labos.jsonc`, config);
    const out = await run(...args);
    assertStringIncludes(out, `\n${shown.join("\n")}\n`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
