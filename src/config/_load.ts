import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseJsonc, type ParseError, printParseErrorCode } from "jsonc-parser";
import * as z from "zod";
import { REGISTRY_DEFAULTS_JSON } from "../../assets/mod.ts";
import { LabosError, quote } from "../errors.ts";
import { isPostgresUrl, redactPassword } from "../storage/store_url.ts";
import { formatIssues, lazy, toFieldIssues } from "../validation.ts";
import { isActorName, osUser, SETTING_VARIABLES as ENV } from "./_env.ts";
import { isConfigTrusted } from "./_trust.ts";

/** The name of the project configuration file, looked up in the working directory. */
export const CONFIG_FILE = "labos.jsonc";

/** Where a configuration value came from. */
export type ConfigSource = "default" | "file" | "env" | "flag";

/** The modes of the control panel: for students, for lab staff, for module builders. */
export const DISPLAY_MODES: readonly ["learner", "lab", "builder"] = ["learner", "lab", "builder"];

/** A control panel mode. */
export type DisplayMode = "learner" | "lab" | "builder";

/** How numbers, units and the control panel are shown. */
export interface DisplaySettings {
  /** The control panel's starting mode. */
  mode: DisplayMode;
  /** Significant figures for displayed numbers. */
  significantFigures: number;
  /** Fixed decimal places instead of significant figures, or null. */
  decimalPlaces: number | null;
  /** Preferred unit labels, by quantity, such as `{ "temperature": "°C" }`. */
  units: Record<string, string>;
}

/** Limits for executable plugins. */
export interface PluginLimits {
  /** Time limit of one run, in ms. */
  timeoutMs: number;
  /** The largest answer accepted on stdout, in bytes. */
  maxOutputBytes: number;
  /** How much of stderr a failed job keeps, in bytes. */
  maxStderrBytes: number;
}

/**
 * The built-in registry defaults, from the embedded `assets/defaults/registry.jsonc`.
 * They hold overrides only: every built-in module is enabled unless listed in
 * `modules.disabled`.
 */
export interface RegistryDefaults {
  /** The modules left out by default (normally none). */
  modules: { disabled: string[] };
  /** Limits for executable plugins. */
  plugins: PluginLimits;
  /** Display settings. */
  display: DisplaySettings;
}

/** One plugin listed in `labos.jsonc`. */
export interface PluginEntry {
  /** The entry as written: a path relative to the config file, or a package specifier. */
  spec: string;
  /** The absolute path, or null for a package specifier such as `npm:labos-module-x`. */
  path: string | null;
  /** A time limit for an executable plugin, overriding its manifest. */
  timeoutMs?: number;
  /** A stdout limit for an executable plugin, in bytes. */
  maxOutputBytes?: number;
}

const MODULE_KEY_PATTERN = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/;
// The schemas are built on first use (see lazy): most runs have no labos.jsonc to check.
const MODULE_KEY = lazy(() =>
  z.string()
    .refine((key) => MODULE_KEY_PATTERN.test(key), 'must look like "domain.name"')
    .meta({ pattern: MODULE_KEY_PATTERN.source })
);
const UNITS = lazy(() => z.record(z.string().min(1), z.string().min(1).max(40)));

const registryDefaultsSchema = lazy(() =>
  z.strictObject({
    $schema: z.string().optional(),
    modules: z.strictObject({ disabled: z.array(MODULE_KEY()) }),
    plugins: z.strictObject({
      timeoutMs: z.int().min(1),
      maxOutputBytes: z.int().min(1),
      maxStderrBytes: z.int().min(0),
    }),
    display: z.strictObject({
      mode: z.enum(DISPLAY_MODES),
      significantFigures: z.int().min(1).max(15),
      decimalPlaces: z.int().min(0).max(12).nullable(),
      units: UNITS(),
    }),
  })
);

