/**
 * Builds the standalone `labos` executables into `dist/` and writes
 * `dist/SHA256SUMS`.
 *
 * ```sh
 * deno task compile                                        # all five targets
 * deno task compile --target x86_64-unknown-linux-gnu      # one (repeatable)
 * deno task compile --compiler bun                         # force a compiler
 * ```
 *
 * First `deno bundle` turns the CLI into ESM files with every npm dependency
 * and asset inlined, split at every `import()` (`dist/labos.bundle/`, entry
 * `_cli_entry.js`), so that each command loads only what it uses; then each
 * target is compiled from that bundle, which both compilers embed whole and
 * load chunk by chunk. `deno compile` is used when Deno's runtime
 * download is reachable, or when `DENORT_BIN` is set for the host target;
 * otherwise `bun build --compile`, whose runtimes for every target come from
 * npm packages, so it works where only the npm registry is reachable.
 *
 * @module
 */
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import {
  binaryName,
  BUN_VERSION,
  bundleSplit,
  CLI_ENTRY,
  DIST_DIR,
  findTarget,
  formatSize,
  run,
  type Target,
  TARGETS,
  VERSION,
  writeChecksums,
} from "./_build.ts";

/** Which compiler builds the executables. */
export type Compiler = "deno" | "bun";

/** Options for {@linkcode compile}. */
export interface CompileOptions {
  /** Deno target triples; all five by default. */
  targets?: string[];
  /** `auto` (the default) picks per target; `deno` or `bun` forces one. */
  compiler?: Compiler | "auto";
  /** Output folder; `dist/` by default. */
  outDir?: string;
  /** Progress lines; `console.log` by default. */
  log?: (line: string) => void;
}

/** What was built for one target. */
export interface CompiledBinary {
  /** The Deno target triple. */
  target: string;
  /** Absolute path of the executable. */
  path: string;
  /** The compiler that built it. */
  compiler: Compiler;
  /** Size in bytes. */
  size: number;
}

/** The folder of the bundle that every executable is compiled from. */
export const BUNDLE_DIR = "labos.bundle";
/** The bundle's entry file, relative to the output folder; its chunks sit beside it. */
export const BUNDLE_FILE = `${BUNDLE_DIR}/_cli_entry.js`;

const DENO_DOWNLOAD_URL = "https://dl.deno.land/";

/** Bundles the CLI, then compiles it for each target; resolves to what was built. */
export async function compile(options: CompileOptions = {}): Promise<CompiledBinary[]> {
  const log = options.log ?? console.log;
  const outDir = options.outDir ?? DIST_DIR;
  const targets = (options.targets?.length ? options.targets : TARGETS.map((t) => t.deno))
    .map(findTarget);
  mkdirSync(outDir, { recursive: true });
  const bundleDir = join(outDir, BUNDLE_DIR);
  const bundlePath = await bundleSplit(CLI_ENTRY, bundleDir);
  const files = readdirSync(bundleDir);
  const bytes = files.reduce((sum, file) => sum + statSync(join(bundleDir, file)).size, 0);
  log(
    `bundle: ${bundlePath} and ${files.length - 1} chunks (${
      formatSize(bytes)
    }) from scripts/_cli_entry.ts`,
  );

  const chooser = compilerChooser(options.compiler ?? "auto", log);
  const built: CompiledBinary[] = [];
  const failures: string[] = [];
  for (const target of targets) {
    const path = join(outDir, binaryName(target));
    rmSync(path, { force: true });
    const compiler = await chooser(target);
    try {
      if (compiler === "deno") await compileWithDeno(bundlePath, { target, path });
      else await compileWithBun(bundlePath, { target, path });
    } catch (error) {
      const message = `${target.deno}: ${(error as Error).message}`;
      failures.push(message);
      log(`FAILED ${message}`);
      continue;
    }
    const size = statSync(path).size;
    built.push({ target: target.deno, path, compiler, size });
    log(`built: ${path} (${formatSize(size)}) with ${compilerLabel(compiler)}`);
  }
  const sums = await writeChecksums(outDir);
  log(`checksums: ${join(outDir, "SHA256SUMS")} (${sums.length} files)`);
  if (failures.length > 0) {
    throw new Error(`Compiling failed for ${failures.length} target(s): ${failures.join("; ")}`);
  }
  return built;
}

function compilerLabel(compiler: Compiler): string {
  return compiler === "deno" ? `deno compile (deno ${Deno.version.deno})` : `bun ${BUN_VERSION}`;
}

