/**
 * Start-up guards that the import graph cannot show: loading a module must
 * not build its zod schemas, which zod 4 builds as they are declared.
 *
 * @module
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "./_cli.ts";

// Counts the schemas given a description or metadata (zod's global registry),
// while the modules of `experiments list` load and after one schema is used.
const PROBE = `
import * as z from "zod";
let described = 0;
const add = z.globalRegistry.add.bind(z.globalRegistry);
z.globalRegistry.add = (...args) => (described++, add(...args));
await import("./src/config/mod.ts");
await import("./src/service/mod.ts");
await import("./src/cli/_experiments.ts");
const loading = described;
const { configFileSchema } = await import("./src/config/mod.ts");
configFileSchema();
console.log(JSON.stringify({ loading, used: described }));
`;

Deno.test("start-up: loading the config, the service and the experiments commands builds no schema", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", PROBE],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const counts = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    loading: number;
    used: number;
  };
  assert.equal(counts.loading, 0);
  // The probe sees schemas once one is built: labos.jsonc's fields are described.
  assert.ok(counts.used > 0);
});
