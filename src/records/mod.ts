/**
 * Validated JSON records: experiments, datasets and jobs, their schemas, ids
 * and the file store.
 *
 * @module
 */
export * from "./canonical.ts";
export * from "./ids.ts";
export * from "./schemas.ts";
export * from "./size.ts";
export * from "./table.ts";
export * from "./validate.ts";