function buildConfigFileSchema() {
  return z.strictObject({
    $schema: z.string().optional(),
    dataDir: z.string().min(1).optional().describe(
      "The data folder, relative to this file. Default: ./data",
    ),
    store: z.string().min(1).optional().describe(
      "The store: a postgres:// or postgresql:// URL selects a PostgreSQL database instead of the data folder",
    ),
    storePoolMax: z.int().min(2).max(1000).optional().describe(
      "The most connections to the PostgreSQL store per LabOS process. Default: 10",
    ),
    templates: z.array(z.string().min(1)).optional().describe(
      "The lab's own experiment templates: JSONC files, relative to this file",
    ),
    plugins: z.array(
      z.union([
        z.string().min(1),
        z.strictObject({
          path: z.string().min(1).describe("The plugin, as in the short form"),
          timeoutMs: z.int().min(1).max(3_600_000).optional().describe(
            "Time limit of one run of an executable plugin, in ms",
          ),
          maxOutputBytes: z.int().min(1).max(1_073_741_824).optional().describe(
            "The largest answer accepted from an executable plugin, in bytes",
          ),
        }),
      ]),
    ).optional().describe(
      "Plugins: a module file (.ts, .js, .mjs), a folder or labos-module.json manifest (paths relative to this file), or a package such as npm:labos-module-x",
    ),
    modules: z.strictObject({
      enabled: z.array(MODULE_KEY()).optional().describe(
        "The built-in modules to enable, replacing the default list",
      ),
      disabled: z.array(MODULE_KEY()).optional().describe(
        "Modules to leave out, built-in or from plugins",
      ),
    }).optional(),
    display: z.strictObject({
      mode: z.enum(DISPLAY_MODES).optional().describe("The control panel's starting mode"),
      significantFigures: z.int().min(1).max(15).optional().describe(
        "Significant figures for displayed numbers. Default: 4",
      ),
      decimalPlaces: z.int().min(0).max(12).nullable().optional().describe(
        "Fixed decimal places instead of significant figures; null for significant figures",
      ),
      units: UNITS().optional().describe(
        'Preferred unit labels by quantity, merged over the defaults, e.g. { "temperature": "K" }',
      ),
    }).optional(),
    limits: z.strictObject({
      datasetBytes: z.int().min(1).max(256 * 1024 * 1024).optional().describe(
        "The largest CSV file imported as a dataset, in bytes; the panel's upload limit follows. Default: 67108864 (64 MiB)",
      ),
      datasetCells: z.int().min(1).max(100_000_000).optional().describe(
        "The most cells (columns × rows) of an imported table. Default: 20000000",
      ),
    }).optional(),
    attachments: z.strictObject({
      maxBytes: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional().describe(
        "The largest file attached to an experiment, in bytes (LABOS_ATTACHMENT_MAX_BYTES overrides it). Default: 104857600 (100 MiB)",
      ),
    }).optional(),
    server: z.strictObject({
      sessionHours: z.number().min(0.05).max(720).optional().describe(
        "How long a login session of the control panel lasts, in hours. Default: 12",
      ),
    }).optional(),
  });
}

/** The zod schema of `labos.jsonc`. */
export type ConfigFileSchema = ReturnType<typeof buildConfigFileSchema>;

/**
 * The schema of `labos.jsonc`, built on first use.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configFileSchema } from "./mod.ts";
 * assert.equal(configFileSchema().safeParse({ dataDir: "" }).success, false);
 * ```
 */
export const configFileSchema: () => ConfigFileSchema = lazy(buildConfigFileSchema);

/** The content of `labos.jsonc`. */
export type ConfigFile = z.infer<ConfigFileSchema>;

/** Where each setting came from, by dotted setting name. */
export interface ConfigSources {
  /** Source of `dataDir`. */
  dataDir: ConfigSource;
  /** Source of `actor`. */
  actor: ConfigSource;
  /** Source of `store`: `default` when the data folder is used. */
  store: ConfigSource;
  /** Source of any other setting, such as `display.mode` or `display.units.temperature`. */
  [setting: string]: ConfigSource;
}

