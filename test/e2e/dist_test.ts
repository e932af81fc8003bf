/**
 * The distribution artifacts, built as `deno task compile` and
 * `deno task build:npm` build them, then smoke-tested as users get them: the
 * host's standalone executable (copied outside the repository, run from `/` and
 * with the repository hidden), and the npm tarball installed into a fresh
 * prefix and run through `npx` and through `node`, with its type declarations
 * checked by `tsc` in a consumer project.
 *
 * The artifacts are built once per source tree, into
 * `dist/test-cache/<fingerprint of the build inputs>/`: each run builds in a
 * private folder and renames it into place, so concurrent test runs neither
 * clobber each other nor rebuild what exists. Set `LABOS_DIST_REBUILD=1` to
 * force a build.
 *
 * @module
 */
import { copyFileSync, existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
import denoConfig from "../../deno.json" with { type: "json" };
import { VERSION } from "../../mod.ts";
import {
  binaryName,
  DIST_DIR,
  formatSize,
  inputFingerprint,
  ROOT,
  sha256File,
  tarballName,
  type Target,
  TARGETS,
} from "../../scripts/_build.ts";
import { BUNDLE_FILE, compile, hostTarget } from "../../scripts/compile.ts";
import { buildNpm, SUBPATHS } from "../../scripts/build_npm.ts";
import { smoke, type SmokeCheck } from "../../scripts/smoke.ts";
import { PG_AVAILABLE, startPostgres } from "../_pg.ts";

const HOST: Target | undefined = TARGETS.find((target) => target.deno === hostTarget());
const CACHE_ROOT = join(DIST_DIR, "test-cache");
const TYPESCRIPT = "typescript@5.9";
const DATA_RECORD_ID = /\b(exp|ds|job)_[0-9A-HJKMNP-TV-Z]{26}\b/;
const decoder = new TextDecoder();

// Subprocess output streams and AbortSignal timers (fetch, command time limits)
// outlive single assertions; every process is awaited, so the checks stay off.
const options = { sanitizeOps: false, sanitizeResources: false };

interface Built {
  /** The folder holding every artifact of this build. */
  dir: string;
  binary: string;
  bundle: string;
  tarball: string;
  npm: string;
  log: string;
}

let built: Promise<Built> | undefined;

function layout(dir: string, log: string): Built {
  return {
    dir,
    binary: join(dir, binaryName(HOST!)),
    bundle: join(dir, BUNDLE_FILE),
    tarball: join(dir, tarballName()),
    npm: join(dir, "npm"),
    log,
  };
}

function ensureBuilt(): Promise<Built> {
  built ??= (async () => {
    if (!HOST) throw new Error(`No release target for the host "${hostTarget()}"`);
    const dir = join(CACHE_ROOT, inputFingerprint().slice(0, 16));
    const rebuild = Deno.env.get("LABOS_DIST_REBUILD") === "1";
    if (!rebuild && existsSync(dir)) return layout(dir, "reused");
    const temp = `${dir}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    const lines: string[] = [];
    await compile({ targets: [HOST.deno], outDir: temp, log: (line) => lines.push(line) });
    await buildNpm({ outDir: join(temp, "npm"), packDir: temp, log: (line) => lines.push(line) });
    if (rebuild) await Deno.remove(dir, { recursive: true }).catch(() => {});
    try {
      await Deno.rename(temp, dir);
    } catch {
      // Another run finished the same build first; theirs is as good.
      await Deno.remove(temp, { recursive: true });
    }
    await pruneCache(dir);
    return layout(dir, lines.join("\n"));
  })();
  return built;
}

/** Removes other builds older than ten minutes (a concurrent run may still use a newer one). */
async function pruneCache(keep: string): Promise<void> {
  const tenMinutes = 10 * 60 * 1000;
  for await (const entry of Deno.readDir(CACHE_ROOT)) {
    const path = join(CACHE_ROOT, entry.name);
    if (path === keep) continue;
    const modified = (await Deno.stat(path)).mtime?.getTime() ?? 0;
    if (Date.now() - modified > tenMinutes) {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    }
  }
}

async function exec(
  command: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [program, ...args] = Deno.build.os === "windows" && ["npm", "npx"].includes(command[0])
    ? ["cmd", "/d", "/s", "/c", ...command]
    : command;
  const output = await new Deno.Command(program, {
    args,
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

async function execOk(
  command: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const result = await exec(command, options);
  if (result.code !== 0) {
    throw new Error(`"${command.join(" ")}" exited ${result.code}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

function assertSmokePassed(checks: SmokeCheck[], label: string): void {
  const report = checks.map((check) =>
    `${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`
  )
    .join("\n");
  assertEquals(checks.length, 8, report);
  assert(checks.every((check) => check.ok), `${label} failed its smoke test:\n${report}`);
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "labos-dist-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function installGlobally(prefix: string, tarball: string): Promise<void> {
  await execOk([
    "npm",
    "install",
    "--global",
    "--prefix",
    prefix,
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    tarball,
  ], { cwd: prefix });
}

Deno.test({
  name: "compile builds the host executable from one bundle and writes SHA256SUMS",
  ignore: !HOST,
  ...options,
  async fn() {
    const { binary, bundle, dir, log } = await ensureBuilt();
    const size = statSync(binary).size;
    assert(size > 20_000_000, `${binary} is only ${formatSize(size)}`);
    assert(existsSync(bundle), "the bundle the executable is built from");
    if (log !== "reused") {
      assertMatch(log, /compiler: (deno compile|bun \S+) for /);
      assertMatch(log, /built: .* with (deno compile|bun)/);
    }
    const sums = await Deno.readTextFile(join(dir, "SHA256SUMS"));
    assertStringIncludes(sums, `${sha256File(binary)}  ${binaryName(HOST!)}\n`);
    assertStringIncludes(sums, `${sha256File(join(dir, tarballName()))}  ${tarballName()}\n`);
    if (Deno.build.os !== "windows") {
      const checked = await execOk(["sha256sum", "-c", "SHA256SUMS"], { cwd: dir });
      assertMatch(checked, new RegExp(`${binaryName(HOST!)}: OK`));
    }
  },
});

Deno.test({
  name: "the executable passes the smoke test from an empty directory outside the repository",
  ignore: !HOST,
  ...options,
  async fn() {
    const { binary } = await ensureBuilt();
    await withTemp(async (dir) => {
      const copy = join(dir, binaryName(HOST!));
      copyFileSync(binary, copy);
      await Deno.chmod(copy, 0o755).catch(() => {});
      assertSmokePassed(await smoke([copy]), copy);
    });
  },
});

Deno.test({
  name: "the executable needs nothing from the repository: run from / with the repository hidden",
  ignore: Deno.build.os !== "linux" || !HOST,
  ...options,
  async fn() {
    const { binary, bundle } = await ensureBuilt();
    // The executable embeds the bundle, its entry file and chunks: no records may have leaked into it.
    for (const file of readdirSync(dirname(bundle))) {
      const bundleText = await Deno.readTextFile(join(dirname(bundle), file));
      assert(!DATA_RECORD_ID.test(bundleText), `the bundle's ${file} contains a record id`);
    }
    await withTemp(async (dir) => {
      const copy = join(dir, "labos");
      copyFileSync(binary, copy);
      await Deno.chmod(copy, 0o755);
      const script = [
        "set -e",
        `cd /`,
        `${copy} --version`,
        `${copy} demo --data-dir ${dir}/demo`,
        `${copy} --data-dir ${dir}/demo modules list`,
        `${copy} --data-dir ${dir}/demo audit verify`,
      ].join("\n");
      // A private mount namespace with an empty tmpfs over the repository, where
      // unshare works (root on Linux); elsewhere the copy still runs from /.
      const hidden = (await exec(["unshare", "-m", "true"]).catch(() => ({ code: 1 }))).code === 0;
      const command = hidden
        ? ["unshare", "-m", "sh", "-c", `mount -t tmpfs none '${ROOT}' && ${script}`]
        : ["sh", "-c", script];
      const result = await exec(command, { cwd: "/" });
      assertEquals(result.code, 0, `${hidden ? "hidden repository: " : ""}${result.stderr}`);
      assertStringIncludes(result.stdout, `labos ${VERSION}\n`);
      assertStringIncludes(result.stdout, "Audit log verified: ok");
      assertStringIncludes(result.stdout, "thermo.calorimetry");
      assertMatch(result.stdout, /^ok: \d+ events/m);
      const demo = readdirSync(join(dir, "demo"));
      for (const entry of ["labos.json", "datasets", "audit", "plots"]) {
        assert(demo.includes(entry), `demo folder lacks ${entry}: ${demo.join(", ")}`);
      }
    });
  },
});

Deno.test({
  name: "build:npm writes a dependency-free package; the tarball holds no data folder",
  ...options,
  async fn() {
    const { npm, tarball } = await ensureBuilt();
    const manifest = JSON.parse(await Deno.readTextFile(join(npm, "package.json")));
    assertEquals(manifest.name, "labos");
    assertEquals(manifest.version, denoConfig.version);
    assertEquals(manifest.dependencies, undefined);
    assertEquals(manifest.engines.node, ">=20");
    const listing = (await execOk(["tar", "tzf", tarball])).trim().split("\n").sort();
    for (const entry of listing) {
      assertMatch(
        entry,
        new RegExp(
          `^package/(bin/labos\\.mjs|esm/(${
            ["cli", "mod", ...SUBPATHS].join("|")
          })\\.mjs|esm/cli/[\\w-]+\\.js|types/[\\w/]+\\.d\\.ts|package\\.json|README\\.md|LICENSE|CHANGELOG\\.md)$`,
        ),
      );
      assert(!/(^|\/)data\//.test(entry), `the tarball contains ${entry}`);
    }
    assertEquals(
      Object.keys(manifest.exports).sort(),
      [".", "./package.json", ...SUBPATHS.map((name) => `./${name}`)].sort(),
    );
    for (const name of ["mod", ...SUBPATHS]) {
      assert(listing.includes(`package/types/${name}.d.ts`), `types/${name}.d.ts`);
      assert(listing.includes(`package/esm/${name}.mjs`), `esm/${name}.mjs`);
    }
    // The command is esm/cli.mjs and the files it loads from esm/cli/, split at every import().
    const files = [
      join(npm, "esm", "cli.mjs"),
      ...readdirSync(join(npm, "esm", "cli")).map((file) => join(npm, "esm", "cli", file)),
    ];
    const imports: string[] = [];
    for (const file of files) {
      const cli = await Deno.readTextFile(file);
      // Embedded templates hold code as one-line strings, so real imports are the lines that start with one.
      imports.push(...[...cli.matchAll(/^import\b[^\n]*?["']([^"']+)["'];?$/gm)].map((m) => m[1]));
      assert(!DATA_RECORD_ID.test(cli), `the npm bundle's ${file} contains a record id`);
    }
    assert(
      imports.some((specifier) => specifier.startsWith("node:")) &&
        imports.every((specifier) => specifier.startsWith("node:") || specifier.startsWith("./")),
      imports.join(),
    );
    const readme = await Deno.readTextFile(join(npm, "README.md"));
    assert(!/\]\((?!https?:|#|mailto:)[^)]+\)/.test(readme), "the README has a relative link");
  },
});

Deno.test({
  name: "the npm tarball installs into a fresh prefix and passes the smoke test via npx and node",
  ...options,
  async fn() {
    const { tarball } = await ensureBuilt();
    await withTemp(async (prefix) => {
      await installGlobally(prefix, tarball);
      const bin = Deno.build.os === "windows" ? prefix : join(prefix, "bin");
      const modules = Deno.build.os === "windows"
        ? join(prefix, "node_modules")
        : join(prefix, "lib", "node_modules");
      const sep = Deno.build.os === "windows" ? ";" : ":";
      const env = {
        PATH: `${bin}${sep}${Deno.env.get("PATH") ?? ""}`,
        npm_config_prefix: prefix,
      };
      assertSmokePassed(await smoke(["npx", "--no-install", "labos"], { env }), "npx labos");
      const cli = join(modules, "labos", "esm", "cli.mjs");
      assertSmokePassed(await smoke(["node", cli]), `node ${cli}`);
    });
  },
});

Deno.test({
  name: "the npm package's declarations type-check in a strict TypeScript consumer",
  ...options,
  async fn() {
    const { tarball } = await ensureBuilt();
    await withTemp(async (dir) => {
      await Deno.writeTextFile(
        join(dir, "package.json"),
        JSON.stringify({ name: "consumer", private: true, type: "module" }),
      );
      await execOk([
        "npm",
        "install",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        TYPESCRIPT,
        "@types/node@20",
        "zod@4",
        tarball,
      ], { cwd: dir });
      await Deno.writeTextFile(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            module: "nodenext",
            moduleResolution: "nodenext",
            target: "es2022",
            noEmit: true,
            skipLibCheck: false,
            types: ["node"],
          },
          files: ["consumer.ts"],
        }),
      );
      await Deno.writeTextFile(join(dir, "consumer.ts"), CONSUMER);
      const result = await exec(["npx", "--no-install", "tsc", "-p", "."], { cwd: dir });
      assertEquals(result.code, 0, result.stdout + result.stderr);
    });
  },
});

Deno.test({
  name: "labos --version, mod.ts VERSION, the npm package and deno.json agree",
  ignore: !HOST,
  ...options,
  async fn() {
    const { binary, dir, npm, tarball } = await ensureBuilt();
    const fromBinary = (await execOk([binary, "--version"])).trim();
    const fromNpm = JSON.parse(await Deno.readTextFile(join(npm, "package.json"))).version;
    const fromNode = (await execOk(["node", join(npm, "esm", "cli.mjs"), "--version"])).trim();
    const fromLibrary = (await execOk([
      "node",
      "--input-type=module",
      "-e",
      `import { VERSION } from ${JSON.stringify(`file://${join(npm, "esm", "mod.mjs")}`)};
       console.log(VERSION);`,
    ])).trim();
    assertEquals(
      { fromBinary, fromNode, fromNpm, fromLibrary, mod: VERSION, tarball },
      {
        fromBinary: `labos ${denoConfig.version}`,
        fromNode: `labos ${denoConfig.version}`,
        fromNpm: denoConfig.version,
        fromLibrary: denoConfig.version,
        mod: denoConfig.version,
        tarball: join(dir, `labos-${denoConfig.version}.tgz`),
      },
    );
  },
});

if (!PG_AVAILABLE && Deno.env.get("CI") !== "true") {
  console.log(
    "skipped: PostgreSQL is not installed; the executable and the npm package on a PostgreSQL store",
  );
}

Deno.test({
  name: "the executable and the npm package on Node work on a PostgreSQL store over TLS",
  // Under CI=true startPostgres throws when PostgreSQL is missing, so the test fails.
  ignore: !PG_AVAILABLE && Deno.env.get("CI") !== "true",
  ...options,
  async fn(t) {
    const { binary, npm } = await ensureBuilt();
    const cluster = await startPostgres({ tls: true });
    if (!cluster) throw new Error("PostgreSQL is not available");
    try {
      const artifacts: [string, string[]][] = [["node", ["node", join(npm, "esm", "cli.mjs")]]];
      if (HOST) artifacts.unshift(["executable", [binary]]);
      for (const [label, command] of artifacts) {
        await t.step(`${label}: init, status, experiments create and list`, async () => {
          await withTemp(async (home) => {
            const env = { LABOS_ACTOR: "tester", LABOS_CONFIG_HOME: home };
            const plain = await cluster.createDatabase();
            // The cluster refuses TCP without TLS: every command that works used it.
            const store = `${plain}?sslmode=require`;
            await execOk([...command, "--store", store, "init"], { cwd: home, env });
            assertMatch(
              await execOk([...command, "--store", store, "status"], { cwd: home, env }),
              /^store {8}postgres:\/\/postgres@127\.0\.0\.1:\d+\/\S+ \(schema v\d+\)$/m,
            );
            const created = JSON.parse(
              await execOk([
                ...command,
                "--json",
                "--store",
                store,
                "experiments",
                "create",
                "--title",
                `From the ${label}`,
              ], { cwd: home, env }),
            );
            const verified = `${plain.replace("127.0.0.1", "localhost")}?sslmode=verify-full` +
              `&sslrootcert=${encodeURIComponent(cluster.certificate!)}`;
            const listed = JSON.parse(
              await execOk([...command, "--json", "--store", verified, "experiments", "list"], {
                cwd: home,
                env,
              }),
            );
            assertEquals(listed.map((item: { id: string }) => item.id), [created.id]);
          });
        });
      }
    } finally {
      await cluster.stop();
    }
  },
});

const CONSUMER = `import {
  type Experiment,
  type ExperimentStatus,
  LabosError,
  openLab,
  VERSION,
} from "labos";
import { defineModule } from "labos/module";
import { verifyLogFile } from "labos/audit";
import type { UserInfo } from "labos/class";
import type { ArchiveExport } from "labos/exchange";
import { type DatasetTable, tableColumn } from "labos/records";
import { z } from "zod";

const lab = openLab({ dataDir: "./data", actor: "alice" });
await lab.init();
const experiment: Experiment = await lab.createExperiment({ title: "Typed" });
const status: ExperimentStatus = experiment.status;
const result = await lab.verifyAudit();
const double = defineModule({
  key: "demo.double",
  version: "1.0.0",
  title: "Double",
  domain: "demo",
  summary: "Doubles a number.",
  method: "Multiplies by two.",
  citations: [],
  limitations: [],
  learnerNotes: [],
  examples: [],
  input: z.object({ x: z.number() }),
  output: z.object({ y: z.number() }),
  run: (input) => ({ y: input.x * 2 }),
});
// @ts-expect-error: the data folder is a path
openLab({ dataDir: 42, actor: "alice" });
const exitCode: number = new LabosError("invalid", "x").exitCode;
const exported = await verifyLogFile("./data/audit/log.jsonl");
const users: UserInfo[] = await lab.listUsers();
const backup: ArchiveExport = await lab.exportArchive("./backup.zip");
const table: DatasetTable = {
  columns: [{ name: "t", type: "number" }],
  rowCount: 1,
  values: [[0]],
  delimiter: ",",
};
console.log(VERSION, status, result.ok, double.key, exitCode, exported.ok);
console.log(users.length, backup.files, tableColumn(table, "t"));
`;
