import { isotopePattern } from "./mod.ts";

const context = { progress() {} };
const insulin = "C254H377N65O75S6";

for (const resolution of ["unit", 0.01, 0.001] as const) {
  const input = isotopePattern.input.parse({ formula: insulin, resolution });
  Deno.bench(
    `insulin ${insulin} at ${resolution === "unit" ? "unit" : `${resolution} Da`} resolution`,
    {
      group: "insulin",
      baseline: resolution === "unit",
    },
    async () => {
      await isotopePattern.run(input, context);
    },
  );
}

const caffeine = isotopePattern.input.parse({ formula: "C8H10N4O2" });
Deno.bench("caffeine C8H10N4O2 at unit resolution", async () => {
  await isotopePattern.run(caffeine, context);
});
