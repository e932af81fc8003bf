/**
 * The built-in analysis modules, one folder per scientific domain.
 *
 * @module
 */
export { BUILTIN_MODULES } from "./_list.ts";