/** The effective configuration and where each value came from. */
export interface LabosConfig {
  /** The absolute data folder. */
  dataDir: string;
  /** Who is acting, recorded in every audit event. */
  actor: string;
  /**
   * The PostgreSQL store's URL (`postgres://…`), password included, or
   * undefined for the data folder. Show it only through `redactPassword`.
   */
  store?: string;
  /** The PostgreSQL connection pool's size, when set (`storePoolMax`, `LABOS_STORE_POOL_MAX`). */
  storePoolMax?: number;
  /** The config file that was read, if any. */
  configFile: string | null;
  /**
   * Whether the config file may name code to load: true with no file, for a
   * file given with `--config`, and for one the user trusted (`labos trust`)
   * with these exact bytes. The plugins of an untrusted file are skipped.
   */
  trusted: boolean;
  /** The source of each value. */
  sources: ConfigSources;
  /** The lab's own template files, absolute. */
  templates: string[];
  /** The plugins to load, in order. */
  plugins: PluginEntry[];
  /**
   * Which modules are enabled: `enabled` lists the built-in modules to use,
   * or is null for every built-in module (the default); `disabled` leaves
   * modules out, built-in or from plugins.
   */
  modules: { enabled: string[] | null; disabled: string[] };
  /** Display settings. */
  display: DisplaySettings;
  /** Limits for executable plugins. */
  pluginLimits: PluginLimits;
  /** The dataset size limits set in the file; unset ones take the service's defaults. */
  datasetLimits: { maxBytes?: number; maxCells?: number };
  /** How long a login session lasts, in hours, when the file sets it (`server.sessionHours`). */
  sessionHours?: number;
  /**
   * The largest attached file, in bytes, when set: `LABOS_ATTACHMENT_MAX_BYTES`,
   * then `attachments.maxBytes` in the file; unset takes the service's default (100 MiB).
   */
  attachmentMaxBytes?: number;
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
  /** `--store`, when given. */
  store?: string;
  /** `--config`, when given: a config file the user named, so trusts. */
  configFile?: string;
}

/**
 * Resolves the effective configuration. The data folder comes from
 * `--data-dir`, then `LABOS_DATA_DIR`, then `dataDir` in `./labos.jsonc`,
 * then `./data`. The store comes from `--store`, then `LABOS_STORE`, then
 * `store` in the file; without one the data folder is the store. The actor
 * comes from `--actor`, then `LABOS_ACTOR`, then the OS user.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "./mod.ts";
 * const config = loadConfig({ cwd: "/tmp", env: {}, dataDir: "lab" });
 * assert.equal(config.dataDir, "/tmp/lab");
 * assert.equal(config.sources.dataDir, "flag");
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): LabosConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const explicit = options.configFile !== undefined;
  const configPath = explicit
    ? path.resolve(cwd, options.configFile as string)
    : path.join(cwd, CONFIG_FILE);
  if (explicit && !fs.existsSync(configPath)) {
    throw new LabosError(
      "invalid",
      `Invalid --config ${quote(options.configFile)}: expected an existing labos.jsonc file`,
    );
  }
  const bytes = fs.existsSync(configPath) ? fs.readFileSync(configPath) : undefined;
  const file = bytes === undefined
    ? undefined
    : parseConfigText(bytes.toString("utf8"), configPath);
  const trusted = bytes === undefined || explicit || isConfigTrusted(configPath, { bytes, env });
  const baseDir = explicit ? path.dirname(configPath) : cwd;

  const envDataDir = env[ENV.dataDir];
  const envActor = env[ENV.actor];
  let dataDir = path.resolve(cwd, "data");
  let dataDirSource: ConfigSource = "default";
  if (options.dataDir) {
    [dataDir, dataDirSource] = [path.resolve(cwd, options.dataDir), "flag"];
  } else if (envDataDir) {
    [dataDir, dataDirSource] = [path.resolve(cwd, envDataDir), "env"];
  } else if (file?.dataDir) {
    [dataDir, dataDirSource] = [path.resolve(baseDir, file.dataDir), "file"];
  }

  const store = storeSetting(options.store, env[ENV.store], file?.store, configPath);
  const poolMax = poolSetting(env[ENV.storePoolMax], file?.storePoolMax);

  let actor = osUser();
  let actorSource: ConfigSource = "default";
  if (options.actor !== undefined) [actor, actorSource] = [options.actor, "flag"];
  else if (envActor) [actor, actorSource] = [envActor, "env"];
  if (!isActorName(actor)) {
    throw new LabosError(
      "invalid",
      `Invalid actor ${
        JSON.stringify(actor)
      } from ${actorSource}: expected 1 to 200 characters, not blank at either end`,
    );
  }

  const settings = labSettings(file, baseDir, {
    dataDir: dataDirSource,
    actor: actorSource,
    store: store?.source ?? "default",
  });
  settings.sources.storePoolMax = poolMax?.source ?? "default";
  const envMax = env[ENV.attachmentMaxBytes];
  if (envMax !== undefined && envMax !== "") {
    if (!/^[1-9][0-9]{0,15}$/.test(envMax) || !Number.isSafeInteger(Number(envMax))) {
      throw new LabosError(
        "invalid",
        `Invalid LABOS_ATTACHMENT_MAX_BYTES: expected a whole number of bytes, at least 1: current value is ${
          quote(envMax)
        }`,
      );
    }
    settings.attachmentMaxBytes = Number(envMax);
    settings.sources["attachments.maxBytes"] = "env";
  }
  return {
    dataDir,
    actor,
    ...(store ? { store: store.url } : {}),
    ...(poolMax ? { storePoolMax: poolMax.value } : {}),
    configFile: file ? configPath : null,
    trusted,
    ...settings,
  };
}

/** The store URL from `--store`, `LABOS_STORE` or the file, checked; undefined for the data folder. */
function storeSetting(
  flag: string | undefined,
  env: string | undefined,
  file: string | undefined,
  configPath: string,
): { url: string; source: ConfigSource } | undefined {
  const [url, source, name] = flag !== undefined
    ? [flag, "flag" as const, "--store"]
    : env
    ? [env, "env" as const, "LABOS_STORE"]
    : file !== undefined
    ? [file, "file" as const, `"store" in ${configPath}`]
    : [undefined, "default" as const, ""];
  if (url === undefined) return undefined;
  let valid = isPostgresUrl(url);
  try {
    if (valid) new URL(url);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new LabosError(
      "invalid",
      `Invalid ${name} ${
        quote(redactPassword(url))
      }: expected a postgres:// or postgresql:// URL (leave it out to use the data folder)`,
    );
  }
  return { url, source };
}

