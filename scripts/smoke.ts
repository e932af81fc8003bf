/**
 * Smoke-tests one LabOS artifact from an empty temporary directory: help,
 * version, that nothing is written before `init`, `init`, one module run,
 * `audit verify`, the demo (embedded fixtures) and `serve` answering its
 * health check and stopping cleanly on SIGTERM.
 *
 * ```sh
 * deno task smoke dist/labos-x86_64-unknown-linux-gnu
 * deno task smoke "node npm/esm/cli.mjs"
 * deno task smoke "npx --no labos"
 * ```
 *
 * Prints one `ok` or `FAIL` line per check and exits 1 on any failure.
 *
 * @module
 */
import { existsSync, readdirSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import denoConfig from "../deno.json" with { type: "json" };

/** The outcome of one check. */
export interface SmokeCheck {
  /** Short name, such as `version`. */
  name: string;
  /** Whether it passed. */
  ok: boolean;
  /** One line on what was seen. */
  detail: string;
}

/** Options for {@linkcode smoke}. */
export interface SmokeOptions {
  /** Where relative paths in the command are resolved; the current directory by default. */
  baseDir?: string;
  /** Receives each check as it completes. */
  onCheck?: (check: SmokeCheck) => void;
  /** Per-command time limit in milliseconds; 60 s by default. */
  timeoutMs?: number;
  /** Extra environment variables for the artifact, such as a `PATH` for npx. */
  env?: Record<string, string>;
}

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

const TOKEN = "smoke-test-token-0123456789abcdef";
const EXPECTED_HEAT_J = 2886.96;

/**
 * Splits an artifact command into argv: one argument naming an existing file
 * is kept whole, one argument with spaces is split on whitespace, and several
 * arguments are taken as they are. Relative paths that exist are made absolute.
 */
export function parseArtifactCommand(args: string[], baseDir: string = Deno.cwd()): string[] {
  if (args.length === 0) throw new Error("No artifact command: expected a path or a command");
  const words = args.length === 1 && !existsSync(resolve(baseDir, args[0]))
    ? args[0].trim().split(/\s+/)
    : args;
  const argv = words.map((word) => {
    if (isAbsolute(word) || !/[\\/]/.test(word)) return word;
    const full = resolve(baseDir, word);
    return existsSync(full) ? full : word;
  });
  if (/[\\/]/.test(argv[0]) && !existsSync(resolve(baseDir, argv[0]))) {
    throw new Error(`No artifact at "${argv[0]}" (relative to "${baseDir}")`);
  }
  return argv;
}

/** Runs every check against an artifact command; resolves to the checks in order. */
export async function smoke(command: string[], options: SmokeOptions = {}): Promise<SmokeCheck[]> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const checks: SmokeCheck[] = [];
  const record = (name: string, ok: boolean, detail: string) => {
    const check = { name, ok, detail: detail.split("\n")[0] };
    checks.push(check);
    options.onCheck?.(check);
  };
  const workDir = await Deno.makeTempDir({ prefix: "labos-smoke-" });
  const env = options.env ?? {};
  const exec = (args: string[]) => execute([...command, ...args], { cwd: workDir, env, timeoutMs });
  try {
    const help = await exec(["--help"]);
    const hasServe = /^\s+serve\b/m.test(help.stdout);
    record(
      "help",
      help.code === 0 && help.stdout.includes("Usage: labos"),
      help.code === 0 ? `exit 0, ${help.stdout.split("\n").length} lines` : failure(help),
    );

    const version = await exec(["--version"]);
    const expected = `labos ${denoConfig.version}`;
    record(
      "version",
      version.code === 0 && version.stdout.trim() === expected,
      `${JSON.stringify(version.stdout.trim())}, expected ${JSON.stringify(expected)}`,
    );

    const written = readdirSync(workDir);
    record(
      "no writes before init",
      written.length === 0,
      written.length === 0 ? "the working directory is still empty" : `found ${written.join(", ")}`,
    );

    const dataDir = join(workDir, "data");
    const init = await exec(["--data-dir", dataDir, "init"]);
    record(
      "init",
      init.code === 0 && existsSync(join(dataDir, "labos.json")),
      init.code === 0 ? init.stdout.trim() : failure(init),
    );

    const runResult = await exec([
      "--data-dir",
      dataDir,
      "--json",
      "run",
      "thermo.calorimetry",
      "--param",
      "massG=100",
      "--param",
      "deltaTK=6.9",
    ]);
    const heatJ = runResult.code === 0 ? parseHeat(runResult.stdout) : undefined;
    record(
      "run thermo.calorimetry",
      heatJ !== undefined && Math.abs(heatJ - EXPECTED_HEAT_J) < 1e-9,
      runResult.code === 0 ? `heatJ ${heatJ}, expected ${EXPECTED_HEAT_J}` : failure(runResult),
    );

    const verify = await exec(["--data-dir", dataDir, "audit", "verify"]);
    record(
      "audit verify",
      verify.code === 0 && verify.stdout.startsWith("ok"),
      verify.code === 0 ? verify.stdout.trim() : failure(verify),
    );

    const demo = await exec(["demo", "--data-dir", join(workDir, "demo")]);
    record(
      "demo (embedded fixtures)",
      demo.code === 0 && demo.stdout.includes("Audit log verified: ok"),
      demo.code === 0
        ? `exit 0, ${readdirSync(join(workDir, "demo")).length} entries`
        : failure(demo),
    );

    if (!hasServe) record("serve", false, "serve: not available (missing from --help)");
    else {
      const serve = await serveCheck([...command, "--data-dir", dataDir], {
        cwd: workDir,
        env,
        timeoutMs,
      });
      record("serve", serve.ok, serve.detail);
    }
  } finally {
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
  return checks;
}

function parseHeat(stdout: string): number | undefined {
  try {
    const result = JSON.parse(stdout) as { output?: { heatJ?: number } };
    return result.output?.heatJ;
  } catch {
    return undefined;
  }
}

function failure(output: Output): string {
  const text = (output.stderr.trim() || output.stdout.trim()).split("\n")[0];
  return `exit ${output.code}${text ? `: ${text}` : ""}`;
}

function smokeEnv(extra: Record<string, string>): Record<string, string> {
  const env = Deno.env.toObject();
  for (const name of Object.keys(env)) {
    if (name.startsWith("LABOS_")) delete env[name];
  }
  return { ...env, NO_COLOR: "1", LABOS_ACTOR: "smoke", ...extra };
}

function spawnArgs(argv: string[]): [string, string[]] {
  const [program, ...args] = argv;
  // npm's npx and node wrappers are .cmd scripts on Windows, which only a shell can start.
  if (Deno.build.os === "windows" && ["npx", "npm"].includes(program)) {
    return ["cmd", ["/d", "/s", "/c", program, ...args]];
  }
  return [program, args];
}

async function execute(
  argv: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<Output> {
  const [program, args] = spawnArgs(argv);
  try {
    const output = await new Deno.Command(program, {
      args,
      cwd: options.cwd,
      env: smokeEnv(options.env),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(options.timeoutMs),
    }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } catch (error) {
    return { code: -1, stdout: "", stderr: `cannot run "${program}": ${(error as Error).message}` };
  }
}

async function serveCheck(
  argv: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<{ ok: boolean; detail: string }> {
  const [program, args] = spawnArgs([...argv, "serve", "--port", "0"]);
  // Wrappers such as npx do not pass SIGTERM on to the server, so on Unix the
  // whole process group is signalled.
  const group = Deno.build.os !== "windows";
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      cwd: options.cwd,
      env: smokeEnv({ ...options.env, LABOS_TOKEN: TOKEN }),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: group,
    }).spawn();
  } catch (error) {
    return { ok: false, detail: `cannot run "${program}": ${(error as Error).message}` };
  }
  const signal = (name: Deno.Signal) => {
    try {
      if (group) Deno.kill(-child.pid, name);
      else child.kill(name);
    } catch {
      // Already gone.
    }
  };
  const decoder = new TextDecoder();
  let out = "";
  let err = "";
  // The pipes close when every process of the group has exited.
  const closed = Promise.all([
    (async () => {
      for await (const chunk of child.stdout) out += decoder.decode(chunk, { stream: true });
    })(),
    (async () => {
      for await (const chunk of child.stderr) err += decoder.decode(chunk, { stream: true });
    })(),
  ]);
  let exited = false;
  const status = child.status.then((value) => {
    exited = true;
    return value;
  });
  const stop = async (
    name: Deno.Signal,
    waitMs: number,
  ): Promise<Deno.CommandStatus | undefined> => {
    signal(name);
    const done = await Promise.race([
      Promise.all([status, closed]).then(([value]) => value),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), waitMs)),
    ]);
    if (!done) {
      signal("SIGKILL");
      await Promise.all([status, closed]);
    }
    return done;
  };
  const lastWords = () => (err.trim() || out.trim()).split("\n").pop() ?? "";

  const deadline = Date.now() + options.timeoutMs;
  let url: string | undefined;
  while (!url && !exited && Date.now() < deadline) {
    url = /Open: (\S+)/.exec(out)?.[1];
    if (!url) await new Promise((done) => setTimeout(done, 50));
  }
  if (!url) {
    await stop("SIGKILL", 5_000);
    const reason = exited ? "exited before printing its URL" : "printed no URL in time";
    return { ok: false, detail: `serve ${reason}: ${lastWords()}` };
  }

  let health = "";
  let problem: string | undefined;
  try {
    const response = await fetch(new URL("/api/v1/health", url), {
      signal: AbortSignal.timeout(10_000),
    });
    health = (await response.text()).trim();
    const body = JSON.parse(health) as { ok?: unknown };
    if (!response.ok || body.ok !== true) {
      problem = `GET /api/v1/health answered ${response.status} ${health}`;
    }
  } catch (error) {
    problem = `GET /api/v1/health failed: ${(error as Error).message}`;
  }
  const ui = problem ? { summary: "" } : await uiCheck(url);
  problem ??= ui.problem;
  if (problem) {
    await stop("SIGKILL", 5_000);
    return { ok: false, detail: problem };
  }

  const stopped = await stop("SIGTERM", 10_000);
  if (!stopped) return { ok: false, detail: "serve did not stop within 10 s of SIGTERM" };
  const summary = `health ${health.slice(0, 60)}; ${ui.summary}`;
  // Windows has no SIGTERM: Deno terminates the process, so only the requests count there.
  if (!group) return { ok: true, detail: `${summary}; terminated` };
  // A wrapper (npx) may itself die of the signal; the server must still report a clean stop.
  const clean = out.includes("Stopped (SIGTERM)") &&
    (stopped.code === 0 || stopped.signal === "SIGTERM");
  return {
    ok: clean,
    detail: clean
      ? `${summary}; stopped on SIGTERM, exit ${stopped.code}`
      : `serve exited ${stopped.code} on SIGTERM: ${lastWords()}`,
  };
}

