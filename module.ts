/**
 * The module contract, for plugin authors: everything an analysis module
 * needs, and nothing that loads the rest of LabOS.
 *
 * @example Define a module
 * ```ts
 * import { z } from "zod";
 * import { defineModule, LABOS_API_VERSION, ModuleError } from "@labos/labos/module";
 *
 * export const labosApi = `^${LABOS_API_VERSION.split(".")[0]}.0.0`;
 * export default defineModule({
 *   key: "lab.dilution", version: "0.1.0", title: "Dilution", domain: "lab",
 *   summary: "Stock volume for a dilution", method: "C1·V1 = C2·V2", citations: [],
 *   limitations: [], learnerNotes: [], examples: [],
 *   input: z.object({ c1: z.number(), c2: z.number(), v2: z.number() }),
 *   output: z.object({ v1: z.number() }),
 *   run(input) {
 *     if (input.c2 > input.c1) throw new ModuleError("The target must not exceed the stock");
 *     return { v1: (input.c2 * input.v2) / input.c1 };
 *   },
 * });
 * ```
 *
 * @module
 */
export {
  defineModule,
  type LabModule,
  LABOS_API_VERSION,
  type ModuleContext,
  type ModuleDescriptor,
  ModuleError,
  type ModuleExample,
  type ModuleWarnings,
  type PlotAnnotation,
  type PlotPanel,
  type PlotSeries,
  type PlotSpec,
  type SafeParseResult,
  type Schema,
  type SchemaIssue,
  uncertaintyMeta,
  type UnitMeta,
  unitMeta,
} from "./src/modules/contract.ts";
export {
  type FieldUnit,
  inputUnits,
  type ModuleInfo,
  ModuleRegistry,
  type OutputField,
  type RegisteredModule,
} from "./src/modules/registry.ts";
