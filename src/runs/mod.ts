/**
 * The job runtime's pure part: assembling and validating a module's input,
 * running the module, and hashing inputs and outputs for provenance. It never
 * touches storage; the service commits what it returns.
 *
 * @module
 */
export {
  type ExecuteOptions,
  executeRun,
  inputFromTable,
  type JobFailure,
  plotOf,
  type PreparedRun,
  prepareRun,
  type RunOutcome,
  type TableLike,
} from "./_runtime.ts";
