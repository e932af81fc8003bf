/**
 * Reads a legacy (Python) LabOS root: its record files with their SHA-256
 * sidecars and backup copies, and its daily hash-chained audit files, and
 * verifies both without trusting either.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { LabosError, quote } from "../errors.ts";
import { sha256Hex } from "../records/mod.ts";
import type { RecordType } from "../records/mod.ts";
import { walkFiles } from "../durable/files.ts";
import { parsePyJson, pyDumps, type PyValue, toPlain } from "./_pyjson.ts";

/** The legacy record folders, by LabOS record type. */
export const LEGACY_FOLDERS: Readonly<Record<"experiment" | "dataset" | "job", string>> = {
  experiment: "experiments",
  dataset: "datasets",
  job: "jobs",
};

/** One legacy record file, read and checked but not yet mapped. */
export interface LegacyFile {
  /** The LabOS type its folder stands for. */
  type: RecordType;
  /** Its path relative to the legacy root, such as `data/experiments/e1.json`. */
  source: string;
  /** SHA-256 of its bytes. */
  sha256: string;
  /** Its size in bytes. */
  size: number;
  /** The parsed record, or undefined when the file is malformed. */
  record?: Record<string, unknown>;
  /** Why it could not be parsed. */
  malformed?: string;
  /** The sidecar check: `ok`, `mismatch` (with the expected hash) or `absent`. */
  checksum: { state: "ok" | "mismatch" | "absent" | "unreadable"; expected?: string };
  /** The names of its `.backup.N` copies. */
  backups: string[];
}

/** The verification of one daily audit file. */
export interface LegacyChain {
  /** Its path relative to the legacy root. */
  source: string;
  /** SHA-256 of its bytes. */
  sha256: string;
  /** How many lines it has. */
  events: number;
  /** True when every line's checksum and link verify. */
  ok: boolean;
  /** The first bad line (1-based), when not ok. */
  line?: number;
  /** What is wrong there. */
  problem?: string;
}

/** One legacy audit event, with whether the chain vouches for it. */
export interface LegacyEvent {
  /** Its `event_id`, when it has one. */
  eventId?: string;
  /** `payload.record_id`, when it names a record. */
  recordId?: string;
  /** The audit file. */
  source: string;
  /** False at and after the first bad line of its file. */
  verified: boolean;
}

/** Everything read from a legacy root. */
export interface LegacyRoot {
  /** The legacy root, absolute. */
  root: string;
  /** Record files, by folder then name. */
  records: LegacyFile[];
  /** The daily audit files, oldest first. */
  chains: LegacyChain[];
  /** Every audit event that could be parsed. */
  events: LegacyEvent[];
  /** Every file to copy byte for byte (records, sidecars, backups, audit), relative to the root. */
  files: Array<{ source: string; sha256: string }>;
  /** Paths that are not regular files (symbolic links and so on), never followed. */
  skipped: string[];
}

const GENESIS = "0".repeat(64);

/** Reads and verifies a legacy root (a folder that contains `data/`). */
export async function readLegacyRoot(dir: string): Promise<LegacyRoot> {
  const root = path.resolve(dir);
  const data = path.join(root, "data");
  const stat = await fs.stat(data).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new LabosError(
      "invalid",
      `Cannot import from ${
        quote(dir)
      }: it has no "data" folder (give the legacy LabOS root, the folder that contains data/)`,
    );
  }
  const { files, skipped } = await walkFiles(data, {
    exclude: (relative, isDirectory) =>
      !isDirectory && !/^(experiments|datasets|jobs|audit)\//.test(relative),
  });
  const bytes = new Map<string, Uint8Array>();
  const copied: Array<{ source: string; sha256: string }> = [];
  for (const file of files) {
    const content = new Uint8Array(await fs.readFile(file.absolute));
    bytes.set(file.relative, content);
    copied.push({ source: `data/${file.relative}`, sha256: sha256Hex(content) });
  }

  const records: LegacyFile[] = [];
  for (const [type, folder] of Object.entries(LEGACY_FOLDERS) as Array<[RecordType, string]>) {
    const names = files.map((file) => file.relative).filter((relative) =>
      relative.startsWith(`${folder}/`) && relative.split("/").length === 2
    );
    for (const relative of names.filter((name) => name.endsWith(".json"))) {
      const content = bytes.get(relative)!;
      const sidecar = bytes.get(`${relative}.sha256`);
      const sha256 = sha256Hex(content);
      records.push({
        type,
        source: `data/${relative}`,
        sha256,
        size: content.byteLength,
        ...parseRecord(content),
        checksum: checkSidecar(sidecar, sha256),
        backups: names.filter((name) => name.startsWith(`${relative}.backup.`)).map((name) =>
          path.basename(name)
        ),
      });
    }
  }

  const chains: LegacyChain[] = [];
  const events: LegacyEvent[] = [];
  const auditFiles = files.filter((file) => /^audit\/[^/]+\.jsonl$/.test(file.relative));
  for (const file of auditFiles) {
    const source = `data/${file.relative}`;
    const content = bytes.get(file.relative)!;
    const chain = verifyChain(content, source, events);
    chains.push({ source, sha256: sha256Hex(content), ...chain });
  }
  return {
    root,
    records,
    chains,
    events,
    files: copied,
    skipped: skipped.map((relative) => `data/${relative}`),
  };
}

