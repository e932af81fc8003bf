import { assert, assertEquals, assertMatch, assertRejects } from "../../test/_assert.ts";
import { readAsset } from "../../assets/mod.ts";
import { loadConfig, parseJsoncText, registryDefaults } from "../config/mod.ts";
import { BUILTIN_MODULES, loadBuiltinModules, ModuleError } from "../modules/mod.ts";
import { executableModule } from "./_executable.ts";
import { LabosError } from "../errors.ts";
import { prepareRun } from "../runs/mod.ts";
import { apiProblem, type ModuleManifest, readManifest } from "./_manifest.ts";
import { builtinModuleRegistry, loadModuleRegistry } from "./mod.ts";

const LIMITS = { timeoutMs: 5000, maxOutputBytes: 1024, maxStderrBytes: 64 };
const context = { progress() {} };

/** An executable plugin whose program is a Deno one-liner. */
function denoPlugin(code: string, limits = LIMITS) {
  const manifest: ModuleManifest = {
    key: "test.plugin",
    version: "1.0.0",
    labosApi: "^1.0.0",
    command: [Deno.execPath(), "eval", code],
    title: "Test",
    summary: "Test plugin",
    method: "Test",
    inputSchema: {
      type: "object",
      properties: { x: { type: "number", minimum: 0 } },
      required: ["x"],
    },
  };
  return executableModule(manifest, { dir: Deno.cwd(), limits });
}

const ECHO = `
const request = JSON.parse(await new Response(Deno.stdin.readable).text());
console.log(JSON.stringify({ output: { doubled: request.input.x * 2, api: request.labosApi, module: request.module } }));
`;

Deno.test("labosApi ranges: caret, tilde, exact and >= forms", () => {
  for (const range of ["^1.0.0", "~1.0.0", "1.0.0", ">=1.0.0", "1.x", ">=0.9.0 <2"]) {
    assertEquals(apiProblem(range), undefined, range);
  }
  assertEquals(apiProblem("^2.0.0"), 'labosApi "^2.0.0" does not include 1.0.0');
  assertEquals(apiProblem("~1.1.0"), 'labosApi "~1.1.0" does not include 1.0.0');
  assertEquals(apiProblem(">=1.0.1"), 'labosApi ">=1.0.1" does not include 1.0.0');
  assertMatch(apiProblem("soon") ?? "", /is not a semver range/);
});

