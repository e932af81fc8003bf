import * as z from "zod";
import { LabosError, quote } from "../errors.ts";
import type { LabModule, ModuleDescriptor, UnitMeta } from "./contract.ts";

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
  /** Every output field, flattened from the output JSON Schema. */
  outputs: OutputField[];
  /** Whether the module draws a plot. */
  plots: boolean;
  /** The declared unit of each top-level input field that has one (see {@linkcode inputUnits}). */
  inputUnits: Record<string, FieldUnit>;
}

/** The unit an input field declares (`x-unit`, see {@linkcode UnitMeta}). */
export interface FieldUnit {
  /** The unit, as a UCUM code. */
  unit: string;
  /** True for a difference (ΔT), which converts without an offset. */
  difference: boolean;
}

/** One output field of a module, as `labos modules show` lists it. */
export interface OutputField {
  /** Where it sits in the output: `unknowns[].concentrationM` is a field of each unknown. */
  path: string;
  /** Its description: meaning, unit and, for an uncertainty, the formula. */
  description: string;
  /** The JSON Schema type of the value, such as `number`, `string` or `array`. */
  type?: string;
  /** Its declared unit (the schema's `x-unit`), when it has one. */
  unit?: string;
  /** True when the unit is of a difference (`x-unit-kind: "difference"`, a ΔT). */
  difference?: boolean;
  /**
   * The field whose standard uncertainty this one is (`x-uncertainty-of`,
   * a sibling field's name), shown with it as `value ± uncertainty`.
   */
  uncertaintyOf?: string;
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
  const inputSchema = inputJsonSchema(module);
  const outputSchema = z.toJSONSchema(module.output as unknown as z.ZodType, {
    unrepresentable: "any",
  });
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
    ...(module.mainOutput === undefined ? {} : { mainOutput: module.mainOutput }),
    source,
    inputSchema,
    outputSchema,
    outputs: outputFields(outputSchema),
    plots: typeof module.plot === "function",
    inputUnits: unitsOf(inputSchema),
  };
}

function inputJsonSchema(module: LabModule): Record<string, unknown> {
  return z.toJSONSchema(module.input as unknown as z.ZodType, {
    io: "input",
    unrepresentable: "any",
  });
}

const UNITS = new WeakMap<LabModule, Record<string, FieldUnit>>();

/**
 * The units a module's top-level input fields declare in their JSON Schema
 * (`x-unit`, on the field or on an array field's items), by field name.
 *
 * @example
 * ```ts
 * import * as z from "zod";
 * import { defineModule, unitMeta } from "./contract.ts";
 * import { inputUnits } from "./registry.ts";
 * import assert from "node:assert";
 * const module = defineModule({
 *   key: "demo.wait", version: "1.0.0", title: "Wait", domain: "demo",
 *   summary: "Waits", method: "None", citations: [], limitations: [], learnerNotes: [],
 *   examples: [], input: z.object({ timeS: z.number().meta(unitMeta("s")) }),
 *   output: z.object({}), run: () => ({}),
 * });
 * assert.deepStrictEqual(inputUnits(module), { timeS: { unit: "s", difference: false } });
 * ```
 */
export function inputUnits(module: LabModule): Record<string, FieldUnit> {
  let units = UNITS.get(module);
  if (units === undefined) {
    try {
      units = unitsOf(inputJsonSchema(module));
    } catch {
      // A plugin schema that is not zod declares no units.
      units = {};
    }
    UNITS.set(module, units);
  }
  return units;
}

function unitsOf(schema: Record<string, unknown>): Record<string, FieldUnit> {
  const units: Record<string, FieldUnit> = {};
  const properties = schema.properties;
  if (properties === null || typeof properties !== "object") return units;
  for (const [name, property] of Object.entries(properties as Record<string, unknown>)) {
    const declared = unitMetaOf(property) ?? unitMetaOf((property as { items?: unknown }).items);
    if (declared) {
      Object.defineProperty(units, name, {
        value: { unit: declared["x-unit"], difference: declared["x-unit-kind"] === "difference" },
        enumerable: true,
      });
    }
  }
  return units;
}

function unitMetaOf(schema: unknown): UnitMeta | undefined {
  if (schema === null || typeof schema !== "object") return undefined;
  const unit = (schema as Record<string, unknown>)["x-unit"];
  return typeof unit === "string" && unit !== "" ? schema as UnitMeta : undefined;
}

/**
 * Flattens an output JSON Schema into its fields: objects are opened,
 * arrays of objects become `name[].field`, and every other value (numbers,
 * strings, arrays of numbers) is one field with its description.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { outputFields } from "./registry.ts";
 * import assert from "node:assert";
 * const schema = z.toJSONSchema(z.object({
 *   k: z.number().describe("Rate constant, in 1/s"),
 *   peaks: z.array(z.object({ mz: z.number().nullable().describe("m/z") })),
 * }));
 * assert.deepStrictEqual(outputFields(schema).map((field) => field.path), ["k", "peaks[].mz"]);
 * ```
 */
export function outputFields(schema: Record<string, unknown>): OutputField[] {
  const fields: OutputField[] = [];
  visitField(schema, { path: "", description: "", fields });
  return fields;
}

/** The keywords of a nullable field kept when its `anyOf` is opened. */
const ANNOTATIONS = ["x-unit", "x-unit-kind", "x-uncertainty-of"];

function visitField(
  node: Record<string, unknown>,
  at: { path: string; description: string; fields: OutputField[] },
): void {
  const description = typeof node.description === "string" ? node.description : at.description;
  const unit = typeof node["x-unit"] === "string" ? node["x-unit"] : undefined;
  const options = Array.isArray(node.anyOf) ? node.anyOf as Array<Record<string, unknown>> : [];
  const value = options.find((option) => option.type !== "null");
  if (value) {
    const kept = Object.fromEntries(
      ANNOTATIONS.filter((key) => node[key] !== undefined).map((key) => [key, node[key]]),
    );
    visitField({ ...value, ...kept }, { ...at, description });
    return;
  }
  const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
  if (node.type === "object" && properties) {
    for (const [key, child] of Object.entries(properties)) {
      visitField(child, {
        ...at,
        path: at.path === "" ? key : `${at.path}.${key}`,
        description: "",
      });
    }
    return;
  }
  const items = node.items as Record<string, unknown> | undefined;
  if (node.type === "array" && items?.type === "object" && items.properties) {
    visitField(items, { ...at, path: `${at.path}[]`, description: "" });
    return;
  }
  const type = typeof node.type === "string" ? node.type : undefined;
  const of = node["x-uncertainty-of"];
  at.fields.push({
    path: at.path,
    description,
    ...(type ? { type } : {}),
    ...(unit ? { unit } : {}),
    ...(unit && node["x-unit-kind"] === "difference" ? { difference: true } : {}),
    ...(typeof of === "string" && of !== "" ? { uncertaintyOf: of } : {}),
  });
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
