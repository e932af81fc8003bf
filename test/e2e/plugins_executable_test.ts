import { fileURLToPath } from "node:url";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import { cliJson, runCli, withTempDir } from "../_cli.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/plugins/", import.meta.url));

interface RunJson {
  job: {
    id: string;
    status: string;
    module: string;
    moduleVersion: string;
    moduleSource: string;
    error: { message: string; detail?: string } | null;
  };
  dataset: { provenance: { moduleSource: string; moduleVersion: string } } | null;
  output: Record<string, unknown> | null;
}

interface AuditJson {
  action: string;
  target: { id: string };
  details: Record<string, unknown>;
}

async function hasPython(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("python3", { args: ["--version"] }).output();
    return success;
  } catch {
    return false;
  }
}

const PYTHON = await hasPython();
if (!PYTHON) {
  console.log("notice: python3 is absent; the Python executable-plugin tests are skipped");
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyDir(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

/** A lab folder whose labos.jsonc lists the given plugins, copied from the fixtures. */
async function labWith(dir: string, plugins: unknown[]): Promise<void> {
  await copyDir(FIXTURES, `${dir}/plugins`);
  await Deno.writeTextFile(
    `${dir}/labos.jsonc`,
    JSON.stringify({ dataDir: "./data", plugins }, null, 2),
  );
  const trust = await runCli(["trust"], { cwd: dir });
  assertEquals(trust.code, 0, trust.stderr);
  const init = await runCli(["init"], { cwd: dir });
  assertEquals(init.code, 0, init.stderr);
}

async function run(dir: string, args: string[]): Promise<{ code: number; result: RunJson }> {
  const { code, stdout, stderr } = await runCli(["--json", "run", ...args], { cwd: dir });
  assert(stdout !== "", stderr);
  return { code, result: JSON.parse(stdout) };
}

Deno.test("an incompatible or broken plugin is skipped with a warning; everything else works", async () => {
  await withTempDir(async (dir) => {
    await labWith(dir, [
      "./plugins/py_incompatible",
      "./plugins/future_api.ts",
      "./plugins/no_export.ts",
      "./plugins/half_life.mjs",
      "./plugins/bad_contract.mjs",
      "./plugins/absent",
    ]);
    const list = await runCli(["--json", "modules", "list"], { cwd: dir });
    assertEquals(list.code, 0);
    assertEquals(
      list.stderr,
      [
        `warning: plugin "./plugins/py_incompatible" skipped: labosApi "^2.0.0" does not include 1.0.0`,
        `warning: plugin "./plugins/future_api.ts" skipped: labosApi ">=2.0.0" does not include 1.0.0`,
        `warning: plugin "./plugins/no_export.ts" skipped: it exports no module: expected a default export, "module" or a "modules" array`,
        `warning: plugin "./plugins/bad_contract.mjs" skipped: Cannot register module from ${dir}/plugins/bad_contract.mjs: "key" must look like "domain.name": current value is "Bad Key"`,
        `warning: plugin "./plugins/absent" skipped: nothing found at ${dir}/plugins/absent`,
        "",
      ].join("\n"),
    );
    const modules = JSON.parse(list.stdout) as Array<{ key: string; source: string }>;
    assertEquals(modules.length, 10);
    assertEquals(
      modules.find((m) => m.key === "fixture.half-life")?.source,
      `${dir}/plugins/half_life.mjs`,
    );
    assert(!modules.some((m) => m.key === "fixture.future"));

    const builtin = await run(dir, [
      "thermo.calorimetry",
      "--param",
      "massG=100",
      "--param",
      "deltaTK=1",
    ]);
    assertEquals(builtin.result.job.status, "succeeded");
    const js = await run(dir, ["fixture.half-life", "--param", "rateConstantPerS=0.0021"]);
    assertEquals(js.result.job.status, "succeeded");
    assertEquals(js.result.job.moduleSource, `${dir}/plugins/half_life.mjs`);
    assertEquals(js.result.job.moduleVersion, "2.0.1");
    assertEquals(Math.round(js.result.output?.halfLifeS as number), 330);

    const config = await cliJson<{ plugins: { loaded: unknown[]; skipped: unknown[] } }>(
      ["config", "show"],
      { cwd: dir },
    );
    assertEquals([config.plugins.loaded.length, config.plugins.skipped.length], [1, 5]);
  });
});

Deno.test({
  name: "an executable Python plugin runs like a built-in module: job, dataset, audit",
  ignore: !PYTHON,
  fn: async () => {
    await withTempDir(async (dir) => {
      await labWith(dir, ["./plugins/py_ok"]);
      const source = `${dir}/plugins/py_ok`;
      const listed = await cliJson<Array<{ key: string; source: string; inputSchema: unknown }>>(
        ["modules", "list"],
        { cwd: dir },
      );
      assertEquals(listed.find((m) => m.key === "gas.ideal-amount")?.source, source);

      const { code, result } = await run(dir, [
        "gas.ideal-amount",
        "--param",
        "pressureKPa=101.325",
        "--param",
        "volumeL=22.41396954",
        "--param",
        "temperatureK=273.15",
      ]);
      assertEquals([code, result.job.status], [0, "succeeded"]);
      assertEquals(result.job.moduleVersion, "1.2.0");
      assertEquals(result.job.moduleSource, source);
      assertEquals(Number((result.output?.amountMol as number).toPrecision(6)), 1);
      assertEquals(result.dataset?.provenance.moduleSource, source);

      const events = await cliJson<AuditJson[]>(["audit", "list", "--limit", "20"], { cwd: dir });
      const mine = events.filter((e) => e.target.id === result.job.id);
      assertEquals(mine.map((e) => e.action).sort(), [
        "job.queued",
        "job.started",
        "job.succeeded",
      ]);
      for (const event of mine) {
        assertEquals(event.details.module, "gas.ideal-amount");
        assertEquals(event.details.moduleVersion, "1.2.0");
        assertEquals(event.details.moduleSource, source);
      }
      assert(events.some((e) => e.action === "dataset.created"));

      const invalid = await runCli(
        ["run", "gas.ideal-amount", "--param", "pressureKPa=-1", "--param", "volumeL=1"],
        { cwd: dir },
      );
      assertEquals(invalid.code, 2);
      assertStringIncludes(invalid.stderr, `"pressureKPa" must be > 0: current value is -1`);
      assertStringIncludes(invalid.stderr, `"temperatureK" is required`);

      const refused = await run(dir, [
        "gas.ideal-amount",
        "--param",
        "pressureKPa=20000",
        "--param",
        "volumeL=1",
        "--param",
        "temperatureK=300",
      ]);
      assertEquals([refused.code, refused.result.job.status], [1, "failed"]);
      assertEquals(
        refused.result.job.error?.message,
        "The ideal-gas law is unreliable above 10 MPa: use a real-gas equation",
      );
    });
  },
});

Deno.test({
  name: "a crashing, a hanging and a flooding plugin each become a failed job",
  ignore: !PYTHON,
  fn: async () => {
    await withTempDir(async (dir) => {
      await labWith(dir, [
        "./plugins/py_fail/labos-module.json",
        "./plugins/py_hang",
        { path: "./plugins/py_flood", maxOutputBytes: 1024 },
      ]);
      const crashed = await run(dir, ["fixture.fails", "--param", "x=1"]);
      assertEquals([crashed.code, crashed.result.job.status], [1, "failed"]);
      assertEquals(
        crashed.result.job.error?.message,
        `Plugin "fixture.fails" exited with code 1: ValueError: negative absorbance in {'x': 1}`,
      );
      assertMatch(crashed.result.job.error?.detail ?? "", /^stderr:\nTraceback \(most recent call/);
      assertEquals(crashed.result.job.moduleSource, `${dir}/plugins/py_fail/labos-module.json`);

      const started = performance.now();
      const hung = await run(dir, ["fixture.hangs"]);
      const seconds = (performance.now() - started) / 1000;
      assertEquals([hung.code, hung.result.job.status], [1, "failed"]);
      assertEquals(
        hung.result.job.error?.message,
        `Plugin "fixture.hangs" did not answer within 3000 ms and was stopped`,
      );
      assertEquals(hung.result.job.error?.detail, "stderr:\nthinking very hard\n");
      assert(seconds < 20, `took ${seconds} s`);

      const flooded = await run(dir, ["fixture.floods"]);
      assertEquals(flooded.result.job.status, "failed");
      assertEquals(
        flooded.result.job.error?.message,
        `Plugin "fixture.floods" wrote more than 1024 bytes to stdout and was stopped`,
      );

      const failedEvents = await cliJson<AuditJson[]>(
        ["audit", "list", "--action", "job.failed"],
        { cwd: dir },
      );
      assertEquals(failedEvents.length, 3);
      assert(failedEvents.every((e) => typeof e.details.error === "string"));
      const verify = await runCli(["audit", "verify"], { cwd: dir });
      assertEquals(verify.code, 0);
    });
  },
});
