/**
 * The built-in module catalogue, loaded on demand: importing this file loads
 * no module code and no isotope data; {@linkcode loadBuiltinModules} does,
 * the first time it is called.
 *
 * @module
 */
import type { LabModule } from "./contract.ts";

let loading: Promise<readonly LabModule[]> | undefined;

/**
 * Every built-in module, from `BUILTIN_MODULES` in `builtin/mod.ts`, the one
 * list of them; imported on the first call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadBuiltinModules } from "./catalog.ts";
 * const modules = await loadBuiltinModules();
 * assert.ok(modules.some((module) => module.key === "thermo.calorimetry"));
 * ```
 */
export function loadBuiltinModules(): Promise<readonly LabModule[]> {
  loading ??= import("./builtin/mod.ts").then((builtin) => builtin.BUILTIN_MODULES);
  return loading;
}
