import * as fs from "node:fs";
import { listAssets, readAsset } from "../../assets/mod.ts";
import { parseJsoncText } from "../config/mod.ts";
import { LabosError, quote } from "../errors.ts";
import { formatIssues, toFieldIssues } from "../validation.ts";
import { type LabTemplate, TemplateSchema } from "./_schema.ts";

/** A template and where it came from. */
export interface TemplateEntry {
  /** The template. */
  template: LabTemplate;
  /** `builtin`, or the absolute path of the lab's own file. */
  source: string;
}

/**
 * Parses and validates template text. A JSONC syntax error names the line and
 * column; a schema error names the field.
 *
 * @example
 * ```ts
 * import { parseTemplate } from "./mod.ts";
 * import { readAsset } from "../../assets/mod.ts";
 * import assert from "node:assert";
 * const text = readAsset("templates/coffee-cup-calorimetry.jsonc");
 * assert.strictEqual(parseTemplate(text, "coffee.jsonc").key, "coffee-cup-calorimetry");
 * ```
 */
export function parseTemplate(text: string, file: string): LabTemplate {
  const value = parseJsoncText(text, file);
  const result = TemplateSchema.safeParse(value);
  if (!result.success) {
    const issues = toFieldIssues(result.error, value, { schema: TemplateSchema });
    throw new LabosError("invalid", `Invalid template ${file}: ${formatIssues(issues)}`, {
      issues,
    });
  }
  return result.data;
}

/**
 * Reads and validates a template file.
 *
 * @example
 * ```ts
 * import { readTemplateFile } from "./mod.ts";
 * import { writeFileSync } from "node:fs";
 * import assert from "node:assert";
 * writeFileSync("/tmp/labos-template.jsonc", "{ }");
 * try {
 *   readTemplateFile("/tmp/labos-template.jsonc");
 * } catch (error) {
 *   assert.ok((error as Error).message.includes('"key" is required'));
 * }
 * ```
 */
export function readTemplateFile(file: string): LabTemplate {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LabosError(
      "invalid",
      `Cannot read template ${file}: ${code === "ENOENT" ? "no such file" : code ?? error}`,
    );
  }
  return parseTemplate(text, file);
}

/**
 * The built-in templates, sorted by key.
 *
 * @example
 * ```ts
 * import { builtinTemplates } from "./mod.ts";
 * import assert from "node:assert";
 * assert.ok(builtinTemplates().length >= 5);
 * ```
 */
export function builtinTemplates(): LabTemplate[] {
  return listAssets("templates/")
    .filter((file) => file.endsWith(".jsonc"))
    .map((file) => parseTemplate(readAsset(file), `assets/${file}`))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * Fills a title pattern's `{date}` (YYYY-MM-DD) and `{actor}` placeholders.
 *
 * @example
 * ```ts
 * import { renderTitle } from "./mod.ts";
 * import assert from "node:assert";
 * const title = renderTitle("Calorimetry — {date}", { date: new Date("2025-03-04T10:00:00Z"), actor: "al" });
 * assert.strictEqual(title, "Calorimetry — 2025-03-04");
 * ```
 */
export function renderTitle(pattern: string, values: { date: Date; actor: string }): string {
  const date = values.date.toISOString().slice(0, 10);
  return pattern.replaceAll("{date}", date).replaceAll("{actor}", values.actor);
}

/**
 * The templates a lab can use: the built-in ones and the lab's own files.
 * Files are read on first use; a bad file is an `invalid` error naming the
 * file and the field.
 *
 * @example
 * ```ts
 * import { TemplateCatalog } from "./mod.ts";
 * import assert from "node:assert";
 * const catalog = new TemplateCatalog();
 * assert.strictEqual(catalog.get("coffee-cup-calorimetry").source, "builtin");
 * ```
 */
export class TemplateCatalog {
  readonly #files: string[];
  #entries: Map<string, TemplateEntry> | undefined;

  /** A catalog of the built-in templates plus the given files (absolute paths). */
  constructor(options: { files?: string[] } = {}) {
    this.#files = [...options.files ?? []];
  }

  /** Every template, sorted by key. */
  list(): TemplateEntry[] {
    return [...this.#load().values()].sort((a, b) => a.template.key.localeCompare(b.template.key));
  }

  /** The template with this key, or a `not_found` error listing the known keys. */
  get(key: string): TemplateEntry {
    const entries = this.#load();
    const found = entries.get(key);
    if (!found) {
      throw new LabosError(
        "not_found",
        `Unknown template ${quote(key)}: expected one of ${[...entries.keys()].sort().join(", ")}`,
      );
    }
    return found;
  }

  #load(): Map<string, TemplateEntry> {
    if (this.#entries) return this.#entries;
    const entries = new Map<string, TemplateEntry>();
    for (const template of builtinTemplates()) {
      entries.set(template.key, { template, source: "builtin" });
    }
    for (const file of this.#files) {
      const template = readTemplateFile(file);
      const existing = entries.get(template.key);
      if (existing) {
        throw new LabosError(
          "invalid",
          `Invalid template ${file}: "key" ${quote(template.key)} is already used by ${
            existing.source === "builtin" ? "a built-in template" : existing.source
          }`,
          { issues: [{ path: "key", message: "is already used" }] },
        );
      }
      entries.set(template.key, { template, source: file });
    }
    this.#entries = entries;
    return entries;
  }
}
