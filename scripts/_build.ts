/**
 * Shared helpers for the release scripts: paths, the version, running tools,
 * bundling with `deno bundle`, checksums and the build-input fingerprint.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import denoConfig from "../deno.json" with { type: "json" };

/** The repository root, with a trailing separator. */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url));
/** Where executables, the bundle, the npm tarball and `SHA256SUMS` go. */
export const DIST_DIR: string = join(ROOT, "dist");
/** Where `deno task build:npm` writes the npm package. */
export const NPM_DIR: string = join(ROOT, "npm");
/** The CLI entry that runs unconditionally, for bundles and executables. */
export const CLI_ENTRY: string = join(ROOT, "scripts", "_cli_entry.ts");
/** The bun release used by the offline compiler path, pinned for reproducible builds. */
export const BUN_VERSION = "1.4.5";
/** The version every artifact carries, from `deno.json`. */
export const VERSION: string = denoConfig.version;

/** A release target, by Deno's target triple. */
export interface Target {
  /** Deno's name, as in `deno compile --target`. */
  deno: string;
  /** Bun's name, as in `bun build --compile --target`. */
  bun: string;
  /** Whether the executable needs `.exe`. */
  exe: boolean;
}

/** The five release targets. x64 bun builds use the baseline runtime, which runs without AVX2. */
export const TARGETS: readonly Target[] = [
  { deno: "x86_64-unknown-linux-gnu", bun: "bun-linux-x64-baseline", exe: false },
  { deno: "aarch64-unknown-linux-gnu", bun: "bun-linux-arm64", exe: false },
  { deno: "x86_64-apple-darwin", bun: "bun-darwin-x64-baseline", exe: false },
  { deno: "aarch64-apple-darwin", bun: "bun-darwin-arm64", exe: false },
  { deno: "x86_64-pc-windows-msvc", bun: "bun-windows-x64-baseline", exe: true },
];

/** The executable's file name for a target, such as `labos-x86_64-pc-windows-msvc.exe`. */
export function binaryName(target: Target): string {
  return `labos-${target.deno}${target.exe ? ".exe" : ""}`;
}

/** The npm tarball's file name, as `npm pack` writes it. */
export function tarballName(): string {
  return `labos-${VERSION}.tgz`;
}

/** Looks a target up by its Deno name; throws on an unknown one. */
export function findTarget(name: string): Target {
  const target = TARGETS.find((candidate) => candidate.deno === name);
  if (!target) {
    throw new Error(
      `Unknown target "${name}": expected one of ${TARGETS.map((t) => t.deno).join(", ")}`,
    );
  }
  return target;
}

/** Options for {@linkcode run}. */
export interface RunOptions {
  /** Working directory; the repository root by default. */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Variables to remove from the inherited environment. */
  unset?: string[];
  /** Print the tool's output as it runs instead of capturing it. */
  inherit?: boolean;
}

/** Runs a tool and resolves to its stdout; throws a one-line error when it fails. */
export async function run(
  command: string[],
  options: RunOptions = {},
): Promise<string> {
  const [program, ...args] = windowsShim(command);
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1", ...options.env };
  for (const name of options.unset ?? []) delete env[name];
  const output = await new Deno.Command(program, {
    args,
    cwd: options.cwd ?? ROOT,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: options.inherit ? "inherit" : "piped",
    stderr: options.inherit ? "inherit" : "piped",
  }).output();
  const decoder = new TextDecoder();
  const stdout = options.inherit ? "" : decoder.decode(output.stdout);
  if (!output.success) {
    const stderr = options.inherit ? "" : decoder.decode(output.stderr);
    const detail = lastLine(stderr) || lastLine(stdout);
    throw new Error(
      `Command "${command.slice(0, 3).join(" ")}" exited ${output.code}${
        detail ? `: ${detail}` : ""
      }`,
    );
  }
  return stdout;
}

function windowsShim(command: string[]): string[] {
  // npm and npx are .cmd scripts on Windows, which only a shell can start.
  if (Deno.build.os === "windows" && ["npm", "npx"].includes(command[0])) {
    return ["cmd", "/d", "/s", "/c", ...command];
  }
  return command;
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1]?.trim() ?? "";
}

/**
 * Bundles a TypeScript entry point, npm dependencies inlined, into one ESM
 * file. Modules reached through `import()` are wrapped so that they are
 * evaluated only when their `import()` runs, but the runtime still parses the
 * whole file at start-up; {@linkcode bundleSplit} avoids that.
 */
export async function bundle(entry: string, output: string): Promise<void> {
  await denoBundle(entry, ["--output", output]);
}

/** Runs `deno bundle` on an entry point with LabOS's config, npm packages inlined. */
async function denoBundle(entry: string, args: string[]): Promise<void> {
  await run([
    Deno.execPath(),
    "bundle",
    "--quiet",
    "--config",
    join(ROOT, "deno.json"),
    "--platform",
    "deno",
    "--packages",
    "bundle",
    ...args,
    entry,
  ]);
}

/**
 * Bundles a TypeScript entry point, npm dependencies inlined, into a folder
 * of ESM files split at every `import()`: the entry file holds only what
 * every command needs, and each command's handler, the service, the server
 * and the npm packages behind them are chunks loaded when first imported.
 * Resolves to the entry file, `<entry name>.js` in `outDir`.
 */
export async function bundleSplit(entry: string, outDir: string): Promise<string> {
  rmSync(outDir, { recursive: true, force: true });
  await denoBundle(entry, ["--format", "esm", "--code-splitting", "--outdir", outDir]);
  return join(outDir, `${basename(entry).replace(/\.[cm]?[jt]s$/, "")}.js`);
}

/** The SHA-256 of a file, as lowercase hex. */
export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** The release artifacts present in a folder: executables and the npm tarball, sorted. */
export function releaseArtifacts(dir: string = DIST_DIR): string[] {
  const names = new Set([...TARGETS.map(binaryName), tarballName()]);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.filter((name) => names.has(name)).sort();
}

/**
 * Writes `SHA256SUMS` over the release artifacts in a folder, in the format that
 * `sha256sum -c` reads; returns its lines.
 */
export async function writeChecksums(dir: string = DIST_DIR): Promise<string[]> {
  const lines = releaseArtifacts(dir).map((name) => `${sha256File(join(dir, name))}  ${name}`);
  await Deno.writeTextFile(join(dir, "SHA256SUMS"), lines.map((line) => `${line}\n`).join(""));
  return lines;
}

/** A file size in MB with one decimal, such as `105.9 MB`. */
export function formatSize(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

const INPUTS = [
  ...Object.values(denoConfig.exports as Record<string, string>),
  "deno.json",
  "deno.lock",
  "assets",
  "src",
  "scripts",
];

/**
 * A hash over every build input (sources, assets, config, lock file and these
 * scripts), so that tests can reuse artifacts built from the same tree.
 */
export function inputFingerprint(): string {
  const hash = createHash("sha256");
  const files: string[] = [];
  function walk(path: string): void {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) walk(join(path, name));
    } else if (!path.endsWith("_test.ts")) {
      files.push(path);
    }
  }
  for (const input of INPUTS) walk(join(ROOT, input));
  for (const file of files) {
    hash.update(relative(ROOT, file).split("\\").join("/"));
    hash.update("\0");
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}
