import { moduleInfo } from "./src/modules/registry.ts";
import { BUILTIN_MODULES } from "./src/modules/builtin/mod.ts";
for (const module of BUILTIN_MODULES) {
  const info = moduleInfo({ module, source: "builtin" });
  const props = JSON.stringify(info.outputSchema);
  for (const f of info.outputs) {
    if (!/\b(in|unit|dimensionless)\b|%|\bDa\b/.test(f.description)) console.log(module.key, f.path, "::", f.description);
  }
}
