/**
 * Takes the data folder lock, prints `locked` and sleeps while holding it,
 * to be killed by the concurrency suite.
 *
 * ```sh
 * deno run -A test/reliability/_lock_holder.ts DATA_DIR
 * ```
 *
 * @module
 */
import { withLock } from "../../src/durable/mod.ts";

await withLock(Deno.args[0], async () => {
  console.log("locked");
  await new Promise((resolve) => setTimeout(resolve, 120_000));
});
