import type { Command } from "commander";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { LabosError, quote } from "../errors.ts";
import { CONFIG_FILE, type LabosConfig, readConfigFile, trustConfigFile } from "../config/mod.ts";
import { loadBuiltinModules } from "../modules/catalog.ts";
import { redactPassword } from "../storage/store_url.ts";
import type { CliContext } from "./_context.ts";
import { table } from "./_format.ts";
import type { LabSetup } from "./_setup.ts";

/** One row of `labos config show`. */
interface SettingRow {
  key: string;
  value: unknown;
  source: string;
}

async function settingRows(config: LabosConfig): Promise<SettingRow[]> {
  const {
    DEFAULT_ACCOUNT_SETTINGS,
    DEFAULT_ATTACHMENT_MAX_BYTES,
    DEFAULT_DATASET_LIMITS,
    DEFAULT_STORE_POOL_MAX,
  } = await import("../service/mod.ts");
  const enabled = config.modules.enabled ??
    (await loadBuiltinModules()).map((module) => module.key);
  const values: Record<string, unknown> = {
    dataDir: config.dataDir,
    // Never the password: the URL shows "***" in its place.
    store: config.store === undefined ? null : redactPassword(config.store),
    storePoolMax: config.storePoolMax ?? DEFAULT_STORE_POOL_MAX,
    actor: config.actor,
    templates: config.templates,
    plugins: config.plugins.map((plugin) => plugin.spec),
    "modules.enabled": enabled,
    "modules.disabled": config.modules.disabled,
    "display.mode": config.display.mode,
    "display.significantFigures": config.display.significantFigures,
    "display.decimalPlaces": config.display.decimalPlaces,
    "limits.datasetBytes": config.datasetLimits.maxBytes ?? DEFAULT_DATASET_LIMITS.maxBytes,
    "limits.datasetCells": config.datasetLimits.maxCells ?? DEFAULT_DATASET_LIMITS.maxCells,
    "server.sessionHours": config.sessionHours ?? DEFAULT_ACCOUNT_SETTINGS.sessionHours,
    "attachments.maxBytes": config.attachmentMaxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES,
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

/** `labos config show`: every setting, its value and where it came from. */
export async function showConfig(
  cli: CliContext,
  setup: LabSetup,
  command: Command,
): Promise<void> {
  const effective = await setup.config(command);
  const rows = await settingRows(effective);
  const { report } = setup;
  cli.emit(
    command,
    {
      configFile: effective.configFile,
      trusted: effective.trusted,
      settings: rows,
      plugins: report,
    },
    () => {
      const lines = [
        `config file  ${effective.configFile ?? "none (built-in defaults)"}${
          effective.trusted ? "" : ' (not trusted: its plugins are skipped; see "labos trust")'
        }`,
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
}

/**
 * `labos trust [FILE]`: checks the file reads as a valid `labos.jsonc`, then
 * records its path and SHA-256 in the user's trust store. Loads no plugins.
 */
export async function trustConfig(
  cli: CliContext,
  command: Command,
  file: string | undefined,
): Promise<void> {
  const globals = command.optsWithGlobals() as { config?: string };
  const target = path.resolve(cli.io.cwd, file ?? globals.config ?? CONFIG_FILE);
  if (!existsSync(target)) {
    throw new LabosError(
      "invalid",
      `Invalid file ${quote(target)}: expected an existing labos.jsonc`,
    );
  }
  readConfigFile(target);
  const entry = await trustConfigFile(target, { env: cli.io.env });
  cli.emit(command, entry, () => `trusted ${entry.path} (sha256 ${entry.sha256})\n`);
}
