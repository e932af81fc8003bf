/**
 * Helpers for end-to-end tests that run the real CLI in a subprocess.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** The CLI entry point. */
export const CLI_PATH: string = fileURLToPath(new URL("../cli.ts", import.meta.url));
/** The repository root. */
export const REPO_ROOT: string = fileURLToPath(new URL("../", import.meta.url));

/** What a CLI run produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@linkcode runCli}. */
export interface RunCliOptions {
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string;
}

/**
 * The trust store the CLI runs of this test process use (`LABOS_CONFIG_HOME`),
 * so tests never read or write the user's own.
 */
export const CONFIG_HOME: string = Deno.makeTempDirSync({ prefix: "labos-config-home-" });

/** Runs `labos ARGS` with deno, in a clean environment. */
export async function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  // On the PostgreSQL run (test/_store.ts), a data folder stands for a database.
  const onStore = Deno.env.get("LABOS_TEST_STORE") === "postgres"
    ? await (await import("./_store.ts")).storeArgs(args)
    : args;
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CLI_PATH, ...onStore],
    cwd: options.cwd ?? Deno.cwd(),
    env: { NO_COLOR: "1", LABOS_ACTOR: "tester", LABOS_CONFIG_HOME: CONFIG_HOME, ...options.env },
    clearEnv: false,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = command.spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Runs the CLI and fails unless it exits 0; returns stdout. */
export async function cliOk(args: string[], options: RunCliOptions = {}): Promise<string> {
  const result = await runCli(args, options);
  if (result.code !== 0) {
    throw new Error(`labos ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  }
  return result.stdout;
}

/** Runs the CLI with `--json` and parses stdout. */
export async function cliJson<T = unknown>(
  args: string[],
  options: RunCliOptions = {},
): Promise<T> {
  return JSON.parse(await cliOk(["--json", ...args], options)) as T;
}

/** Runs `labos init` on `<dir>/data` and returns that data folder. */
export async function initLab(dir: string): Promise<string> {
  const dataDir = `${dir}/data`;
  await cliOk(["--data-dir", dataDir, "init"]);
  return dataDir;
}

/** A temporary directory removed after `fn`. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "labos-test-" });
  try {
    return await fn(dir);
  } finally {
    // A writer's last rename can race the first removal pass; a second pass finishes it.
    await Deno.remove(dir, { recursive: true }).catch(() => Deno.remove(dir, { recursive: true }));
  }
}

/** Every file under a directory with its content, to prove that nothing was written. */
export async function snapshotTree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  async function walk(current: string): Promise<void> {
    for await (const entry of Deno.readDir(current)) {
      const full = `${current}/${entry.name}`;
      if (entry.isDirectory) await walk(full);
      else if (entry.isFile) files.set(full, await Deno.readTextFile(full));
    }
  }
  await walk(dir);
  return files;
}
