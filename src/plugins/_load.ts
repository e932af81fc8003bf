import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import type { LabosConfig, PluginEntry } from "../config/mod.ts";
import { LabosError, quote } from "../errors.ts";
import { loadBuiltinModules } from "../modules/catalog.ts";
import { type LabModule, ModuleError } from "../modules/contract.ts";
import { moduleInfo, ModuleRegistry } from "../modules/registry.ts";
import type { Lab } from "../service/mod.ts";
import { executableModule } from "./_executable.ts";
import { apiProblem, MANIFEST_FILE, readManifest } from "./_manifest.ts";

/** A plugin that was loaded. */
export interface LoadedPlugin {
  /** The entry as written in `labos.jsonc`. */
  spec: string;
  /** What jobs record as `moduleSource`: the absolute path, or the package specifier. */
  source: string;
  /** `module` for an in-process ES module, `executable` for a spawned program. */
  kind: "module" | "executable";
  /** The modules it provides, and whether each is enabled. */
  modules: Array<{ key: string; version: string; enabled: boolean }>;
}

/** A plugin, or one of its modules, that was skipped, and why. */
export interface PluginProblem {
  /** The entry as written in `labos.jsonc`. */
  spec: string;
  /** Why it was skipped, in one line. */
  message: string;
}

/** What loading the configured modules found. */
export interface PluginReport {
  /** The plugins that were loaded. */
  loaded: LoadedPlugin[];
  /** The plugins or modules that were skipped. */
  skipped: PluginProblem[];
  /** One-line warnings for stderr, such as `plugin "./x.ts" skipped: …`. */
  warnings: string[];
}

/**
 * Builds the module registry a configuration asks for: the enabled built-in
 * modules, then each plugin in order. Problems never throw: they are
 * reported, and the plugin is left out. The plugins of a config file the user
 * has not trusted (`trusted: false`) are all skipped with one warning. The
 * built-in modules and the plugins are imported here, on demand.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "../config/mod.ts";
 * import { loadModuleRegistry } from "./mod.ts";
 * const { registry, report } = await loadModuleRegistry(loadConfig({ cwd: "/tmp", env: {} }));
 * assert.ok(registry.list().some((entry) => entry.module.key === "thermo.calorimetry"));
 * assert.deepEqual(report.warnings, []);
 * ```
 */
export async function loadModuleRegistry(
  config:
    & Pick<LabosConfig, "modules" | "plugins" | "pluginLimits">
    & Partial<Pick<LabosConfig, "trusted" | "configFile">>,
): Promise<{ registry: ModuleRegistry; report: PluginReport }> {
  const report: PluginReport = { loaded: [], skipped: [], warnings: [] };
  const registry = await builtinModuleRegistry(config, report.warnings);
  const disabled = new Set(config.modules.disabled);
  const seen = new Set(
    config.modules.enabled ?? (await loadBuiltinModules()).map((module) => module.key),
  );
  const plugins = config.trusted === false ? [] : config.plugins;
  if (config.trusted === false && config.plugins.length > 0) {
    const file = config.configFile ?? "labos.jsonc";
    const message = `${quote(file)} is not trusted; review it, then run "labos trust"`;
    for (const entry of config.plugins) report.skipped.push({ spec: entry.spec, message });
    report.warnings.push(
      `${config.plugins.length} plugin(s) skipped: ${message} to load its plugins`,
    );
    // Modules the skipped plugins would provide are not "unknown" in modules.disabled.
    for (const key of config.modules.disabled) seen.add(key);
  }
  for (const entry of plugins) {
    let loaded: { source: string; kind: LoadedPlugin["kind"]; modules: LabModule[] };
    try {
      loaded = await loadPlugin(entry, config.pluginLimits);
    } catch (error) {
      skip(report, entry.spec, error);
      continue;
    }
    const plugin: LoadedPlugin = {
      spec: entry.spec,
      source: loaded.source,
      kind: loaded.kind,
      modules: [],
    };
    for (const module of loaded.modules) {
      const enabled = !disabled.has(module.key);
      try {
        if (enabled) {
          new ModuleRegistry().register(module, { source: loaded.source });
          describable(module);
          registry.register(module, { source: loaded.source });
        }
        seen.add(module.key);
        plugin.modules.push({ key: module.key, version: module.version, enabled });
      } catch (error) {
        skip(report, entry.spec, error);
      }
    }
    if (plugin.modules.length > 0) report.loaded.push(plugin);
  }
  for (const key of disabled) {
    if (!seen.has(key)) report.warnings.push(`modules.disabled names unknown module ${quote(key)}`);
  }
  return { registry, report };
}

