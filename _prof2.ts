import { openLab } from "./src/service/mod.ts";
const dir = await Deno.makeTempDir();
const lab = openLab({ dataDir: dir, actor: "x" });
await lab.init();
const bytes = Deno.readFileSync(Deno.args[0]);
const t = performance.now();
await lab.importCsv({ fileName: "e.csv", bytes });
console.log("import", (performance.now() - t).toFixed(0));
