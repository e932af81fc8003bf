/**
 * Analysis modules: the contract every module follows, the registry, and the
 * built-in catalogue.
 *
 * @module
 */
import { BUILTIN_MODULES } from "./builtin/mod.ts";
import { ModuleRegistry } from "./registry.ts";

export * from "./contract.ts";
export * from "./registry.ts";
export { BUILTIN_MODULES } from "./builtin/mod.ts";

/**
 * A registry holding the built-in modules.
 *
 * @example
 * ```ts
 * import { builtinRegistry } from "./mod.ts";
 * console.assert(builtinRegistry().get("thermo.calorimetry").source === "builtin");
 * ```
 */
export function builtinRegistry(): ModuleRegistry {
  const registry = new ModuleRegistry();
  for (const module of BUILTIN_MODULES) registry.register(module);
  return registry;
}