async function uiCheck(url: string): Promise<{ problem?: string; summary: string }> {
  try {
    const signIn = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
    await signIn.body?.cancel();
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
    const page = await fetch(new URL("/", url), {
      headers: { cookie },
      signal: AbortSignal.timeout(10_000),
    });
    const html = await page.text();
    if (page.status !== 200 || !html.includes("/assets/style.css")) {
      return {
        problem: `the dashboard answered ${page.status} without its stylesheet`,
        summary: "",
      };
    }
    const css = await fetch(new URL("/assets/style.css", url), {
      headers: { cookie },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await css.text();
    if (css.status !== 200 || text.length === 0) {
      return { problem: `GET /assets/style.css answered ${css.status}`, summary: "" };
    }
    return { summary: `dashboard ${html.length} B, stylesheet ${text.length} B` };
  } catch (error) {
    return { problem: `the control panel failed: ${(error as Error).message}`, summary: "" };
  }
}

if (import.meta.main) {
  let command: string[];
  try {
    command = parseArtifactCommand(Deno.args, Deno.env.get("INIT_CWD") ?? Deno.cwd());
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(2);
  }
  console.log(`smoke: ${command.join(" ")}`);
  const checks = await smoke(command, {
    onCheck: (check) => console.log(`${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`),
  });
  const failed = checks.filter((check) => !check.ok).length;
  console.log(
    failed === 0
      ? `smoke: all ${checks.length} checks passed`
      : `smoke: ${failed} of ${checks.length} checks FAILED`,
  );
  Deno.exit(failed === 0 ? 0 : 1);
}