/** Deno's name for the machine running this script. */
export function hostTarget(): string {
  return Deno.build.target;
}

function compilerChooser(
  choice: Compiler | "auto",
  log: (line: string) => void,
): (target: Target) => Promise<Compiler> {
  let online: Promise<boolean> | undefined;
  return async (target) => {
    if (choice !== "auto") return choice;
    if (Deno.env.get("DENORT_BIN") && target.deno === hostTarget()) {
      log(`compiler: deno compile for ${target.deno} (DENORT_BIN is set)`);
      return "deno";
    }
    online ??= denoDownloadReachable();
    if (await online) {
      log(`compiler: deno compile for ${target.deno} (${DENO_DOWNLOAD_URL} is reachable)`);
      return "deno";
    }
    log(
      `compiler: bun ${BUN_VERSION} for ${target.deno} (${DENO_DOWNLOAD_URL} is unreachable${
        Deno.env.get("DENORT_BIN") ? " and DENORT_BIN is for another target" : ""
      })`,
    );
    return "bun";
  };
}

/** Whether Deno's runtime download answers within 3 seconds. */
export async function denoDownloadReachable(): Promise<boolean> {
  try {
    const response = await fetch(DENO_DOWNLOAD_URL, {
      method: "HEAD",
      signal: AbortSignal.timeout(3000),
    });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/**
 * Compiles one ESM entry file (and whatever it imports) into an executable
 * for a target with the given compiler and the flags the release uses; the
 * start-up benchmark builds its hello world with it.
 */
export async function compileEntry(
  entry: string,
  options: { target: string; path: string; compiler: Compiler },
): Promise<void> {
  const target = findTarget(options.target);
  if (options.compiler === "deno") await compileWithDeno(entry, { target, path: options.path });
  else await compileWithBun(entry, { target, path: options.path });
}

async function compileWithDeno(
  bundlePath: string,
  options: { target: Target; path: string },
): Promise<void> {
  await run([
    Deno.execPath(),
    "compile",
    "--quiet",
    "--allow-all",
    "--no-config",
    "--target",
    options.target.deno,
    "--output",
    options.path,
    bundlePath,
  ], {
    // DENORT_BIN holds the host's runtime; other targets must download theirs.
    unset: options.target.deno === hostTarget() ? [] : ["DENORT_BIN"],
  });
}

async function compileWithBun(
  bundlePath: string,
  options: { target: Target; path: string },
): Promise<void> {
  const runtime = `@oven/${options.target.bun.replace("arm64", "aarch64")}`;
  try {
    await bunBuild(bundlePath, options);
  } catch (error) {
    throw new Error(
      `bun ${BUN_VERSION} could not build "${options.target.bun}" (its runtime comes from the npm package "${runtime}@${BUN_VERSION}"): ${
        (error as Error).message
      }`,
    );
  }
}

async function bunBuild(
  bundlePath: string,
  options: { target: Target; path: string },
): Promise<void> {
  await run([
    ...await bunCommand(),
    "build",
    "--compile",
    "--splitting",
    "--bytecode",
    "--format=esm",
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    "--no-compile-autoload-tsconfig",
    "--no-compile-autoload-package-json",
    `--target=${options.target.bun}`,
    `--outfile=${options.path}`,
    bundlePath,
  ], { cwd: dirname(bundlePath) });
}

let bunCache: Promise<string[]> | undefined;

/** How to start bun: the one on PATH when it is the pinned release, else `npx -y bun@<pinned>`. */
export function bunCommand(): Promise<string[]> {
  bunCache ??= (async () => {
    try {
      const found = (await run(["bun", "--version"])).trim();
      if (found === BUN_VERSION) return ["bun"];
    } catch {
      // Not installed; npx fetches the pinned release from npm.
    }
    return ["npx", "-y", `bun@${BUN_VERSION}`];
  })();
  return bunCache;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      target: { type: "string", multiple: true },
      compiler: { type: "string", default: "auto" },
      "out-dir": { type: "string" },
    },
  });
  const compiler = values.compiler;
  if (compiler !== "auto" && compiler !== "deno" && compiler !== "bun") {
    console.error(`error: Invalid "--compiler" "${compiler}": expected auto, deno or bun`);
    Deno.exit(2);
  }
  try {
    const built = await compile({ targets: values.target, compiler, outDir: values["out-dir"] });
    console.log(`compiled labos ${VERSION} for ${built.length} target(s)`);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
