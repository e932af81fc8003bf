/**
 * Builds large data folders through the public API, for the scale benchmarks.
 *
 * @module
 */
import { openLab } from "../mod.ts";

/** Ensures `dataDir` holds at least `count` experiments, creating them in batches. */
export async function buildExperiments(dataDir: string, count: number): Promise<number> {
  const lab = openLab({ dataDir, actor: "bench" });
  await lab.init();
  let have = (await lab.status()).counts.experiments;
  const statuses = ["running", "completed", "failed", "archived"];
  while (have < count) {
    const batch = Math.min(2000, count - have);
    const made = await lab.createExperiments(
      Array.from({ length: batch }, (_, i) => ({
        title: `Scale experiment ${have + i + 1}`,
        purpose: "Benchmark data",
        tags: [`group-${(have + i) % 10}`],
      })),
    );
    // A few transitions, so that status filters and the audit log look like real use.
    for (const experiment of made.slice(0, 4)) {
      await lab.transitionExperiment(experiment.id, { to: statuses[0], reason: "bench" });
    }
    have += batch;
  }
  return have;
}

/** Runs a command `runs` times and returns the durations in ms. */
export async function timeCommand(args: string[], runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const output = await new Deno.Command(args[0], {
      args: args.slice(1),
      stdout: "null",
      stderr: "piped",
    })
      .output();
    times.push(performance.now() - started);
    if (output.code !== 0) {
      throw new Error(`${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
    }
  }
  return times;
}

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