/** The pool size from `LABOS_STORE_POOL_MAX` or `storePoolMax` in the file, checked. */
function poolSetting(
  env: string | undefined,
  file: number | undefined,
): { value: number; source: ConfigSource } | undefined {
  if (env) {
    const value = Number(env);
    if (!/^\d{1,4}$/.test(env) || value < 2 || value > 1000) {
      throw new LabosError(
        "invalid",
        `Invalid LABOS_STORE_POOL_MAX ${quote(env)}: expected a whole number from 2 to 1000`,
      );
    }
    return { value, source: "env" };
  }
  return file === undefined ? undefined : { value: file, source: "file" };
}

function labSettings(
  file: ConfigFile | undefined,
  baseDir: string,
  sources: ConfigSources,
): Omit<LabosConfig, "dataDir" | "actor" | "configFile" | "trusted"> {
  const defaults = registryDefaults();
  const from = (value: unknown): ConfigSource => value === undefined ? "default" : "file";
  const display = file?.display ?? {};
  const units = { ...defaults.display.units, ...display.units };
  const all: ConfigSources = {
    ...sources,
    templates: from(file?.templates),
    plugins: from(file?.plugins),
    "modules.enabled": from(file?.modules?.enabled),
    "modules.disabled": from(file?.modules?.disabled),
    "display.mode": from(display.mode),
    "display.significantFigures": from(display.significantFigures),
    "display.decimalPlaces": from(display.decimalPlaces),
    "limits.datasetBytes": from(file?.limits?.datasetBytes),
    "limits.datasetCells": from(file?.limits?.datasetCells),
    "server.sessionHours": from(file?.server?.sessionHours),
    "attachments.maxBytes": from(file?.attachments?.maxBytes),
  };
  for (const quantity of Object.keys(units)) {
    all[`display.units.${quantity}`] = from(display.units?.[quantity]);
  }
  return {
    sources: all,
    templates: (file?.templates ?? []).map((template) => path.resolve(baseDir, template)),
    plugins: (file?.plugins ?? []).map((entry) => {
      const { path: spec, ...limits } = typeof entry === "string" ? { path: entry } : entry;
      return { spec, path: isPathSpec(spec) ? resolvePath(baseDir, spec) : null, ...limits };
    }),
    modules: {
      enabled: file?.modules?.enabled ?? null,
      disabled: file?.modules?.disabled ?? defaults.modules.disabled,
    },
    display: {
      mode: display.mode ?? defaults.display.mode,
      significantFigures: display.significantFigures ?? defaults.display.significantFigures,
      decimalPlaces: display.decimalPlaces === undefined
        ? defaults.display.decimalPlaces
        : display.decimalPlaces,
      units,
    },
    pluginLimits: { ...defaults.plugins },
    datasetLimits: {
      ...(file?.limits?.datasetBytes === undefined ? {} : { maxBytes: file.limits.datasetBytes }),
      ...(file?.limits?.datasetCells === undefined ? {} : { maxCells: file.limits.datasetCells }),
    },
    ...(file?.server?.sessionHours === undefined ? {} : { sessionHours: file.server.sessionHours }),
    ...(file?.attachments?.maxBytes === undefined
      ? {}
      : { attachmentMaxBytes: file.attachments.maxBytes }),
  };
}

