import * as z from "zod";
import { LabosError, quote } from "../errors.ts";
import type { LabModule, ModuleDescriptor } from "./contract.ts";

/** A registered module and where it came from. */
export interface RegisteredModule {
  /** The module. */
  module: LabModule;
  /** `builtin`, or the plugin path or specifier. */
  source: string;
}

/** What `labos modules show` prints: the descriptor, its source and the JSON Schemas. */
export interface ModuleInfo extends ModuleDescriptor {
  /** `builtin`, or the plugin path or specifier. */
  source: string;
  /** The input JSON Schema. */
  inputSchema: Record<string, unknown>;
  /** The output JSON Schema. */
  outputSchema: Record<string, unknown>;
  /** Whether the module draws a plot. */
  plots: boolean;
}

const KEY_PATTERN = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/;
const SEMVER_PATTERN = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/**
 * The modules LabOS can run, by key.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineModule } from "./contract.ts";
 * import { ModuleRegistry } from "./registry.ts";
 * import assert from "node:assert";
 * const registry = new ModuleRegistry();
 * registry.register(defineModule({
 *   key: "demo.double", version: "1.0.0", title: "Double", domain: "demo",
 *   summary: "Doubles a number", method: "Multiplies by two.", citations: [],
 *   limitations: [], learnerNotes: [], examples: [],
 *   input: z.object({ x: z.number() }), output: z.object({ y: z.number() }),
 *   run: (input) => ({ y: input.x * 2 }),
 * }));
 * assert.strictEqual(registry.get("demo.double").module.title, "Double");
 * ```
 */
export class ModuleRegistry {
  readonly #modules = new Map<string, RegisteredModule>();

  /** Adds a module after checking its descriptor; a key can be registered once. */
  register(module: LabModule, options: { source?: string } = {}): void {
    const source = options.source ?? "builtin";
    const problem = describeContractProblem(module);
    if (problem) {
      throw new LabosError("invalid", `Cannot register module from ${source}: ${problem}`);
    }
    const existing = this.#modules.get(module.key);
    if (existing) {
      throw new LabosError(
        "conflict",
        `Cannot register module ${
          quote(module.key)
        } from ${source}: already provided by ${existing.source}`,
      );
    }
    this.#modules.set(module.key, { module, source });
  }

  /** The module with this key, or a `not_found` error listing the known keys. */
  get(key: string): RegisteredModule {
    const found = this.#modules.get(key);
    if (!found) {
      throw new LabosError(
        "not_found",
        `Unknown module ${quote(key)}: expected one of ${
          [...this.#modules.keys()].sort().join(", ")
        }`,
      );
    }
    return found;
  }

  /** Every module, sorted by key. */
  list(): RegisteredModule[] {
    return [...this.#modules.values()].sort((a, b) => a.module.key.localeCompare(b.module.key));
  }
}

/**
 * The descriptor of a module with its input and output JSON Schemas.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineModule } from "./contract.ts";
 * import { moduleInfo } from "./registry.ts";
 * import assert from "node:assert";
 * const info = moduleInfo({ source: "builtin", module: defineModule({
 *   key: "demo.double", version: "1.0.0", title: "Double", domain: "demo",
 *   summary: "Doubles", method: "x2", citations: [], limitations: [], learnerNotes: [],
 *   examples: [], input: z.object({ x: z.number() }), output: z.object({ y: z.number() }),
 *   run: (input) => ({ y: input.x * 2 }),
 * }) });
 * assert.strictEqual(info.inputSchema.type, "object");
 * ```
 */
export function moduleInfo(registered: RegisteredModule): ModuleInfo {
  const { module, source } = registered;
  return {
    key: module.key,
    version: module.version,
    title: module.title,
    domain: module.domain,
    summary: module.summary,
    method: module.method,
    citations: module.citations,
    limitations: module.limitations,
    learnerNotes: module.learnerNotes,
    examples: module.examples,
    source,
    inputSchema: z.toJSONSchema(module.input as unknown as z.ZodType, {
      io: "input",
      unrepresentable: "any",
    }),
    outputSchema: z.toJSONSchema(module.output as unknown as z.ZodType, { unrepresentable: "any" }),
    plots: typeof module.plot === "function",
  };
}

function describeContractProblem(module: LabModule): string | undefined {
  if (typeof module !== "object" || module === null) return "a module must be an object";
  if (typeof module.key !== "string" || !KEY_PATTERN.test(module.key)) {
    return `"key" must look like "domain.name": current value is ${quote(module.key)}`;
  }
  if (typeof module.version !== "string" || !SEMVER_PATTERN.test(module.version)) {
    return `"version" of ${quote(module.key)} must be a semantic version: current value is ${
      quote(module.version)
    }`;
  }
  for (const field of ["title", "domain", "summary", "method"] as const) {
    if (typeof module[field] !== "string" || module[field].length === 0) {
      return `"${field}" of ${quote(module.key)} must be a non-empty string`;
    }
  }
  for (const field of ["citations", "limitations", "learnerNotes", "examples"] as const) {
    if (!Array.isArray(module[field])) return `"${field}" of ${quote(module.key)} must be an array`;
  }
  for (const field of ["input", "output"] as const) {
    if (typeof module[field]?.safeParse !== "function") {
      return `"${field}" of ${quote(module.key)} must be a zod schema`;
    }
  }
  if (typeof module.run !== "function") return `"run" of ${quote(module.key)} must be a function`;
  return undefined;
}
