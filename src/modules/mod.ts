/**
 * Analysis modules: the contract every module follows, the registry, and the
 * built-in catalogue.
 *
 * This face imports the built-in modules. Code that must start fast imports
 * `contract.ts`, `registry.ts` and `catalog.ts` (which loads the built-in
 * modules on demand) instead.
 *
 * @module
 */
export * from "./contract.ts";
export * from "./registry.ts";
export { loadBuiltinModules } from "./catalog.ts";
export { BUILTIN_MODULES } from "./builtin/mod.ts";
export { builtinRegistry } from "./_builtin_registry.ts";
