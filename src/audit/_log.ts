/**
 * The `AuditLog` class: appends, the head, listing, scanning, export and
 * verification of one data folder's audit log.
 *
 * @module
 */
import { randomHex } from "../_crypto.ts";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import {
  atomicWriteFile,
  durableAppend,
  ensureDirectory,
  fsyncDirectory,
  linkRefusal,
  refuseLinks,
} from "../durable/mod.ts";
import { type FieldIssue, LabosError, quote } from "../errors.ts";
import { newId } from "../records/ids.ts";
import {
  CODES,
  encodeEvent,
  formatHead,
  HEAD_FILE,
  lastLineEnd,
  LOG_FILE,
  readFully,
} from "./_format.ts";
import { eventsAt, listEvents, scanEvents, type ScanOptions } from "./_read.ts";
import { resolveHead } from "./_tail.ts";
import type {
  AuditEvent,
  AuditEventInput,
  AuditFilter,
  AuditHead,
  AuditPage,
  VerifiedSelection,
  VerifyResult,
} from "./_types.ts";
import { verifyLogFile, verifyLogSelecting } from "./_verify.ts";
import { checkLine } from "./_line_check.ts";

/** Events encoded after the log's last event, not yet written: see {@linkcode AuditLog.stage}. */
export interface StagedAppend {
  /** The seq of the last event when the tail was read (0 for an empty log). */
  baseSeq: number;
  /** The events as they will be stored. */
  events: AuditEvent[];
  /** Appends them, if the log is unchanged since the tail was read. */
  write(): Promise<void>;
}

/** Options for {@linkcode AuditLog}. */
export interface AuditLogOptions {
  /** The clock, for tests. Default: `() => new Date()`. */
  now?: () => Date;
  /**
   * The data folder holding `auditDir`. When set, every use refuses (never
   * follows) a symbolic link at the audit folder, `log.jsonl` or
   * `head.json`, or at a folder between them and the data folder.
   */
  root?: string;
}

/** What {@linkcode AuditLog.exportTo} wrote. */
export interface AuditExport {
  /** How many events the copy holds. */
  events: number;
  /** The head written beside the copy. */
  head: AuditHead;
}

/**
 * The audit log of one data folder, in `auditDir` (normally `data/audit`).
 * Writers must hold the data folder lock (`withLock`) around `append` and
 * `appendMany`; readers need no lock.
 *
 * @example
 * ```ts
 * import { AuditLog } from "./mod.ts";
 * import { mkdtemp } from "node:fs/promises";
 * import assert from "node:assert/strict";
 * const audit = new AuditLog(await mkdtemp("/tmp/labos-audit-"));
 * assert.ok((await audit.head()).seq === 0);
 * ```
 */
export class AuditLog {
  /** The folder holding `log.jsonl` and `head.json`. */
  readonly auditDir: string;
  /** The path of `log.jsonl`. */
  readonly logFile: string;
  /** The path of `head.json`. */
  readonly headFile: string;
  #now: () => Date;
  readonly #root: string | undefined;
  #writing: Promise<unknown> = Promise.resolve();

  /** Opens the log in `auditDir`; nothing is read or created until used. */
  constructor(auditDir: string, options: AuditLogOptions = {}) {
    this.auditDir = auditDir;
    this.logFile = path.join(auditDir, LOG_FILE);
    this.headFile = path.join(auditDir, HEAD_FILE);
    this.#now = options.now ?? (() => new Date());
    this.#root = options.root;
  }