/**
 * A registry of the built-in modules a configuration enables (no plugins):
 * every built-in module unless `modules.enabled` lists some, less
 * `modules.disabled`; unknown keys in `modules.enabled` add a warning. The
 * built-in modules are imported on the first call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { builtinModuleRegistry } from "./mod.ts";
 * const registry = await builtinModuleRegistry({
 *   modules: { enabled: ["thermo.calorimetry", "kinetics.arrhenius"], disabled: ["kinetics.arrhenius"] },
 * });
 * assert.equal(registry.list().length, 1);
 * ```
 */
export async function builtinModuleRegistry(
  config: Pick<LabosConfig, "modules">,
  warnings: string[] = [],
): Promise<ModuleRegistry> {
  const builtin = await loadBuiltinModules();
  const registry = new ModuleRegistry();
  const disabled = new Set(config.modules.disabled);
  for (const key of config.modules.enabled ?? builtin.map((module) => module.key)) {
    const module = builtin.find((candidate) => candidate.key === key);
    if (!module) warnings.push(`modules.enabled names unknown built-in module ${quote(key)}`);
    else if (!disabled.has(key)) registry.register(module);
  }
  return registry;
}

/**
 * Opens the data folder of a configuration with its modules (built-in and
 * plugins) and templates (built-in and the lab's own). Shared by the CLI and
 * the control panel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "../config/mod.ts";
 * import { openConfiguredLab } from "./mod.ts";
 * const config = loadConfig({ cwd: "/tmp", env: {}, dataDir: await Deno.makeTempDir() });
 * const { lab } = await openConfiguredLab(config);
 * assert.ok((await lab.listTemplates()).length >= 5);
 * ```
 */
export async function openConfiguredLab(
  config: LabosConfig,
  options: { now?: () => Date } = {},
): Promise<{ lab: Lab; report: PluginReport }> {
  const [{ registry, report }, { openLab }, { TemplateCatalog }] = await Promise.all([
    loadModuleRegistry(config),
    import("../service/mod.ts"),
    import("../templates/mod.ts"),
  ]);
  const lab = openLab({
    dataDir: config.dataDir,
    actor: config.actor,
    modules: registry,
    templates: new TemplateCatalog({ files: config.templates }),
    now: options.now,
  });
  return { lab, report };
}

/** `labos modules show` must be able to describe every module: its schemas must convert to JSON Schema. */
function describable(module: LabModule): void {
  try {
    moduleInfo({ module, source: "plugin" });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new LabosError(
      "invalid",
      `module ${
        quote(module?.key)
      } has a schema LabOS cannot describe (use zod 4 schemas): ${reason}`,
    );
  }
}

function skip(report: PluginReport, spec: string, error: unknown): void {
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
  report.skipped.push({ spec, message });
  report.warnings.push(`plugin ${quote(spec)} skipped: ${message}`);
}

