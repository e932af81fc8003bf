import { type Command, InvalidArgumentError } from "commander";
import type { Lab } from "../service/mod.ts";
import type { CliIo, Style } from "./_format.ts";

/** What every command handler gets. */
export interface CliContext {
  /** Output streams and environment. */
  io: CliIo;
  /** Styling for human output. */
  style: Style;
  /** Opens the service for the data folder chosen by the global flags (loaded on demand). */
  lab(command: Command): Promise<Lab>;
  /** Prints `value` as JSON with `--json`, otherwise the human text. */
  emit(command: Command, value: unknown, human: () => string): void;
  /** Sets the exit code for a check that failed without an error. */
  fail(code: number): void;
}

/** Parses a whole number option value for commander. */
export function wholeNumber(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError("Expected a whole number.");
  return Number(value);
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