function isPathSpec(spec: string): boolean {
  return /^(\.{1,2}[\\/]|[\\/]|file:|[A-Za-z]:[\\/])/.test(spec) || spec === "." || spec === "..";
}

function resolvePath(baseDir: string, spec: string): string {
  return spec.startsWith("file:") ? fileURLToPath(spec) : path.resolve(baseDir, spec);
}

/**
 * The built-in registry defaults: the modules left out by default, the
 * limits for executable plugins and the display settings, from the embedded
 * `assets/defaults/registry.jsonc`. The embedded text is checked against the
 * schema when it is embedded (`deno task embed`) and by a test, not at every
 * start-up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { registryDefaults } from "./mod.ts";
 * assert.equal(registryDefaults().display.mode, "learner");
 * assert.deepEqual(registryDefaults().modules, { disabled: [] });
 * ```
 */
export function registryDefaults(): RegistryDefaults {
  // Parsed from JSONC when embedded (`deno task embed`); a fresh copy each call.
  return JSON.parse(REGISTRY_DEFAULTS_JSON) as RegistryDefaults;
}

const REGISTRY_DEFAULTS_FILE = "assets/defaults/registry.jsonc";

/**
 * Checks the text of `assets/defaults/registry.jsonc` against its schema; an
 * invalid one is an `internal` LabosError naming the field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readAsset } from "../../assets/mod.ts";
 * import { checkRegistryDefaults } from "./mod.ts";
 * assert.deepEqual(checkRegistryDefaults(readAsset("defaults/registry.jsonc")).modules.disabled, []);
 * assert.throws(() => checkRegistryDefaults('{ "modules": { "enabled": [] } }'), /Invalid/);
 * ```
 */
export function checkRegistryDefaults(text: string): RegistryDefaults {
  const value = parseJsoncText(text, REGISTRY_DEFAULTS_FILE);
  const result = registryDefaultsSchema().safeParse(value);
  if (!result.success) {
    const issues = toFieldIssues(result.error, value, { schema: registryDefaultsSchema() });
    throw new LabosError("internal", `Invalid ${REGISTRY_DEFAULTS_FILE}: ${formatIssues(issues)}`, {
      issues,
    });
  }
  const { $schema: _, ...defaults } = result.data;
  return defaults;
}

/**
 * Reads and validates a `labos.jsonc` file. Syntax errors name the line and
 * column; schema errors name the field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileSync } from "node:fs";
 * import { readConfigFile } from "./mod.ts";
 * writeFileSync("/tmp/labos-example.jsonc", '{ "dataDir": "lab" } // comment');
 * assert.equal(readConfigFile("/tmp/labos-example.jsonc").dataDir, "lab");
 * ```
 */
export function readConfigFile(file: string): ConfigFile {
  return parseConfigText(fs.readFileSync(file, "utf8"), file);
}

function parseConfigText(text: string, file: string): ConfigFile {
  const value = parseJsoncText(text, file);
  const schema = configFileSchema();
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = toFieldIssues(result.error, value, { schema });
    throw new LabosError("invalid", `Invalid ${file}: ${formatIssues(issues)}`, { issues });
  }
  return result.data;
}

/**
 * Parses JSONC text (comments and trailing commas allowed). A syntax error is
 * an `invalid` LabosError naming the file, line and column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseJsoncText } from "./mod.ts";
 * const value = parseJsoncText('{ "a": 1, } // note', "example.jsonc") as { a: number };
 * assert.equal(value.a, 1);
 * ```
 */
export function parseJsoncText(text: string, file: string): unknown {
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
  return value;
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
