import { spawn } from "node:child_process";
import { Buffer } from "node:buffer";
import process from "node:process";
import * as z from "zod";
import { LabosError, quote } from "../errors.ts";
import { closeObjects } from "../validation.ts";
import { type LabModule, LABOS_API_VERSION, ModuleError } from "../modules/contract.ts";
import type { ModuleManifest } from "./_manifest.ts";

/** Limits of one executable plugin run. */
export interface ExecutableLimits {
  /** Time limit, in ms. */
  timeoutMs: number;
  /** The largest answer accepted on stdout, in bytes. */
  maxOutputBytes: number;
  /** How much of stderr a failed job keeps, in bytes. */
  maxStderrBytes: number;
}

/**
 * Wraps an executable plugin as a module. Each run spawns the manifest's
 * command in `dir`, writes one JSON request on stdin and reads one JSON
 * response from stdout.
 */
export function executableModule(
  manifest: ModuleManifest,
  options: { dir: string; limits: ExecutableLimits },
): LabModule<Record<string, unknown>, Record<string, unknown>> {
  const command = manifest.command ?? [];
  const input = jsonSchemaToZod(closeObjects(manifest.inputSchema ?? {}), "inputSchema");
  const output = manifest.outputSchema
    ? jsonSchemaToZod(manifest.outputSchema, "outputSchema")
    : z.record(z.string(), z.unknown());
  return {
    key: manifest.key,
    version: manifest.version,
    title: manifest.title ?? manifest.key,
    domain: manifest.domain ?? manifest.key.split(".")[0],
    summary: manifest.summary ?? "",
    method: manifest.method ?? "",
    citations: manifest.citations ?? [],
    limitations: manifest.limitations ?? [],
    learnerNotes: manifest.learnerNotes ?? [],
    examples: manifest.examples ?? [],
    input,
    output,
    run: (value) =>
      runExecutable(manifest.key, command, {
        cwd: options.dir,
        request: { labosApi: LABOS_API_VERSION, module: manifest.key, input: value },
        limits: options.limits,
      }),
  };
}

function jsonSchemaToZod(
  schema: Record<string, unknown>,
  field: string,
): z.ZodType<Record<string, unknown>> {
  if (schema.type !== "object") {
    throw new LabosError("invalid", `"${field}" must be a JSON Schema with "type": "object"`);
  }
  try {
    return z.fromJSONSchema(schema) as z.ZodType<Record<string, unknown>>;
  } catch (error) {
    throw new LabosError(
      "invalid",
      `"${field}" is not a JSON Schema LabOS can use: ${(error as Error).message.split("\n")[0]}`,
    );
  }
}

async function runExecutable(
  key: string,
  command: string[],
  options: { cwd: string; request: unknown; limits: ExecutableLimits },
): Promise<Record<string, unknown>> {
  const { limits } = options;
  const name = `Plugin ${quote(key)}`;
  const result = await spawnWithLimits(command, {
    cwd: options.cwd,
    stdin: `${JSON.stringify(options.request)}\n`,
    limits,
  });
  if (result.kind === "spawn-error") {
    throw new ModuleError(
      `${name} could not start ${quote(command[0])}: ${firstLine(result.message)}`,
    );
  }
  if (result.kind === "timeout") {
    throw withStderr(
      new ModuleError(`${name} did not answer within ${limits.timeoutMs} ms and was stopped`),
      result.stderr,
    );
  }
  if (result.kind === "too-much-output") {
    throw withStderr(
      new ModuleError(
        `${name} wrote more than ${limits.maxOutputBytes} bytes to stdout and was stopped`,
      ),
      result.stderr,
    );
  }
  const response = parseResponse(result.stdout);
  if (result.code !== 0) {
    const reason = typeof response?.error === "string"
      ? firstLine(response.error)
      : lastLine(result.stderr);
    const status = result.code === null ? `signal ${result.signal}` : `code ${result.code}`;
    throw withStderr(
      new ModuleError(`${name} exited with ${status}${reason ? `: ${reason}` : ""}`),
      result.stderr,
    );
  }
  if (response === undefined) {
    throw withStderr(
      new ModuleError(
        `${name} wrote no JSON response to stdout: expected {"output": {...}} or {"error": "..."}`,
      ),
      result.stderr,
    );
  }
  if (typeof response.error === "string") throw new ModuleError(firstLine(response.error));
  const value = response.output;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ModuleError(`${name} answered without an "output" object or an "error" message`);
  }
  return value as Record<string, unknown>;
}

