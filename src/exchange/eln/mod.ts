/**
 * `.eln` exchange with other lab notebooks (the ELN Consortium's format, a
 * zipped RO-Crate): {@linkcode exportEln}, `importEln` and the pure
 * {@linkcode checkEln}. The service calls these; use `Lab.exportEln`,
 * `Lab.importEln` and `checkEln`.
 *
 * @module
 */
export { checkEln, type ElnCheck } from "./_check.ts";
export { type ElnExport, type ElnExportOptions, exportEln } from "./_export.ts";
