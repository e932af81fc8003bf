/**
 * `labos audit verify` without commander, the configuration loader or the
 * service facade: the command that reads a whole log, where start-up weighs
 * most. It runs only when the arguments and the environment leave nothing
 * for those to decide (see {@linkcode quickAuditVerify}); any other
 * invocation runs the full CLI, which gives the same answer.
 *
 * @module
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { isActorName, osUser, SETTING_VARIABLES } from "../config/_env.ts";
import { type CliIo, json, makeStyle, verifyText } from "./_format.ts";
import { reportError } from "./_report.ts";

/**
 * Runs `labos [--data-dir DIR] [--json] audit verify [--json]` and resolves
 * to the exit code, or to `undefined`, running nothing, when the arguments
 * hold anything else or a setting could come from elsewhere: a labos.jsonc
 * in the working directory, a store or an actor in the environment.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quickAuditVerify } from "./_quick.ts";
 * const out: string[] = [];
 * const io = { stdout: (t: string) => out.push(t), stderr: () => {}, env: {}, cwd: "/tmp", isTTY: false };
 * assert.equal(await quickAuditVerify(["audit", "list"], io), undefined);
 * assert.equal(await quickAuditVerify(["--data-dir", "/tmp/labos-none", "audit", "verify"], io), 2);
 * ```
 */
export async function quickAuditVerify(
  args: readonly string[],
  io: CliIo,
): Promise<number | undefined> {
  const parsed = parseArgs(args);
  if (parsed === undefined || !defaultSettings(io)) return undefined;
  const dataDir = path.resolve(
    io.cwd,
    parsed.dataDir ?? (io.env[SETTING_VARIABLES.dataDir] || "data"),
  );
  const [{ openStorage }, { verifyStorageAudit }] = await Promise.all([
    import("../service/_open_storage.ts"),
    import("../service/_verify_audit.ts"),
  ]);
  const storage = openStorage({ dataDir });
  let code: number;
  try {
    const result = await verifyStorageAudit(storage);
    io.stdout(parsed.json ? json(result) : verifyText(result, makeStyle(io)));
    code = result.ok ? 0 : 1;
  } catch (error) {
    code = reportError(error, io);
  }
  try {
    await storage.close();
  } catch (error) {
    if (code === 0) code = reportError(error, io);
  }
  return code;
}

// The options as commander would read them, or undefined for anything else.
function parseArgs(args: readonly string[]): { dataDir?: string; json: boolean } | undefined {
  const words: string[] = [];
  let dataDir: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    let value: string | undefined;
    if (arg === "--json") json = true;
    else if (arg === "--data-dir") value = args[++i];
    else if (arg.startsWith("--data-dir=")) value = arg.slice("--data-dir=".length);
    else if (arg.startsWith("-")) return undefined;
    else words.push(arg);
    if (arg.startsWith("--data-dir")) {
      // An empty, repeated or option-like value: commander decides.
      if (!value || value.startsWith("-") || dataDir !== undefined) return undefined;
      dataDir = value;
    }
  }
  if (words.length !== 2 || words[0] !== "audit" || words[1] !== "verify") return undefined;
  return { dataDir, json };
}

// Whether the configuration loader would take every setting but the data
// folder from its defaults.
function defaultSettings(io: CliIo): boolean {
  for (const [setting, name] of Object.entries(SETTING_VARIABLES)) {
    if (setting !== "dataDir" && io.env[name] !== undefined) return false;
  }
  if (!isActorName(osUser())) return false;
  return !existsSync(path.join(io.cwd, "labos.jsonc"));
}
