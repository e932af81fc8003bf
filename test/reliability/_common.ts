/**
 * Shared helpers of the reliability suites: trial counts (reduced in CI,
 * full with `deno task soak`), the writer subprocess and checks.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** True under `deno task soak` (LABOS_SOAK=1): the full counts. */
export const SOAK: boolean = Deno.env.get("LABOS_SOAK") === "1";

/** A count from the environment, else the soak or CI default. */
export function count(name: string, ci: number, soak: number): number {
  const value = Number(Deno.env.get(name));
  return Number.isInteger(value) && value > 0 ? value : SOAK ? soak : ci;
}

/** The writer script. */
export const WRITER: string = fileURLToPath(new URL("./_writer.ts", import.meta.url));

/** A seeded pseudo-random generator (mulberry32), so a failing trial can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One line the writer printed. */
export type WriterLine =
  | { begin: string; id?: string; status?: string; experiment?: string | null }
  | {
    ack: string;
    id?: string;
    ids?: string[];
    status?: string;
    job?: string;
    dataset?: string | null;
    experiment?: string | null;
    sha256?: string;
  };

/** Parses the writer's stdout: complete lines only (a line cut by the kill is dropped). */
export function parseWriterOutput(text: string): WriterLine[] {
  const lines = text.split("\n");
  lines.pop();
  return lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
}

/** A stack trace line, as V8 prints them. */
export const STACK_LINE: RegExp = /^\s+at .*(:\d+:\d+|\(native\))/m;
