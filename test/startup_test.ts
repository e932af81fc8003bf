/**
 * Start-up guards that the import graph cannot show: loading a module must
 * not build its zod schemas, which zod 4 builds as they are declared.
 *
 * @module
 */
import assert from "node:assert/strict";
import denoConfig from "../deno.json" with { type: "json" };
import { cliOk, CONFIG_HOME, initLab, REPO_ROOT, withTempDir } from "./_cli.ts";

// Counts the schemas given a description or metadata (zod's global registry),
// while the modules of `experiments list` load and after one schema is used.
const PROBE = `
import * as z from "zod";
let described = 0;
const add = z.globalRegistry.add.bind(z.globalRegistry);
z.globalRegistry.add = (...args) => (described++, add(...args));
await import("./src/config/mod.ts");
await import("./src/service/mod.ts");
await import("./src/cli/_experiments.ts");
const loading = described;
const { configFileSchema } = await import("./src/config/mod.ts");
configFileSchema();
console.log(JSON.stringify({ loading, used: described }));
`;

Deno.test("start-up: loading the config, the service and the experiments commands builds no schema", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", PROBE],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const counts = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    loading: number;
    used: number;
  };
  assert.equal(counts.loading, 0);
  // The probe sees schemas once one is built: labos.jsonc's fields are described.
  assert.ok(counts.used > 0);
});

// Runs `experiments list` in this process with node:crypto mapped to a module
// that throws, and records the built-ins loaded on demand
// (`process.getBuiltinModule`) and the schemas built: the list path needs
// none of them (well-formed experiments are read without their zod schema).
function listProbe(dataDir: string): string {
  return `
import process from "node:process";
import * as z from "zod";
let described = 0;
const add = z.globalRegistry.add.bind(z.globalRegistry);
z.globalRegistry.add = (...args) => (described++, add(...args));
const demanded = [];
const getBuiltin = process.getBuiltinModule;
process.getBuiltinModule = (id) => (demanded.push(id), getBuiltin(id));
const { main } = await import("./src/cli/_main.ts");
let stdout = "";
let stderr = "";
const code = await main(["--data-dir", ${
    JSON.stringify(dataDir)
  }, "experiments", "list", "--limit", "20"], {
  stdout: (text) => stdout += text,
  stderr: (text) => stderr += text,
  env: {},
  cwd: ".",
  isTTY: false,
});
console.log(JSON.stringify({ code, stdout, stderr, demanded, described }));
`;
}

// deno.json's import map with node:crypto pointing at `trap`.
function trappingImportMap(trap: string): string {
  const root = new URL(`file://${REPO_ROOT}`);
  const imports: Record<string, string> = {};
  for (const [key, value] of Object.entries(denoConfig.imports)) {
    imports[key] = value.startsWith("./") ? new URL(value, root).href : value;
  }
  imports["node:crypto"] = new URL(`file://${trap}`).href;
  return JSON.stringify({ imports });
}

Deno.test("start-up: experiments list loads no node:crypto and builds no schema", async () => {
  await withTempDir(async (dir) => {
    const dataDir = await initLab(dir);
    for (const title of ["First", "Second"]) {
      await cliOk(["--data-dir", dataDir, "experiments", "create", "--title", title]);
    }
    const trap = `${dir}/crypto_trap.js`;
    await Deno.writeTextFile(trap, 'throw new Error("node:crypto was loaded");\n');
    await Deno.writeTextFile(`${dir}/import_map.json`, trappingImportMap(trap));
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "--ext=ts",
        `--import-map=${dir}/import_map.json`,
        listProbe(dataDir),
      ],
      cwd: REPO_ROOT,
      env: { NO_COLOR: "1", LABOS_CONFIG_HOME: CONFIG_HOME },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    const run = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      code: number;
      stdout: string;
      stderr: string;
      demanded: string[];
      described: number;
    };
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /First/);
    assert.match(run.stdout, /Second/);
    assert.deepEqual(run.demanded.filter((id) => id.includes("crypto")), []);
    assert.equal(run.described, 0);
  });
});
