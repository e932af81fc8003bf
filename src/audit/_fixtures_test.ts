// Shared helpers of the audit tests: logs built in memory with encodeEvent.
import { assert } from "../../test/_assert.ts";
import { LabosError } from "../errors.ts";
import { createHash } from "node:crypto";
import { encodeEvent, formatHead, GENESIS_HASH } from "./_format.ts";
import type { AuditEvent, AuditEventInput, AuditHead } from "./_types.ts";
import { newId } from "../records/ids.ts";

/** The clock start of built logs. */
export const T0 = Date.parse("2025-03-01T09:00:00.000Z");

/** A log built in memory. */
export interface BuiltLog {
  events: AuditEvent[];
  lines: string[];
  hashes: string[];
  head: AuditHead;
}

/** A varied, valid event input. */
export function input(i: number, extra: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    actor: ["ada", "bob", "cyd"][i % 3],
    action: ["experiment.created", "experiment.updated", "dataset.added"][i % 3],
    target: { type: i % 3 === 2 ? "dataset" : "experiment", id: `exp_${i % 5}` },
    reason: i % 4 === 0 ? "Corrected a typo" : null,
    details: { i, note: "Weighed on balance B-2", values: [1.5, -2e-7, true, null] },
    ...extra,
  };
}

/** Builds a valid log of `n` events. */
export function buildLog(
  n: number,
  details: (i: number) => Record<string, unknown> = (i) => input(i).details,
): BuiltLog {
  const events: AuditEvent[] = [];
  for (let i = 0; i < n; i++) {
    const time = T0 + i * 1000;
    events.push({
      v: 1,
      seq: i + 1,
      id: newId("event", time),
      ts: new Date(time).toISOString(),
      ...input(i),
      details: details(i),
      prev: GENESIS_HASH,
    });
  }
  const empty = { events, lines: [], hashes: [], head: { seq: 0, hash: GENESIS_HASH } };
  return rechain(empty, { events, from: 0 });
}

/** Recomputes every line from index `from` on, fixing each `prev`. */
export function rechain(log: BuiltLog, change: { events: AuditEvent[]; from: number }): BuiltLog {
  const { events, from } = change;
  const lines = log.lines.slice(0, from);
  const hashes = log.hashes.slice(0, from);
  const out = events.slice(0, from);
  let prev = from === 0 ? GENESIS_HASH : hashes[from - 1];
  for (let i = from; i < events.length; i++) {
    const event = { ...events[i], prev };
    const { line, hash } = encodeEvent(event);
    out.push(event);
    lines.push(line);
    hashes.push(hash);
    prev = hash;
  }
  return { events: out, lines, hashes, head: { seq: out.length, hash: prev } };
}

/** Writes `log.jsonl` and `head.json` (removed when `head` is null) into `dir`. */
export async function writeLog(
  dir: string,
  files: { log: string | Uint8Array; head: AuditHead | null },
): Promise<void> {
  const { log, head } = files;
  await Deno.mkdir(dir, { recursive: true });
  if (typeof log === "string") await Deno.writeTextFile(`${dir}/log.jsonl`, log);
  else await Deno.writeFile(`${dir}/log.jsonl`, log);
  if (head) await Deno.writeTextFile(`${dir}/head.json`, formatHead(head));
  else await Deno.remove(`${dir}/head.json`).catch(() => {});
}

/** Awaits a rejection with a LabosError and returns it. */
export async function rejects(fn: () => Promise<unknown>): Promise<LabosError> {
  try {
    await fn();
  } catch (error) {
    assert(error instanceof LabosError, `Expected a LabosError, got ${error}`);
    return error;
  }
  throw new Error("Expected the function to reject");
}

/** Frames raw event bytes as a line with their correct hash. */
export function lineOf(event: string | Uint8Array): Uint8Array {
  const bytes = typeof event === "string" ? new TextEncoder().encode(event) : event;
  const hash = createHash("sha256").update(bytes).digest("hex");
  const head = new TextEncoder().encode('{"event":');
  const tail = new TextEncoder().encode(`,"hash":"${hash}"}\n`);
  const out = new Uint8Array(head.length + bytes.length + tail.length);
  out.set(head);
  out.set(bytes, head.length);
  out.set(tail, head.length + bytes.length);
  return out;
}

/** The event text of a line. */
export function eventText(line: string): string {
  return line.slice(9, line.length - 76);
}

/** Concatenates lines. */
export function concat(parts: (string | Uint8Array)[]): Uint8Array {
  const encoded = parts.map((part) =>
    typeof part === "string" ? new TextEncoder().encode(part) : part
  );
  const out = new Uint8Array(encoded.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of encoded) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
