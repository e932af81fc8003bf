/**
 * The effective configuration: built-in defaults, then `labos.jsonc`, then
 * the environment, then command-line flags, each overriding the one before.
 *
 * @module
 */
import * as fs from "node:fs";
import { userInfo } from "node:os";
import * as path from "node:path";
import { parse as parseJsonc, type ParseError, printParseErrorCode } from "jsonc-parser";
import { z } from "zod";
import { LabosError } from "../errors.ts";
import { formatIssues, toFieldIssues } from "../validation.ts";

/** The name of the project configuration file, looked up in the working directory. */
export const CONFIG_FILE = "labos.jsonc";

/** Where a configuration value came from. */
export type ConfigSource = "default" | "file" | "env" | "flag";

/** Schema of `labos.jsonc`. */
export const ConfigFileSchema = z.strictObject({
  $schema: z.string().optional(),
  dataDir: z.string().min(1).optional().describe(
    "The data folder, relative to this file. Default: ./data",
  ),
});

/** The content of `labos.jsonc`. */
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** The effective configuration and where each value came from. */
export interface LabosConfig {
  /** The absolute data folder. */
  dataDir: string;
  /** Who is acting, recorded in every audit event. */
  actor: string;
  /** The config file that was read, if any. */
  configFile: string | null;
  /** The source of each value. */
  sources: { dataDir: ConfigSource; actor: ConfigSource };
}

/** Options for {@linkcode loadConfig}. */
export interface LoadConfigOptions {
  /** The working directory. Default: `process.cwd()`. */
  cwd?: string;
  /** Environment variables. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** `--data-dir`, when given. */
  dataDir?: string;
  /** `--actor`, when given. */
  actor?: string;
}

/**
 * Resolves the effective configuration. The data folder comes from
 * `--data-dir`, then `LABOS_DATA_DIR`, then `dataDir` in `./labos.jsonc`,
 * then `./data`. The actor comes from `--actor`, then `LABOS_ACTOR`, then the
 * OS user.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./mod.ts";
 * const config = loadConfig({ cwd: "/tmp", env: {}, dataDir: "lab" });
 * console.assert(config.dataDir === "/tmp/lab" && config.sources.dataDir === "flag");
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): LabosConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const configPath = path.join(cwd, CONFIG_FILE);
  const file = fs.existsSync(configPath) ? readConfigFile(configPath) : undefined;

  let dataDir = path.resolve(cwd, "data");
  let dataDirSource: ConfigSource = "default";
  if (options.dataDir) {
    [dataDir, dataDirSource] = [path.resolve(cwd, options.dataDir), "flag"];
  } else if (env.LABOS_DATA_DIR) {
    [dataDir, dataDirSource] = [path.resolve(cwd, env.LABOS_DATA_DIR), "env"];
  } else if (file?.dataDir) {
    [dataDir, dataDirSource] = [path.resolve(cwd, file.dataDir), "file"];
  }

  let actor = osUser();
  let actorSource: ConfigSource = "default";
  if (options.actor !== undefined) [actor, actorSource] = [options.actor, "flag"];
  else if (env.LABOS_ACTOR) [actor, actorSource] = [env.LABOS_ACTOR, "env"];
  if (!/^\S(.{0,198}\S)?$/.test(actor)) {
    throw new LabosError(
      "invalid",
      `Invalid actor ${
        JSON.stringify(actor)
      } from ${actorSource}: expected 1 to 200 characters, not blank at either end`,
    );
  }

  return {
    dataDir,
    actor,
    configFile: file ? configPath : null,
    sources: { dataDir: dataDirSource, actor: actorSource },
  };
}

/**
 * Reads and validates a `labos.jsonc` file. Syntax errors name the line and
 * column; schema errors name the field.
 *
 * @example
 * ```ts
 * import { readConfigFile } from "./mod.ts";
 * import { writeFileSync } from "node:fs";
 * writeFileSync("/tmp/labos-example.jsonc", '{ "dataDir": "lab" } // comment');
 * console.assert(readConfigFile("/tmp/labos-example.jsonc").dataDir === "lab");
 * ```
 */
export function readConfigFile(file: string): ConfigFile {
  const text = fs.readFileSync(file, "utf8");
  const errors: ParseError[] = [];
  const value = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const { line, column } = lineAndColumn(text, errors[0].offset);
    throw new LabosError(
      "invalid",
      `Cannot read ${file}: line ${line}, column ${column}: ${
        describeJsoncError(printParseErrorCode(errors[0].error))
      }`,
    );
  }
  const result = ConfigFileSchema.safeParse(value);
  if (!result.success) {
    const issues = toFieldIssues(result.error, value);
    throw new LabosError("invalid", `Invalid ${file}: ${formatIssues(issues)}`, { issues });
  }
  return result.data;
}

function describeJsoncError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase().replace(
    /^./,
    (c) => c.toUpperCase(),
  );
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

function osUser(): string {
  try {
    return userInfo().username || "unknown";
  } catch {
    return "unknown";
  }
}
