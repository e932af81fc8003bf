import { LabosError, quote } from "../src/errors.ts";
import { EMBEDDED_ASSETS } from "./embedded.ts";

/**
 * The text of an embedded asset, by its path under `assets/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readAsset } from "./mod.ts";
 * assert.ok(readAsset("demo/kinetics_crystal_violet.csv").startsWith("time_s"));
 * ```
 */
export function readAsset(path: string): string {
  const text = EMBEDDED_ASSETS[path];
  if (text === undefined) throw new LabosError("not_found", `No embedded asset ${quote(path)}`);
  return text;
}

/**
 * The paths of the embedded assets under a folder, sorted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listAssets } from "./mod.ts";
 * assert.ok(listAssets("demo/").length > 0);
 * ```
 */
export function listAssets(prefix: string): string[] {
  return Object.keys(EMBEDDED_ASSETS).filter((path) => path.startsWith(prefix)).sort();
}
