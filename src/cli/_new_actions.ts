import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { readAsset } from "../../assets/mod.ts";
import { LabosError, quote } from "../errors.ts";
import { LABOS_API_VERSION } from "../modules/contract.ts";
import { MANIFEST_FILE } from "../plugins/mod.ts";
import type { CliContext } from "./_context.ts";

const KEY = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/;

/** The files of a scaffolded module project, by relative path. */
function scaffoldFiles(
  key: string,
  options: { folder: string; labosPath?: string },
): Record<string, string> {
  const [domain, name] = key.split(".");
  const major = LABOS_API_VERSION.split(".")[0];
  const values: Record<string, string> = {
    key,
    domain,
    title: `${name[0].toUpperCase()}${name.slice(1).replaceAll("-", " ")}`,
    folder: options.folder,
    labosApiMajor: major,
  };
  const fill = (text: string) =>
    text.replace(/\{\{(\w+)\}\}/g, (match, field: string) => values[field] ?? match);
  const denoJson = {
    name: `@${domain}/${name}`,
    version: "0.1.0",
    exports: "./mod.ts",
    tasks: { test: "deno test -A" },
    imports: { "@labos/labos": "jsr:@labos/labos@^0.1.0", zod: "npm:zod@^4.2.0" },
    ...(options.labosPath ? { links: [options.labosPath] } : {}),
  };
  const manifest = {
    $schema: "https://jsr.io/@labos/labos/assets/schemas/labos-module.schema.json",
    key,
    version: "0.1.0",
    labosApi: `^${major}.0.0`,
    entry: "./mod.ts",
  };
  return {
    "mod.ts": fill(readAsset("scaffold/mod.ts.txt")),
    "mod_test.ts": fill(readAsset("scaffold/mod_test.ts.txt")),
    "README.md": fill(readAsset("scaffold/README.md")),
    "deno.json": `${JSON.stringify(denoJson, null, 2)}\n`,
    [MANIFEST_FILE]: `${JSON.stringify(manifest, null, 2)}\n`,
  };
}

function checkLabosSource(cwd: string, value: string): string {
  const dir = path.resolve(cwd, value);
  try {
    const config = JSON.parse(fs.readFileSync(path.join(dir, "deno.json"), "utf8"));
    if (config.name === "@labos/labos") return dir;
  } catch {
    // Reported below.
  }
  throw new LabosError(
    "invalid",
    `Invalid "--labos" ${
      quote(value)
    }: expected a LabOS source folder, whose deno.json is named "@labos/labos"`,
  );
}

/** The options of `labos new module`. */
export interface NewModuleOptions {
  /** Where to write the project. */
  dir?: string;
  /** A LabOS source folder to link instead of JSR. */
  labos?: string;
}

/** `labos new module`: writes a complete, tested analysis-module plugin project. */
export function newModule(
  cli: CliContext,
  name: string,
  options: NewModuleOptions & { command: Command },
): void {
  const { command } = options;
  const key = name.includes(".") ? name : `lab.${name}`;
  if (!KEY.test(key)) {
    throw new LabosError(
      "invalid",
      `Invalid module name ${
        quote(name)
      }: expected "domain.name" in lowercase letters, digits and dashes, e.g. lab.my-thing`,
    );
  }
  const dir = path.resolve(cli.io.cwd, options.dir ?? key.replace(".", "-"));
  if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length)) {
    throw new LabosError(
      "conflict",
      `Cannot write module project to ${quote(dir)}: it exists and is not an empty folder`,
    );
  }
  const labosPath = options.labos === undefined
    ? undefined
    : checkLabosSource(cli.io.cwd, options.labos);
  const files = scaffoldFiles(key, { folder: path.basename(dir), labosPath });
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, file), text, { flag: "wx" });
  }
  const result = { key, dir, files: Object.keys(files).sort(), labos: labosPath ?? null };
  cli.emit(command, result, () =>
    [
      `Created module ${key} in ${dir}`,
      ...result.files.map((file) => `  ${file}`),
      "",
      "Next:",
      `  cd ${dir} && deno test -A`,
      `  add "./${
        path.relative(cli.io.cwd, dir).split(path.sep).join("/")
      }" to "plugins" in labos.jsonc, then labos modules list`,
      "",
    ].join("\n"));
}