async function loadPlugin(
  entry: PluginEntry,
  limits: LabosConfig["pluginLimits"],
): Promise<{ source: string; kind: LoadedPlugin["kind"]; modules: LabModule[] }> {
  if (entry.path === null) {
    const namespace = await importSpecifier(runtimeSpecifier(entry.spec), entry.spec);
    return { source: entry.spec, kind: "module", modules: modulesOf(namespace) };
  }
  const target = entry.path;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new LabosError("invalid", `nothing found at ${target}`);
  }
  const manifestFile = stat.isDirectory()
    ? path.join(target, MANIFEST_FILE)
    : path.basename(target) === MANIFEST_FILE
    ? target
    : undefined;
  if (manifestFile === undefined) {
    const namespace = await importFile(target);
    return { source: target, kind: "module", modules: modulesOf(namespace) };
  }
  if (!fs.existsSync(manifestFile)) {
    throw new LabosError("invalid", `the folder has no ${MANIFEST_FILE}`);
  }
  const manifest = readManifest(manifestFile);
  const problem = apiProblem(manifest.labosApi);
  if (problem) throw new LabosError("invalid", problem);
  const dir = path.dirname(manifestFile);
  if (manifest.command) {
    const module = executableModule(manifest, {
      dir,
      limits: {
        timeoutMs: entry.timeoutMs ?? manifest.timeoutMs ?? limits.timeoutMs,
        maxOutputBytes: entry.maxOutputBytes ?? limits.maxOutputBytes,
        maxStderrBytes: limits.maxStderrBytes,
      },
    });
    return { source: target, kind: "executable", modules: [module as LabModule] };
  }
  const modules = modulesOf(await importFile(entryInside(dir, manifest.entry ?? "")));
  const module = modules.find((candidate) => candidate.key === manifest.key);
  if (!module) {
    throw new LabosError(
      "invalid",
      `${manifest.entry} exports no module with key ${
        quote(manifest.key)
      } (the key in ${MANIFEST_FILE})`,
    );
  }
  if (module.version !== manifest.version) {
    throw new LabosError(
      "invalid",
      `module ${quote(module.key)} is version ${quote(module.version)} but ${MANIFEST_FILE} says ${
        quote(manifest.version)
      }`,
    );
  }
  return { source: target, kind: "module", modules: [module] };
}

/**
 * The entry of a manifest, which must be a file inside the plugin's folder
 * (after resolving symbolic links): provenance names the folder, so the code
 * must come from it.
 */
function entryInside(dir: string, entry: string): string {
  const file = path.resolve(dir, entry);
  const real = (target: string) => {
    try {
      return fs.realpathSync(target);
    } catch {
      return target;
    }
  };
  const relative = path.relative(real(dir), real(file));
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) {
    throw new LabosError(
      "invalid",
      `Invalid "entry" ${
        quote(entry)
      } in ${MANIFEST_FILE}: expected a file inside the plugin folder ${quote(dir)}`,
    );
  }
  return file;
}

async function importFile(file: string): Promise<Record<string, unknown>> {
  return await importSpecifier(pathToFileURL(file).href, file);
}

async function importSpecifier(
  specifier: string,
  label: string,
): Promise<Record<string, unknown>> {
  try {
    return await import(specifier);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === "ERR_UNKNOWN_FILE_EXTENSION"
      ? "this runtime cannot import TypeScript; use a .js or .mjs plugin"
      : (error as Error).message.split("\n")[0];
    throw new LabosError("invalid", `cannot import ${label}: ${hint}`);
  }
}

/** Node and bun resolve packages by name: `npm:name@range` becomes `name`. */
function runtimeSpecifier(spec: string): string {
  if (process.versions.deno || !spec.startsWith("npm:")) return spec;
  const match = /^npm:(@[^/@]+\/[^/@]+|[^/@]+)(?:@[^/]*)?(\/.*)?$/.exec(spec);
  return match ? `${match[1]}${match[2] ?? ""}` : spec.slice(4);
}

/**
 * The modules a plugin's ES module exports: its default export, `module` or
 * `modules`; each is checked against the contract (and its optional
 * `labosApi` export against this LabOS) before it is used.
 */
function modulesOf(namespace: Record<string, unknown>): LabModule[] {
  if (typeof namespace.labosApi === "string") {
    const problem = apiProblem(namespace.labosApi);
    if (problem) throw new LabosError("invalid", problem);
  }
  const found = new Set<unknown>();
  for (const value of [namespace.default, namespace.module, namespace.modules]) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined) found.add(item);
    }
  }
  if (found.size === 0) {
    throw new LabosError(
      "invalid",
      'it exports no module: expected a default export, "module" or a "modules" array',
    );
  }
  return [...found].map((value) => withLabosErrors(value as LabModule));
}

/**
 * A plugin that bundles its own copy of LabOS throws its own ModuleError
 * class; this makes such failures ordinary module failures.
 */
function withLabosErrors(module: LabModule): LabModule {
  if (module === null || typeof module !== "object" || typeof module.run !== "function") {
    return module;
  }
  const wrapped: LabModule = Object.create(module);
  wrapped.run = async (input, context) => {
    try {
      return await module.run(input, context);
    } catch (error) {
      if (
        error instanceof Error && !(error instanceof ModuleError) && error.name === "ModuleError"
      ) {
        throw new ModuleError(error.message);
      }
      throw error;
    }
  };
  return wrapped;
}
