import type { Command } from "commander";
import type { LabosConfig } from "../config/mod.ts";
import type { ModuleRegistry } from "../modules/registry.ts";
import type { PluginReport } from "../plugins/mod.ts";
import type { Lab } from "../service/mod.ts";
import type { CliIo } from "./_format.ts";

/** Commands that never open the data folder through the setup, so load no plugins. */
const NO_LAB_COMMANDS = new Set(["new", "demo", "trust"]);

/**
 * Commands that use no module: they load neither the configured plugins nor
 * any module code. Every other command loads them before it runs.
 */
const NO_MODULE_COMMANDS = new Set([
  "init",
  "status",
  "doctor",
  "sign",
  "signatures list",
  "audit verify",
  "audit head",
  "audit list",
  "audit export",
  "export",
  "import-archive",
  "migrate",
  "import",
  "attach",
  "experiments list",
  "experiments show",
  "experiments transition",
  "jobs list",
  "jobs show",
  "datasets list",
  "datasets show",
  "datasets lineage",
  "users add",
  "users list",
  "users passwd",
  "users disable",
  "users token",
]);

/**
 * Loads the configuration once per CLI run and, for the commands that use
 * modules, the built-in modules and plugins, before the command's action
 * (plugin loading is asynchronous); then opens the data folder with them.
 * Everything is imported on demand, so a command loads only what it uses.
 */
export class LabSetup {
  readonly #io: CliIo;
  #registry: ModuleRegistry | undefined;
  #report: PluginReport = { loaded: [], skipped: [], warnings: [] };
  #warned = false;
  readonly #opened: Lab[] = [];

  /** A setup for one CLI run. */
  constructor(io: CliIo) {
    this.#io = io;
  }

  /** What loading the plugins found. */
  get report(): PluginReport {
    return this.#report;
  }

  /** Loads the modules and plugins the configuration lists and prints a warning for each one skipped. */
  async prepare(command: Command): Promise<void> {
    if (!usesModules(command)) return;
    let config: LabosConfig;
    try {
      config = await this.config(command);
    } catch {
      return; // The command reports the configuration error itself.
    }
    const { loadModuleRegistry } = await import("../plugins/mod.ts");
    const { registry, report } = await loadModuleRegistry(config);
    this.#registry = registry;
    this.#report = report;
    for (const warning of report.warnings) this.#io.stderr(`warning: ${warning}\n`);
  }

  /** The effective configuration for the global flags. */
  async config(command: Command): Promise<LabosConfig> {
    const options = command.optsWithGlobals() as {
      dataDir?: string;
      actor?: string;
      config?: string;
      store?: string;
    };
    const { loadConfig } = await import("../config/mod.ts");
    const config = loadConfig({
      cwd: this.#io.cwd,
      env: this.#io.env,
      dataDir: options.dataDir,
      actor: options.actor,
      configFile: options.config,
      store: options.store,
    });
    if (config.sources.store === "flag" && !this.#warned) {
      const { hasPassword } = await import("../storage/store_url.ts");
      if (hasPassword(config.store ?? "")) {
        this.#warned = true;
        this.#io.stderr(
          'warning: the --store URL holds a password, which other users of this computer can read in the process list; put it in PGPASSFILE, LABOS_STORE or "store" in labos.jsonc instead\n',
        );
      }
    }
    return config;
  }

  /** Closes every lab this setup opened (the store's connections), so the process can exit. */
  async close(): Promise<void> {
    for (const lab of this.#opened.splice(0)) await lab.close();
  }

  /**
   * Opens the data folder with the configured modules and templates. A
   * command that uses no module gets the service's defaults, which it never
   * consults, and loads neither.
   */
  async lab(command: Command): Promise<Lab> {
    const config = await this.config(command);
    const { displayOptions, openLab } = await import("../service/mod.ts");
    const options = {
      dataDir: config.dataDir,
      store: config.store,
      storeOptions: { poolMax: config.storePoolMax },
      actor: config.actor,
      datasetLimits: config.datasetLimits,
      sessionHours: config.sessionHours,
      attachmentMaxBytes: config.attachmentMaxBytes,
      display: displayOptions(config),
    };
    let lab: Lab;
    if (this.#registry === undefined) {
      lab = openLab(options);
    } else {
      const { TemplateCatalog } = await import("../templates/mod.ts");
      lab = openLab({
        ...options,
        modules: this.#registry,
        templates: new TemplateCatalog({ files: config.templates }),
      });
    }
    this.#opened.push(lab);
    return lab;
  }
}

/** Whether a command runs, lists or checks against modules, so needs them loaded first. */
function usesModules(command: Command): boolean {
  const path = commandPath(command);
  if (NO_LAB_COMMANDS.has(path[0])) return false;
  const name = path.join(" ");
  if (name === "experiments create") {
    return (command.opts() as { template?: string }).template !== undefined;
  }
  return !NO_MODULE_COMMANDS.has(name);
}

function commandPath(command: Command): string[] {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent; current = current.parent) {
    names.unshift(current.name());
  }
  return names;
}
