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
  loading ??= import("./builtin/mod.ts").then((builtin) => {
    loaded = new Set(builtin.BUILTIN_MODULES);
    return builtin.BUILTIN_MODULES;
  });
  return loading;
}

/** The built-in modules, once {@linkcode loadBuiltinModules} has loaded them. */
let loaded: ReadonlySet<LabModule> = new Set();

/**
 * Whether a module is one of LabOS's own, as {@linkcode loadBuiltinModules}
 * loaded them: the very object, not one registered under the same key or
 * with source "builtin". Built-in modules never write to their input and
 * their schemas copy every object they pass (`test/builtin_input_test.ts`),
 * so the runtime hands them the recorded input without copying it. False
 * until the built-in modules are loaded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isBuiltinModule, loadBuiltinModules } from "./catalog.ts";
 * const [first] = await loadBuiltinModules();
 * assert.equal(isBuiltinModule(first), true);
 * assert.equal(isBuiltinModule({ ...first }), false);
 * ```
 */
export function isBuiltinModule(module: LabModule): boolean {
  return loaded.has(module);
}
