/**
 * Plugins: analysis modules from outside LabOS. An in-process plugin is an ES
 * module that exports a {@linkcode LabModule}; an executable plugin is any
 * program, in any language, described by a `labos-module.json` manifest and
 * spoken to with one JSON request on stdin and one JSON response on stdout.
 * A plugin that cannot be loaded is skipped with a reason, and LabOS keeps
 * working without it.
 *
 * @module
 */
export {
  builtinModuleRegistry,
  type LoadedPlugin,
  loadModuleRegistry,
  openConfiguredLab,
  type PluginProblem,
  type PluginReport,
} from "./_load.ts";
export {
  MANIFEST_FILE,
  MANIFEST_ZOD_SCHEMA,
  ManifestSchema,
  type ModuleManifest,
} from "./_manifest.ts";
