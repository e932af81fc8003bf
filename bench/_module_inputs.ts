/**
 * Large, realistic inputs for the fit modules: smooth data from each model
 * with a little deterministic noise, for the scale benchmark and tests.
 *
 * @module
 */

/** The built-in modules that fit or tabulate many points. */
export const FIT_MODULES: readonly string[] = [
  "kinetics.integrated-rate-law",
  "kinetics.arrhenius",
  "chromatography.van-deemter",
  "spectroscopy.beer-lambert",
  "chromatography.peak-metrics",
];

/** A deterministic noise source in [-1, 1). */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

/** An input of `points` points for one of {@linkcode FIT_MODULES}. */
export function bigInput(key: string, points: number): Record<string, unknown> {
  const jitter = noise(points);
  const grid = (low: number, high: number): number[] => {
    const values = new Array<number>(points);
    for (let i = 0; i < points; i++) values[i] = low + ((high - low) * i) / (points - 1);
    return values;
  };
  switch (key) {
    case "kinetics.integrated-rate-law": {
      const timesS = grid(0, 10_000);
      return {
        timesS,
        concentrationsM: timesS.map((t) => 0.1 * Math.exp(-2e-4 * t) * (1 + 0.01 * jitter())),
      };
    }
    case "kinetics.arrhenius": {
      const temperaturesK = grid(300, 800);
      return {
        temperaturesK,
        rateConstants: temperaturesK.map((t) =>
          1e12 * Math.exp(-80_000 / (8.314462618 * t)) * (1 + 0.01 * jitter())
        ),
      };
    }
    case "chromatography.van-deemter": {
      const linearVelocities = grid(2, 100);
      return {
        linearVelocities,
        plateHeights: linearVelocities.map((u) =>
          (1.5 + 25 / u + 0.025 * u) * (1 + 0.01 * jitter())
        ),
      };
    }
    case "spectroscopy.beer-lambert":
      return {
        pathLengthCm: 1,
        standards: grid(0, 1.5e-4).map((c) => ({
          concentrationM: c,
          absorbance: 6220 * c + 0.002 * jitter(),
        })),
        unknownAbsorbances: [0.2, 0.4, 0.6],
      };
    case "chromatography.peak-metrics":
      return {
        deadTimeMin: 0.5,
        peaks: grid(1, 1 + points * 0.01).map((t, i) => ({
          name: `p${i + 1}`,
          retentionTimeMin: t,
          baseWidthMin: 0.004 + 0.0005 * (1 + jitter()),
        })),
      };
    default:
      throw new Error(`No big input for ${key}`);
  }
}