Deno.test("manifest errors name the file and the field", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/labos-module.json`;
  const write = (value: unknown) => Deno.writeTextFile(file, JSON.stringify(value));
  await write({ key: "x.y", version: "1.0.0", labosApi: "^1", command: ["run"] });
  await assertRejects(
    () => Promise.resolve(readManifest(file)),
    /labos-module\.json: "title" is required for an executable plugin; "summary"/,
  );
  await write({ key: "x", version: "1", labosApi: "^1", entry: "./mod.ts" });
  await assertRejects(
    () => Promise.resolve(readManifest(file)),
    /"key" must look like "domain\.name": current value is "x"; "version" must be a semantic/,
  );
  await write({ key: "x.y", version: "1.0.0", labosApi: "^1", entry: "a", command: ["b"] });
  await assertRejects(() => Promise.resolve(readManifest(file)), /either "entry".*or "command"/);
  await Deno.writeTextFile(file, "{ nope");
  await assertRejects(() => Promise.resolve(readManifest(file)), /is not valid JSON/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an unknown manifest field suggests the nearest known one", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/labos-module.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      key: "x.y",
      version: "1.0.0",
      labosApi: "^1",
      entry: "./mod.ts",
      labosAPI: 1,
    }),
  );
  await assertRejects(
    () => Promise.resolve(readManifest(file)),
    /input has unknown field "labosAPI"; did you mean "labosApi"\?$/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an executable plugin gets one JSON request and answers with its output", async () => {
  const module = denoPlugin(ECHO);
  const input = module.input.parse({ x: 21 });
  assertEquals(await module.run(input, context), {
    doubled: 42,
    api: "1.0.0",
    module: "test.plugin",
  });
  assertEquals(module.input.safeParse({ x: -1 }).success, false);
});

Deno.test("an executable plugin's input is strict: a misspelt field is refused with the nearest name", () => {
  const registered = { module: denoPlugin(ECHO), source: "test" };
  const error = assertThrowsLabos(() => prepareRun(registered, { X: 2 }));
  assertEquals(
    error.message,
    'Cannot run module "test.plugin": unknown field "X"; did you mean "x"?',
  );
  assertEquals(denoPlugin(ECHO).input.safeParse({ x: 1, extra: 2 }).success, false);
});

function assertThrowsLabos(fn: () => unknown): LabosError {
  try {
    fn();
  } catch (error) {
    assert(error instanceof LabosError && error.kind === "invalid", String(error));
    return error;
  }
  throw new Error("expected an invalid LabosError");
}

Deno.test("an executable plugin's error answer, crash, silence and flood are module errors", async () => {
  const cases: Array<[string, RegExp]> = [
    [`console.log(JSON.stringify({ error: "Cannot fit: x is zero" }))`, /^Cannot fit: x is zero$/],
    [
      `console.error("first\\nlast words"); Deno.exit(3)`,
      /^Plugin "test\.plugin" exited with code 3: last words$/,
    ],
    [`console.log("not json")`, /wrote no JSON response to stdout/],
    [`console.log(JSON.stringify({ output: [1] }))`, /without an "output" object/],
    [`console.log("x".repeat(5000))`, /wrote more than 1024 bytes to stdout and was stopped/],
  ];
  for (const [code, pattern] of cases) {
    const error = await assertRejects(
      () => Promise.resolve(denoPlugin(code).run({ x: 1 }, context)),
      pattern,
    );
    assert(error instanceof ModuleError, code);
  }
});

Deno.test("a crashed plugin's stderr is kept, truncated, as the error's detail", async () => {
  const error = await assertRejects(
    () =>
      Promise.resolve(
        denoPlugin(`console.error("a".repeat(200) + "END"); Deno.exit(1)`).run({ x: 1 }, context),
      ),
  ) as Error & { detail?: string };
  assert(error.detail?.startsWith("stderr:\n…"), error.detail);
  assert(error.detail!.endsWith("END\n"));
  assert(error.detail!.length < 100);
});

Deno.test("a plugin that does not answer in time is stopped", async () => {
  const started = performance.now();
  await assertRejects(
    () =>
      Promise.resolve(
        denoPlugin(`await new Promise((r) => setTimeout(r, 60_000))`, {
          ...LIMITS,
          timeoutMs: 300,
        }).run({ x: 1 }, context),
      ),
    /did not answer within 300 ms and was stopped/,
  );
  assert(performance.now() - started < 5000);
});

Deno.test("a missing program is a module error naming it", async () => {
  const manifest: ModuleManifest = {
    key: "test.missing",
    version: "1.0.0",
    labosApi: "^1.0.0",
    command: ["labos-no-such-program-here"],
    title: "T",
    summary: "S",
    method: "M",
    inputSchema: { type: "object" },
  };
  const module = executableModule(manifest, { dir: Deno.cwd(), limits: LIMITS });
  await assertRejects(
    () => Promise.resolve(module.run({}, context)),
    /could not start "labos-no-such-program-here": command not found/,
  );
});

Deno.test("modules.enabled and modules.disabled shape the registry; unknown keys warn", async () => {
  const warnings: string[] = [];
  const registry = await builtinModuleRegistry({
    modules: { enabled: ["thermo.calorimetry", "ms.nope"], disabled: [] },
  }, warnings);
  assertEquals(registry.list().map((r) => r.module.key), ["thermo.calorimetry"]);
  assertEquals(warnings, ['modules.enabled names unknown built-in module "ms.nope"']);
  const config = loadConfig({ cwd: "/tmp", env: {} });
  config.modules.disabled = ["ms.neutral-losses", "lab.gone"];
  config.plugins = [{ spec: "./nowhere.ts", path: "/nonexistent/labos/nowhere.ts" }];
  const { registry: full, report } = await loadModuleRegistry(config);
  assertEquals(full.list().length, 8);
  assertEquals(report.warnings, [
    'plugin "./nowhere.ts" skipped: nothing found at /nonexistent/labos/nowhere.ts',
    'modules.disabled names unknown module "lab.gone"',
  ]);
});

Deno.test("the registry defaults hold overrides only: BUILTIN_MODULES is the one list", async () => {
  const text = readAsset("defaults/registry.jsonc");
  const defaults = parseJsoncText(text, "registry.jsonc") as { modules: Record<string, unknown> };
  assertEquals(Object.keys(defaults.modules), ["disabled"]);
  const keys = BUILTIN_MODULES.map((module) => module.key);
  assertEquals(new Set(keys).size, keys.length);
  for (const key of registryDefaults().modules.disabled) assert(keys.includes(key), key);
  // No built-in key is listed anywhere in the defaults, except to leave it out.
  const listed = keys.filter((key) => text.includes(`"${key}"`));
  assertEquals(listed, registryDefaults().modules.disabled);

  const config = loadConfig({ cwd: "/tmp", env: {} });
  assertEquals(config.modules.enabled, null);
  const registry = await builtinModuleRegistry(config);
  assertEquals(
    registry.list().map((registered) => registered.module.key),
    keys.filter((key) => !config.modules.disabled.includes(key)).sort(),
  );
  assertEquals((await loadBuiltinModules()).map((module) => module.key), keys);
});
