/**
 * Embedded assets: demo fixtures, experiment templates and registry defaults,
 * compiled into the program so that nothing depends on the working directory.
 *
 * @module
 */
export { listAssets, readAsset } from "./_read.ts";
export { REGISTRY_DEFAULTS_JSON } from "./embedded.ts";