  /** Refuses symbolic links on the way to the log and its head (a few lstats per use). */
  async #refuseLinks(): Promise<void> {
    if (this.#root === undefined) return;
    await refuseLinks(this.logFile, { root: this.#root });
    const head = await fs.lstat(this.headFile).catch(() => undefined);
    if (head?.isSymbolicLink()) throw linkRefusal(this.headFile, { root: this.#root });
  }

  /**
   * Appends one event and returns it as stored. Reads only the last line of
   * the log (never the whole log) and refuses to append after damage.
   *
   * @example
   * ```ts
   * import { AuditLog } from "./mod.ts";
   * import { mkdtemp } from "node:fs/promises";
   * import assert from "node:assert/strict";
   * const audit = new AuditLog(await mkdtemp("/tmp/labos-audit-"));
   * const event = await audit.append({
   *   actor: "ada", action: "dataset.deleted", target: { type: "dataset", id: "ds_1" },
   *   reason: "Uploaded to the wrong experiment", details: {},
   * });
   * assert.ok(event.seq === 1);
   * ```
   */
  async append(input: AuditEventInput): Promise<AuditEvent> {
    const [event] = await this.appendMany([input]);
    return event;
  }

  /**
   * Appends events with one durable write, then one head write. A crash
   * between the two leaves `head.json` behind by the whole batch: verify
   * accepts that lag with a warning when the events chain from the head,
   * and the next append rewrites the head.
   *
   * @example
   * ```ts
   * import { AuditLog } from "./mod.ts";
   * import { mkdtemp } from "node:fs/promises";
   * import assert from "node:assert/strict";
   * const audit = new AuditLog(await mkdtemp("/tmp/labos-audit-"));
   * const target = { type: "experiment", id: "exp_1" };
   * const events = await audit.appendMany([
   *   { actor: "ada", action: "experiment.created", target, reason: null, details: {} },
   *   { actor: "ada", action: "experiment.submitted", target, reason: null, details: {} },
   * ]);
   * assert.ok(events[1].seq === 2);
   * ```
   */
  appendMany(inputs: AuditEventInput[]): Promise<AuditEvent[]> {
    // Appends of one instance are serialized: each must see the previous one's tail.
    const result = this.#writing.then(() => this.#appendNow(inputs));
    this.#writing = result.catch(() => undefined);
    return result;
  }

  async #appendNow(inputs: AuditEventInput[]): Promise<AuditEvent[]> {
    if (Array.isArray(inputs) && inputs.length === 0) return [];
    const staged = await this.#stageNow(inputs);
    await staged.write();
    return staged.events;
  }

  /**
   * Compare-and-append in two steps, reading the log's tail once: encodes
   * `inputs` after the current last event, and `write()` appends them only
   * if the log is unchanged since (else `conflict`). For a writer that must
   * record `baseSeq` before appending, such as a redo journal. The caller
   * holds the data folder lock.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AuditLog } from "./mod.ts";
   * import { mkdtemp } from "node:fs/promises";
   * const audit = new AuditLog(await mkdtemp("/tmp/labos-audit-"));
   * const target = { type: "experiment", id: "exp_1" };
   * const staged = await audit.stage([
   *   { actor: "ada", action: "experiment.created", target, reason: null, details: {} },
   * ]);
   * assert.deepEqual(staged.baseSeq, 0);
   * await staged.write();
   * assert.deepEqual(await audit.lastSeq(), 1);
   * ```
   */
  stage(inputs: AuditEventInput[]): Promise<StagedAppend> {
    const result = this.#writing.then(() => this.#stageNow(inputs));
    this.#writing = result.catch(() => undefined);
    return result;
  }

  async #stageNow(inputs: AuditEventInput[]): Promise<StagedAppend> {
    const checked = checkInputs(inputs);
    await this.#refuseLinks();
    const { tail } = await resolveHead(this.logFile, {
      headFile: this.headFile,
      context: "Cannot append to the audit log",
    });
    if (checked.length === 0) {
      return { baseSeq: tail.seq, events: [], write: () => Promise.resolve() };
    }
    const { events, lines, hash: prev } = encodeChecked(checked, tail, this.#now());
    const write = async (): Promise<void> => {
      const size = await fs.lstat(this.logFile).then((stat) => stat.size, () => 0);
      if (size !== tail.size) {
        throw new LabosError(
          "conflict",
          `Cannot append to the audit log: it changed since seq ${tail.seq} was read`,
        );
      }
      if (tail.size === 0) await ensureDirectory(this.auditDir);
      await durableAppend(this.logFile, lines.join(""), { root: this.#root });
      await atomicWriteFile(
        this.headFile,
        formatHead({ seq: events[events.length - 1].seq, hash: prev }),
        { root: this.#root },
      );
    };
    return { baseSeq: tail.seq, events, write };
  }

  /**
   * The seq and hash of the last event, read from the end of the log and
   * checked against `head.json`. Throws `check_failed` on damage at the end.
   *
   * @example
   * ```ts
   * import { AuditLog, GENESIS_HASH } from "./mod.ts";
   * import { mkdtemp } from "node:fs/promises";
   * import assert from "node:assert/strict";
   * const head = await new AuditLog(await mkdtemp("/tmp/labos-audit-")).head();
   * assert.ok(head.seq === 0 && head.hash === GENESIS_HASH);
   * ```
   */
  async head(): Promise<AuditHead> {
    const context = "Cannot read the audit log head";
    await this.#refuseLinks();
    // Without the lock: another process may be appending, so a partial last line is skipped.
    return (await resolveHead(this.logFile, { headFile: this.headFile, context, reader: true }))
      .head;
  }

  /**
   * The seq of the last event (0 for an empty log), like `head().seq`.
   *
   * @example
   * ```ts
   * import { AuditLog } from "./mod.ts";
   * import { mkdtemp } from "node:fs/promises";
   * import assert from "node:assert/strict";
   * assert.ok(await new AuditLog(await mkdtemp("/tmp/labos-audit-")).lastSeq() === 0);
   * ```
   */
  async lastSeq(): Promise<number> {
    return (await this.head()).seq;
  }

  /**
   * Repairs a torn log (an append interrupted mid-line): moves the bytes
   * after the last newline into a new file in `quarantineDir`, truncates the
   * log to its last complete line and returns the quarantine file's path.
   * The caller holds the data folder lock. Throws `conflict` when the log
   * is not torn.
   *
   * @example
   * ```ts
   * import { AuditLog } from "./mod.ts";
   * import { appendFile, mkdtemp } from "node:fs/promises";
   * import assert from "node:assert/strict";
   * const audit = new AuditLog(await mkdtemp("/tmp/labos-audit-"));
   * await appendFile(audit.logFile, '{"event":{"v":1,"se');
   * const moved = await audit.quarantineTornTail(`${audit.auditDir}/quarantine`);
   * assert.ok((await audit.verify()).ok && moved.endsWith(".part"));
   * ```
   */
  quarantineTornTail(quarantineDir: string): Promise<string> {
    const result = this.#writing.then(() => this.#quarantineNow(quarantineDir));
    this.#writing = result.catch(() => undefined);
    return result;
  }

  async #quarantineNow(quarantineDir: string): Promise<string> {
    await this.#refuseLinks();
    if (this.#root !== undefined) {
      await refuseLinks(quarantineDir, { root: this.#root, folder: true });
    }
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.logFile, "r+");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      throw new LabosError(
        "conflict",
        `Cannot quarantine the audit log tail: ${quote(this.logFile)} does not exist`,
      );
    }
    try {
      const size = (await handle.stat()).size;
      const end = await lastLineEnd(handle, size);
      if (end === size) {
        throw new LabosError(
          "conflict",
          `Cannot quarantine the audit log tail: ${quote(this.logFile)} ends with a complete line`,
        );
      }
      const torn = new Uint8Array(size - end);
      await readFully(handle, { buffer: torn, length: torn.length, position: end });
      await ensureDirectory(quarantineDir);
      const stamp = this.#now().toISOString().replace(/[:.]/g, "-");
      const file = path.join(quarantineDir, `log-${stamp}-${randomHex(3)}.part`);
      await atomicWriteFile(file, torn, { root: this.#root });
      await handle.truncate(end);
      await handle.sync();
      return file;
    } finally {
      await handle.close();
    }
  }

  /**
   * Checks every line and the head; reports the first damage. Run it while
   * no append is in progress (under the lock) for an exact answer: an append
   * racing with it can look like an interrupted one.
   *
   * @example
   * ```ts
   * import { AuditLog } from "./mod.ts";
   * import { mkdtemp } from "node:fs/promises";
   * import assert from "node:assert/strict";
   * const result = await new AuditLog(await mkdtemp("/tmp/labos-audit-")).verify();
   * assert.ok(result.ok && result.events === 0);
   * ```
   */
  async verify(): Promise<VerifyResult> {
    await this.#refuseLinks();
    return await verifyLogFile(this.logFile, { headFile: this.headFile });
  }

  /**
   * {@linkcode AuditLog.verify}, and the events of `actions` found in the
   * same pass: a check of those events reads only their lines.
   *
   * @example
   * ```ts
   * import { AuditLog } from "./mod.ts";
   * import { mkdtemp } from "node:fs/promises";
   * import assert from "node:assert/strict";
   * const log = new AuditLog(await mkdtemp("/tmp/labos-audit-"));
   * const { result, events } = await log.verifySelecting(["user.key-created"]);
   * assert.ok(result.ok);
   * for await (const _ of events) assert.fail();
   * ```
   */
  async verifySelecting(actions: readonly string[]): Promise<VerifiedSelection> {
    await this.#refuseLinks();
    const { result, lines } = await verifyLogSelecting(this.logFile, {
      headFile: this.headFile,
      actions,
    });
    return { result, events: eventsAt(this.logFile, lines) };
  }

  /**
   * Checks a log file and, when given, its head file (for example an export
   * and its `.head.json`). Without a head file a dropped tail cannot be
   * detected; the result then carries a warning.
   *
   * @example
   * ```ts
   * import { AuditLog } from "./mod.ts";
   * import { mkdtemp } from "node:fs/promises";
   * import assert from "node:assert/strict";
   * const result = await AuditLog.verifyFiles("/nonexistent/log.jsonl", "/nonexistent/head.json");
   * assert.ok(result.ok && result.events === 0);
   * ```
   */
  static verifyFiles(logFile: string, headFile?: string): Promise<VerifyResult> {
    return verifyLogFile(logFile, headFile === undefined ? {} : { headFile });
  }

  /**
   * Lists events newest first, reading backwards from the end so that the
   * first pages of a large log are cheap.
   *
   * @example
   * ```ts
   * import { AuditLog } from "./mod.ts";
   * import { mkdtemp } from "node:fs/promises";
   * import assert from "node:assert/strict";
   * const page = await new AuditLog(await mkdtemp("/tmp/labos-audit-")).list({ actor: "ada", limit: 20 });
   * assert.ok(page.events.length === 0 && !page.hasMore);
   * ```
   */
  async list(filter: AuditFilter = {}): Promise<AuditPage> {
    await this.#refuseLinks();
    return await listEvents(this.logFile, filter);
  }

  /**
   * Streams every event, oldest first; with `actions`, only the events of
   * those actions (the others are checked, not decoded).
   *
   * @example
   * ```ts
   * import { AuditLog } from "./mod.ts";
   * import { mkdtemp } from "node:fs/promises";
   * for await (const event of new AuditLog(await mkdtemp("/tmp/labos-audit-")).scan()) console.log(event.action);
   * ```
   */
  async *scan(options: ScanOptions = {}): AsyncIterable<AuditEvent> {
    await this.#refuseLinks();
    yield* scanEvents(this.logFile, options);
  }

  /**
   * Writes a verified copy of the log for an external auditor: `outFile` is
   * a byte copy of `log.jsonl` up to its last event, and `<outFile>.head.json`
   * its head. Check it with {@linkcode AuditLog.verifyFiles} or any verifier
   * of the published format. Refuses (`check_failed`) to export a damaged log.
   *
   * @example
   * ```ts
   * import { AuditLog } from "./mod.ts";
   * import { mkdtemp } from "node:fs/promises";
   * import assert from "node:assert/strict";
   * const dir = await mkdtemp("/tmp/labos-audit-");
   * const { events } = await new AuditLog(dir).exportTo(`${dir}/export.jsonl`);
   * assert.ok((await AuditLog.verifyFiles(`${dir}/export.jsonl`, `${dir}/export.jsonl.head.json`)).ok);
   * assert.ok(events === 0);
   * ```
   */
  async exportTo(outFile: string): Promise<AuditExport> {
    const context = "Cannot export the audit log";
    await this.#refuseLinks();
    const { tail, head } = await resolveHead(this.logFile, { headFile: this.headFile, context });
    const dir = path.dirname(outFile);
    if (!(await fs.stat(dir).then((stat) => stat.isDirectory(), () => false))) {
      throw new LabosError("not_found", `${context}: folder ${quote(dir)} does not exist`);
    }
    const temp = path.join(dir, `.${path.basename(outFile)}.${randomHex(6)}.tmp`);
    try {
      if (tail.size > 0) {
        await fs.copyFile(this.logFile, temp);
        await fs.truncate(temp, tail.size);
      } else {
        await fs.writeFile(temp, "");
      }
      const result = await verifyLogFile(temp, { head });
      if (!result.ok) {
        throw new LabosError(
          "check_failed",
          `${context}: it is damaged at seq ${result.seq} (${result.kind}); run \`labos doctor --repair\``,
        );
      }
      const handle = await fs.open(temp, "r+");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, outFile);
      await fsyncDirectory(dir);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
    await atomicWriteFile(`${outFile}.head.json`, formatHead(head));
    return { events: head.seq, head };
  }
}

/** Events encoded after a log's last event by {@linkcode encodeEvents}. */
export interface EncodedEvents {
  /** The events as they will be stored. */
  events: AuditEvent[];
  /** Their lines, each ending in a newline, in order. */
  lines: string[];
  /** The hash of the last line: the new head's hash. */
  hash: string;
}

/**
 * Encodes events after a log's last event (`seq`, `hash` and `ts` of the
 * tail; seq 0, the genesis hash and `""` for an empty log), exactly as
 * `AuditLog` appends them: each input checked (`invalid` naming the field),
 * `ts` never decreasing, each line checked as verify will. Pure: for a
 * store that keeps the lines elsewhere, such as a database.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeEvents, GENESIS_HASH } from "./mod.ts";
 * const { events, lines } = encodeEvents([
 *   { actor: "ada", action: "experiment.created", target: { type: "experiment", id: "exp_1" }, reason: null, details: {} },
 * ], { seq: 0, hash: GENESIS_HASH, ts: "" }, new Date("2025-01-01T00:00:00Z"));
 * assert.equal(events[0].seq, 1);
 * assert.ok(lines[0].endsWith("\n"));
 * ```
 */
export function encodeEvents(
  inputs: AuditEventInput[],
  tail: { seq: number; hash: string; ts: string },
  now: Date,
): EncodedEvents {
  return encodeChecked(checkInputs(inputs), tail, now);
}

function encodeChecked(
  checked: AuditEventInput[],
  tail: { seq: number; hash: string; ts: string },
  now: Date,
): EncodedEvents {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new LabosError(
      "internal",
      `Cannot append to the audit log: the clock returned ${quote(String(now))}`,
    );
  }
  const clock = now.toISOString();
  const ts = tail.ts > clock ? tail.ts : clock;
  let prev = tail.hash;
  const events: AuditEvent[] = [];
  const lines: string[] = [];
  for (const input of checked) {
    const event: AuditEvent = {
      v: 1,
      seq: tail.seq + events.length + 1,
      id: newId("event", Date.parse(ts)),
      ts,
      actor: input.actor,
      action: input.action,
      target: { type: input.target.type, id: input.target.id },
      reason: input.reason,
      details: input.details,
      prev,
    };
    const { line, hash } = encodeEvent(event);
    assertVerifiable(line);
    events.push(event);
    lines.push(line);
    prev = hash;
  }
  return { events, lines, hash: prev };
}

function checkInputs(inputs: AuditEventInput[]): AuditEventInput[] {
  if (!Array.isArray(inputs)) {
    throw new LabosError(
      "invalid",
      `Cannot append to the audit log: expected an array of events, got ${show(inputs)}`,
    );
  }
  return inputs.map((input, index) => checkInput(input, inputs.length > 1 ? `${index}.` : ""));
}

// The same rule as the published audit event schema (src/audit/schema.ts).
const ACTION_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

function checkInput(input: AuditEventInput, at: string): AuditEventInput {
  const issues: FieldIssue[] = [];
  const offending: unknown[] = [];
  const need = (ok: boolean, field: string, message: string, value: unknown): void => {
    if (ok) return;
    issues.push({ path: `${at}${field}`, message });
    offending.push(value);
  };
  const nonEmpty = (value: unknown): boolean => typeof value === "string" && value.length > 0;
  const record = (typeof input === "object" && input !== null ? input : {}) as Partial<
    AuditEventInput
  >;
  need(typeof input === "object" && input !== null, "", "Must be an object", input);
  need(nonEmpty(record.actor), "actor", "Must be a non-empty string", record.actor);
  need(
    typeof record.action === "string" && ACTION_PATTERN.test(record.action),
    "action",
    "Must be dotted lowercase words, such as experiment.created",
    record.action,
  );
  const target = record.target as Partial<AuditEventInput["target"]> | undefined;
  const targetIsObject = typeof target === "object" && target !== null;
  need(
    targetIsObject && nonEmpty(target.type),
    "target.type",
    "Must be a non-empty string",
    target?.type,
  );
  need(
    targetIsObject && nonEmpty(target.id),
    "target.id",
    "Must be a non-empty string",
    target?.id,
  );
  need(
    record.reason === null || typeof record.reason === "string",
    "reason",
    "Must be a string or null",
    record.reason,
  );
  let details: Record<string, unknown> | undefined;
  try {
    const copy: unknown = JSON.parse(JSON.stringify(record.details) ?? "null");
    if (typeof copy === "object" && copy !== null && !Array.isArray(copy)) {
      details = copy as Record<string, unknown>;
    }
  } catch {
    // Reported below.
  }
  need(
    details !== undefined,
    "details",
    "Must be a JSON-serializable plain object",
    record.details,
  );
  if (issues.length > 0) {
    const first = issues[0];
    const field = first.path === "" ? "the event" : `"${first.path}"`;
    throw new LabosError(
      "invalid",
      `Cannot append to the audit log: ${field} ${first.message.toLowerCase()}, got ${
        show(offending[0])
      }`,
      { issues },
    );
  }
  return {
    actor: record.actor as string,
    action: record.action as string,
    target: { type: target?.type as string, id: target?.id as string },
    reason: record.reason as string | null,
    details: details as Record<string, unknown>,
  };
}

function show(value: unknown): string {
  try {
    return quote(value);
  } catch {
    return `a ${typeof value} that JSON cannot represent`;
  }
}

const encoder = new TextEncoder();

// A safety net: never write a line that verify would reject.
function assertVerifiable(line: string): void {
  const bytes = encoder.encode(line);
  const found = checkLine(bytes, 0, bytes.length - 1, new Float64Array(CODES.O_SIZE));
  const code = found === CODES.F_FRAME ? -1 : found;
  if (code !== 0) {
    throw new LabosError(
      "invalid",
      `Cannot append to the audit log: the event would not be a valid v1 record (check ${code}): ${
        quote(line.slice(0, 100))
      }`,
    );
  }
}
