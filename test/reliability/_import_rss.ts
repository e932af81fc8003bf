/**
 * Imports an archive in a process of its own and prints, as JSON, the
 * error message (or null) and the peak resident memory (VmHWM, in bytes,
 * or null where /proc is missing). Usage: `deno run -A _import_rss.ts ZIP DATA_DIR`.
 *
 * @module
 */
import { openLab } from "../../src/service/mod.ts";

const [file, dataDir] = Deno.args;
let message: string | null = null;
try {
  await openLab({ dataDir, actor: "tester" }).importArchive(file);
} catch (error) {
  message = (error as Error).message;
}
const status = await Deno.readTextFile("/proc/self/status").catch(() => "");
const kib = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
console.log(JSON.stringify({ message, peak: kib === undefined ? null : Number(kib) * 1024 }));