function parseRecord(
  content: Uint8Array,
): { record?: Record<string, unknown>; malformed?: string } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(content);
  } catch {
    return { malformed: "not UTF-8 text" };
  }
  let value: PyValue;
  try {
    value = parsePyJson(text);
  } catch (error) {
    return { malformed: `not valid JSON: ${(error as Error).message}` };
  }
  if (value.kind !== "object") return { malformed: "not a JSON object" };
  return { record: toPlain(value) as Record<string, unknown> };
}

function checkSidecar(
  sidecar: Uint8Array | undefined,
  sha256: string,
): LegacyFile["checksum"] {
  if (sidecar === undefined) return { state: "absent" };
  const expected = new TextDecoder().decode(sidecar).trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  if (!/^[0-9a-f]{64}$/.test(expected)) return { state: "unreadable" };
  return expected === sha256 ? { state: "ok" } : { state: "mismatch", expected };
}

/**
 * Verifies one daily chain: each line's `checksum` must be
 * sha256(prev_checksum + json.dumps(line without checksum, sort_keys=True)),
 * and each `prev_checksum` the checksum of the line before (64 zeros first).
 */
function verifyChain(
  content: Uint8Array,
  source: string,
  events: LegacyEvent[],
): Omit<LegacyChain, "source" | "sha256"> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(content);
  } catch {
    return { events: 0, ok: false, line: 1, problem: "the file is not UTF-8 text" };
  }
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  let prev = GENESIS;
  let bad: { line: number; problem: string } | undefined;
  for (const [index, line] of lines.entries()) {
    let value: PyValue;
    try {
      value = parsePyJson(line);
    } catch (error) {
      bad ??= { line: index + 1, problem: `not valid JSON: ${(error as Error).message}` };
      continue;
    }
    if (value.kind !== "object") {
      bad ??= { line: index + 1, problem: "not a JSON object" };
      continue;
    }
    const field = (name: string): string | undefined => {
      const item = value.kind === "object" ? value.entries.get(name) : undefined;
      return item?.kind === "string" ? item.value : undefined;
    };
    const payload = value.entries.get("payload");
    const recordId = payload?.kind === "object" ? payload.entries.get("record_id") : undefined;
    const checksum = field("checksum");
    const prevChecksum = field("prev_checksum");
    if (!bad) {
      if (checksum === undefined || prevChecksum === undefined) {
        bad = { line: index + 1, problem: 'no "checksum" or "prev_checksum"' };
      } else if (prevChecksum !== prev) {
        bad = {
          line: index + 1,
          problem: `"prev_checksum" does not link to the line before (expected ${
            prev.slice(0, 12)
          }…, found ${prevChecksum.slice(0, 12)}…): a line is missing, reordered or inserted`,
        };
      } else {
        const rest = new Map(value.entries);
        rest.delete("checksum");
        const computed = sha256Hex(prev + pyDumps({ kind: "object", entries: rest }));
        if (computed !== checksum) {
          bad = {
            line: index + 1,
            problem: `"checksum" does not match the line's content (computed ${
              computed.slice(0, 12)
            }…, recorded ${checksum.slice(0, 12)}…): the line was edited`,
          };
        }
      }
      prev = checksum ?? prev;
    }
    events.push({
      eventId: field("event_id"),
      recordId: recordId?.kind === "string" ? recordId.value : undefined,
      source,
      verified: !bad,
    });
  }
  return bad ? { events: lines.length, ok: false, ...bad } : { events: lines.length, ok: true };
}
