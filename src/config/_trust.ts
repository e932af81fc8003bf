import { sha256Hex } from "../_crypto.ts";
import * as fs from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import process from "node:process";
import { atomicWriteFile, ensureDirectory } from "../durable/mod.ts";
import { LabosError, quote } from "../errors.ts";

/** The name of the trust store inside the user's LabOS config folder. */
export const TRUST_FILE = "trusted.json";

/** One `labos.jsonc` the user has trusted: its absolute path and the SHA-256 of its bytes. */
export interface TrustedConfig {
  /** The absolute, symlink-resolved path of the file. */
  path: string;
  /** The SHA-256 of the file's bytes when it was trusted, in hex. */
  sha256: string;
}

/**
 * The user's LabOS config folder: `LABOS_CONFIG_HOME`, else
 * `$XDG_CONFIG_HOME/labos`, else `%APPDATA%\labos` on Windows, else
 * `~/.config/labos`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { userConfigHome } from "./mod.ts";
 * assert.equal(userConfigHome({ LABOS_CONFIG_HOME: "/tmp/c" }), "/tmp/c");
 * assert.equal(userConfigHome({ XDG_CONFIG_HOME: "/tmp/x" }), "/tmp/x/labos");
 * ```
 */
export function userConfigHome(env: Record<string, string | undefined>): string {
  if (env.LABOS_CONFIG_HOME) return path.resolve(env.LABOS_CONFIG_HOME);
  if (env.XDG_CONFIG_HOME) return path.join(path.resolve(env.XDG_CONFIG_HOME), "labos");
  if (process.platform === "win32" && env.APPDATA) return path.join(env.APPDATA, "labos");
  return path.join(env.HOME || homedir(), ".config", "labos");
}

/**
 * The SHA-256 of a configuration file's bytes, in hex.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configDigest } from "./mod.ts";
 * assert.equal(configDigest(new Uint8Array()).length, 64);
 * ```
 */
export function configDigest(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

function canonicalPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

function readStore(env: Record<string, string | undefined>): TrustedConfig[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(userConfigHome(env), TRUST_FILE), "utf8");
  } catch {
    return [];
  }
  try {
    const value = JSON.parse(text) as { trusted?: unknown };
    if (!Array.isArray(value.trusted)) return [];
    return value.trusted.filter((entry): entry is TrustedConfig =>
      typeof entry?.path === "string" && typeof entry?.sha256 === "string"
    );
  } catch {
    return []; // A damaged store trusts nothing.
  }
}

/**
 * Whether the user trusts a configuration file with exactly these bytes: the
 * trust store must list its resolved path with the SHA-256 of these bytes, so
 * an edited file is untrusted again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isConfigTrusted } from "./mod.ts";
 * const env = { LABOS_CONFIG_HOME: await Deno.makeTempDir() };
 * assert.equal(isConfigTrusted("/tmp/labos.jsonc", { bytes: new Uint8Array(), env }), false);
 * ```
 */
export function isConfigTrusted(
  file: string,
  options: { bytes: Uint8Array; env: Record<string, string | undefined> },
): boolean {
  const { bytes, env } = options;
  const resolved = canonicalPath(file);
  const digest = configDigest(bytes);
  return readStore(env).some((entry) => entry.path === resolved && entry.sha256 === digest);
}

/**
 * Records a configuration file as trusted, with the SHA-256 of its current
 * bytes, in `trusted.json` in the user's config folder (written atomically);
 * replaces an earlier entry for the same path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileSync } from "node:fs";
 * import { isConfigTrusted, trustConfigFile } from "./mod.ts";
 * const env = { LABOS_CONFIG_HOME: await Deno.makeTempDir() };
 * writeFileSync("/tmp/labos-trust-example.jsonc", "{}");
 * await trustConfigFile("/tmp/labos-trust-example.jsonc", { env });
 * const bytes = new TextEncoder().encode("{}");
 * assert.ok(isConfigTrusted("/tmp/labos-trust-example.jsonc", { bytes, env }));
 * ```
 */
export async function trustConfigFile(
  file: string,
  options: { env: Record<string, string | undefined> },
): Promise<TrustedConfig> {
  const { env } = options;
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new LabosError("not_found", `Config file ${quote(file)} does not exist`);
  }
  const entry: TrustedConfig = { path: canonicalPath(file), sha256: configDigest(bytes) };
  const home = userConfigHome(env);
  await ensureDirectory(home);
  const trusted = [...readStore(env).filter((old) => old.path !== entry.path), entry];
  await atomicWriteFile(path.join(home, TRUST_FILE), JSON.stringify({ trusted }, null, 2) + "\n");
  return entry;
}
