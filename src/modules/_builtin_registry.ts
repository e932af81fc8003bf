import { BUILTIN_MODULES } from "./builtin/mod.ts";
import { ModuleRegistry } from "./registry.ts";

/**
 * A registry holding the built-in modules. It imports every built-in module;
 * to load them on demand, use `loadBuiltinModules` from
 * `catalog.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { builtinRegistry } from "./mod.ts";
 * assert.equal(builtinRegistry().get("thermo.calorimetry").source, "builtin");
 * ```
 */
export function builtinRegistry(): ModuleRegistry {
  const registry = new ModuleRegistry();
  for (const module of BUILTIN_MODULES) registry.register(module);
  return registry;
}
