import type { Command } from "commander";
import { type LabosConfig, loadConfig } from "../config/mod.ts";
import type { ModuleRegistry } from "../modules/mod.ts";
import { builtinModuleRegistry, loadModuleRegistry, type PluginReport } from "../plugins/mod.ts";
import { type Lab, openLab } from "../service/mod.ts";
import { TemplateCatalog } from "../templates/mod.ts";
import type { CliContext } from "./_context.ts";
import { type CliIo, table } from "./_format.ts";

/** Commands that never open the data folder, so load no plugins. */
const NO_LAB_COMMANDS = new Set(["new", "demo"]);

/**
 * Loads the configuration and its plugins once per CLI run, before the
 * command's action (plugin loading is asynchronous, `lab()` is not), and
 * opens the data folder with them.
 */
export class LabSetup {
  readonly #io: CliIo;
  #registry: ModuleRegistry | undefined;
  #report: PluginReport = { loaded: [], skipped: [], warnings: [] };

  /** A setup for one CLI run. */
  constructor(io: CliIo) {
    this.#io = io;
  }

  /** What loading the plugins found. */
  get report(): PluginReport {
    return this.#report;
  }

  /** Loads the plugins the configuration lists and prints a warning for each one skipped. */
  async prepare(command: Command): Promise<void> {
    if (NO_LAB_COMMANDS.has(commandPath(command)[0])) return;
    let config: LabosConfig;
    try {
      config = this.config(command);
    } catch {
      return; // The command reports the configuration error itself.
    }
    const { registry, report } = await loadModuleRegistry(config);
    this.#registry = registry;
    this.#report = report;
    for (const warning of report.warnings) this.#io.stderr(`warning: ${warning}\n`);
  }

  /** The effective configuration for the global flags. */
  config(command: Command): LabosConfig {
    const options = command.optsWithGlobals() as { dataDir?: string; actor?: string };
    return loadConfig({
      cwd: this.#io.cwd,
      env: this.#io.env,
      dataDir: options.dataDir,
      actor: options.actor,
    });
  }

  /** Opens the data folder with the configured modules and templates. */
  lab(command: Command): Lab {
    const config = this.config(command);
    return openLab({
      dataDir: config.dataDir,
      actor: config.actor,
      modules: this.#registry ?? builtinModuleRegistry(config),
      templates: new TemplateCatalog({ files: config.templates }),
    });
  }
}

function commandPath(command: Command): string[] {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent; current = current.parent) {
    names.unshift(current.name());
  }
  return names;
}

/** One row of `labos config show`. */
interface SettingRow {
  key: string;
  value: unknown;
  source: string;
}

function settingRows(config: LabosConfig): SettingRow[] {
  const values: Record<string, unknown> = {
    dataDir: config.dataDir,
    actor: config.actor,
    templates: config.templates,
    plugins: config.plugins.map((plugin) => plugin.spec),
    "modules.enabled": config.modules.enabled,
    "modules.disabled": config.modules.disabled,
    "display.mode": config.display.mode,
    "display.significantFigures": config.display.significantFigures,
    "display.decimalPlaces": config.display.decimalPlaces,
    ...Object.fromEntries(
      Object.entries(config.display.units).map(([quantity, unit]) => [
        `display.units.${quantity}`,
        unit,
      ]),
    ),
  };
  const rows = Object.entries(values).map(([key, value]) => ({
    key,
    value,
    source: config.sources[key] ?? "default",
  }));
  for (const [limit, value] of Object.entries(config.pluginLimits)) {
    rows.push({ key: `plugins.${limit}`, value, source: "default" });
  }
  return rows;
}

function showValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? "-" : value.join(", ");
  return value === null ? "-" : String(value);
}

/** `labos config show`. */
export function registerConfigCommands(program: Command, cli: CliContext, setup: LabSetup): void {
  const config = program.command("config").description("inspect the effective configuration");

  config.command("show")
    .description("print every setting, its value and where it came from")
    .action((_options, command: Command) => {
      const effective = setup.config(command);
      const rows = settingRows(effective);
      const { report } = setup;
      cli.emit(
        command,
        { configFile: effective.configFile, settings: rows, plugins: report },
        () => {
          const lines = [
            `config file  ${effective.configFile ?? "none (built-in defaults)"}`,
            "",
            table(
              ["SETTING", "SOURCE", "VALUE"],
              rows.map((row) => [row.key, row.source, showValue(row.value)]),
            ).trimEnd(),
          ];
          if (report.loaded.length > 0 || report.skipped.length > 0) {
            lines.push("", "Plugins");
            for (const plugin of report.loaded) {
              const modules = plugin.modules.map((m) =>
                `${m.key}@${m.version}${m.enabled ? "" : " (disabled)"}`
              ).join(", ");
              lines.push(`  ${plugin.spec}  ${plugin.kind}  ${modules}  (${plugin.source})`);
            }
            for (const problem of report.skipped) {
              lines.push(`  ${problem.spec}  skipped: ${problem.message}`);
            }
          }
          return `${lines.join("\n")}\n`;
        },
      );
    });
}
