/**
 * Writes the published JSON Schemas under `assets/schemas/` from the zod
 * schemas. A test fails when the committed files drift from the code.
 *
 * ```sh
 * deno task schemas
 * ```
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { publishedSchemas } from "../src/schemas.ts";

if (import.meta.main) {
  for (const [name, schema] of Object.entries(publishedSchemas())) {
    const file = fileURLToPath(new URL(`../assets/schemas/${name}.schema.json`, import.meta.url));
    writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
    console.log(`Wrote ${file}`);
  }
}