function parseResponse(stdout: string): Record<string, unknown> | undefined {
  const text = stdout.trim();
  if (text === "") return undefined;
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0].trim();
}

function lastLine(text: string): string {
  const lines = text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  return lines.at(-1) ?? "";
}

/** Keeps the plugin's stderr as the error's detail, which the job records, capped. */
function withStderr(error: ModuleError, stderr: string): ModuleError {
  if (stderr.trim() !== "") error.detail = `stderr:\n${stderr}`;
  return error;
}

/**
 * The environment variables a plugin may see: what finding programs, the
 * locale, the time zone and temporary files need. Never a secret such as
 * `LABOS_TOKEN`, and no other `LABOS_*` setting.
 */
const PLUGIN_ENV_ALLOW = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "USERNAME",
  "USERPROFILE",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TMPDIR",
  "TEMP",
  "TMP",
  "NO_COLOR",
  "DENO_DIR",
  "VIRTUAL_ENV",
  "CONDA_PREFIX",
  "PYENV_ROOT",
  "PYENV_VERSION",
  "SYSTEMROOT",
  "SYSTEMDRIVE",
  "WINDIR",
  "COMSPEC",
  "PATHEXT",
  "APPDATA",
  "LOCALAPPDATA",
  "PROGRAMDATA",
]);

/**
 * The environment an executable plugin runs with, built from an allow-list
 * ({@linkcode PLUGIN_ENV_ALLOW} and the `LC_*` locale variables).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pluginEnvironment } from "./_executable.ts";
 * const env = pluginEnvironment({ PATH: "/bin", LABOS_TOKEN: "secret", LC_ALL: "C" });
 * assert.deepEqual(env, { PATH: "/bin", LC_ALL: "C" });
 * ```
 */
export function pluginEnvironment(
  env: Record<string, string | undefined>,
): Record<string, string> {
  const allowed: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const upper = name.toUpperCase();
    if (PLUGIN_ENV_ALLOW.has(upper) || upper.startsWith("LC_")) allowed[name] = value;
  }
  return allowed;
}

/** Stops a plugin and every process it started (its process group, on POSIX). */
function killTree(child: ReturnType<typeof spawn>): void {
  if (process.platform !== "win32" && child.pid !== undefined) {
    try {
      process.kill(-child.pid, "SIGKILL");
      return;
    } catch {
      // The group is gone already; fall back to the child itself.
    }
  }
  child.kill("SIGKILL");
}

type SpawnResult =
  | { kind: "exited"; code: number | null; signal: string | null; stdout: string; stderr: string }
  | { kind: "timeout"; stderr: string }
  | { kind: "too-much-output"; stderr: string }
  | { kind: "spawn-error"; message: string };

function spawnWithLimits(
  command: string[],
  options: { cwd: string; stdin: string; limits: ExecutableLimits },
): Promise<SpawnResult> {
  const { limits } = options;
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), {
      cwd: options.cwd,
      env: pluginEnvironment(process.env),
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
      // Its own process group, so that stopping it stops its children too.
      detached: process.platform !== "win32",
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);
    let settled = false;
    const settle = (result: SpawnResult, kill = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (kill) {
        killTree(child);
        child.stdout?.destroy();
        child.stderr?.destroy();
        child.unref();
      }
      resolve(result);
    };
    const stderrText = () => {
      const text = stderr.toString("utf8");
      return stderr.length >= limits.maxStderrBytes && limits.maxStderrBytes > 0
        ? `…${text}`
        : text;
    };
    const timer = setTimeout(
      () => settle({ kind: "timeout", stderr: stderrText() }, true),
      limits.timeoutMs,
    );
    child.on("error", (error: NodeJS.ErrnoException) => {
      settle({
        kind: "spawn-error",
        message: error.code === "ENOENT" ? "command not found" : error.message,
      });
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > limits.maxOutputBytes) {
        settle({ kind: "too-much-output", stderr: stderrText() }, true);
      } else {
        stdout.push(chunk);
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > limits.maxStderrBytes) {
        stderr = stderr.subarray(stderr.length - limits.maxStderrBytes);
      }
    });
    child.on("close", (code, signal) => {
      // Whatever it left behind in its process group stops with it.
      if (!settled && process.platform !== "win32" && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Nothing left.
        }
      }
      settle({
        kind: "exited",
        code,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: stderrText(),
      });
    });
    child.stdin?.on("error", () => {
      // The plugin may exit without reading its input; its exit status tells why.
    });
    child.stdin?.end(options.stdin);
  });
}
