/**
 * `.eln` exchange with other lab notebooks (the ELN Consortium's format, a
 * zipped RO-Crate): {@linkcode exportEln}, {@linkcode importEln} and the pure
 * {@linkcode checkEln}. The service calls these; use `Lab.exportEln`,
 * `Lab.importEln` and `checkEln`.
 *
 * @module
 */
export { checkEln, type ElnCheck } from "./_check.ts";
export { type ElnExport, type ElnExportOptions, exportEln } from "./_export.ts";
export {
  type ElnImport,
  type ElnImportedExperiment,
  type ElnImportOptions,
  importEln,
} from "./_import.ts";
