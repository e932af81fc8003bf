/**
 * Analysis modules: the contract every module follows, the registry, and the
 * built-in catalogue.
 *
 * @module
 */
export * from "./contract.ts";
export * from "./registry.ts";
export { BUILTIN_MODULES, builtinRegistry } from "./builtin/mod.ts";
