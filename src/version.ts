import denoConfig from "../deno.json" with { type: "json" };

/** The LabOS version, read from `deno.json`, the single source of truth. */
export const VERSION: string = denoConfig.version;
