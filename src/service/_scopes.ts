/**
 * Scopes: what a principal may see and change. Staff (instructor, TA,
 * admin) and the local CLI see everything; a student sees only experiments
 * they own or that are shared with them, the jobs, datasets and attachments
 * of those, and what they made themselves. Everything else answers exactly like a missing
 * id, so ids cannot be probed. Enforced here, by wrapping the storage a
 * student's `Lab` reads through, so no service call can forget it.
 *
 * @module
 */
import type { AuditEvent, AuditFilter } from "../audit/mod.ts";
import { LabosError, quote } from "../errors.ts";
import {
  type Attachment,
  type DatasetSummary,
  type Experiment,
  type Job,
  keyedId,
  type RecordOf,
  type RecordType,
  type SummaryOf,
} from "../records/mod.ts";
import {
  checkPage,
  type LabStorage,
  type Page,
  type RecordQuery,
  type StorageTransaction,
} from "../storage/mod.ts";

/** Who a scope is for: the acting name and the role (`local` for the CLI). */
export interface ScopeOwner {
  /** The acting username. */
  actor: string;
  /** The role: `admin`, `instructor`, `ta`, `student` or `local`. */
  role: string;
}

const MANAGERS: ReadonlySet<string> = new Set(["admin", "instructor", "local"]);

/**
 * Whether a role sees everything in the lab (every role but `student`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { seesEverything } from "./_scopes.ts";
 * assert.ok(seesEverything("ta") && !seesEverything("student"));
 * ```
 */
export function seesEverything(role: string): boolean {
  return role !== "student";
}

/**
 * Whether a role manages users, templates and assignments: `instructor`,
 * `admin` or `local`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { isManager } from "./_scopes.ts";
 * assert.ok(isManager("local") && !isManager("ta"));
 * ```
 */
export function isManager(role: string): boolean {
  return MANAGERS.has(role);
}

/**
 * Refuses (`forbidden`) unless the role manages users, templates and
 * assignments: `instructor`, `admin` or `local`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { requireManager } from "./_scopes.ts";
 * requireManager({ actor: "root", role: "admin" }, "add users");
 * assert.throws(() => requireManager({ actor: "ann", role: "ta" }, "add users"), /Only an instructor/);
 * ```
 */
export function requireManager(who: ScopeOwner, what: string): void {
  if (MANAGERS.has(who.role)) return;
  throw new LabosError(
    "forbidden",
    `Only an instructor or an admin may ${what}: ${quote(who.actor)} is a ${who.role}`,
  );
}

/**
 * Refuses (`forbidden`) a student: for administrative work on the whole
 * data folder (doctor, migrate, archives, exporting the audit log).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { requireStaff } from "./_scopes.ts";
 * requireStaff({ actor: "tim", role: "ta" }, "run doctor");
 * assert.throws(() => requireStaff({ actor: "sam", role: "student" }, "run doctor"), /student/);
 * ```
 */
export function requireStaff(who: ScopeOwner, what: string): void {
  if (seesEverything(who.role)) return;
  throw new LabosError(
    "forbidden",
    `A student may not ${what}: ask an instructor or a TA`,
  );
}

/**
 * Whether an experiment is in a student's scope: they own it or it is
 * shared with them.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ownsOrShares } from "./_scopes.ts";
 * assert.ok(ownsOrShares({ owner: "bob", sharedWith: ["amy"] }, "amy"));
 * assert.ok(!ownsOrShares({ owner: "bob" }, "amy"));
 * ```
 */
export function ownsOrShares(
  experiment: Pick<Experiment, "owner"> & { sharedWith?: string[] },
  actor: string,
): boolean {
  return experiment.owner === actor || (experiment.sharedWith ?? []).includes(actor);
}

/**
 * The error for a record out of scope: word for word the storage's answer
 * for a missing id.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { notFound } from "./_scopes.ts";
 * assert.equal(notFound("job", "job_1").message, 'No job with id "job_1"');
 * ```
 */
export function notFound(type: RecordType, id: string): LabosError {
  return new LabosError("not_found", `No ${type} with id ${quote(id)}`);
}

const SCOPED: ReadonlySet<string> = new Set(["experiment", "job", "dataset", "attachment"]);
// The storage's largest page and offset: a student's share is far smaller.
const ALL = 10_000;
const PAGES = [0, ALL];

/**
 * The storage as a principal may read it: the storage itself for staff and
 * the CLI; for a student, one whose reads of experiments, jobs, datasets and
 * audit events answer only what is in their scope. Writes are not filtered:
 * the service reads a record (through this view) before it changes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { FolderStorage } from "../storage/folder/mod.ts";
 * import { scopedStorage } from "./_scopes.ts";
 * const storage = new FolderStorage(await Deno.makeTempDir());
 * assert.equal(scopedStorage(storage, { actor: "local", role: "local" }), storage);
 * assert.notEqual(scopedStorage(storage, { actor: "sam", role: "student" }), storage);
 * ```
 */
export function scopedStorage(storage: LabStorage, who: ScopeOwner): LabStorage {
  if (seesEverything(who.role)) return storage;
  const view = new StudentView(storage, who.actor).storage();
  UNSCOPED.set(view, storage);
  return view;
}

const UNSCOPED = new WeakMap<LabStorage, LabStorage>();

/**
 * The storage under a scoped view (itself when it is not one), so that a
 * lab acting as someone else starts from everything.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { FolderStorage } from "../storage/folder/mod.ts";
 * import { scopedStorage, unscoped } from "./_scopes.ts";
 * const storage = new FolderStorage(await Deno.makeTempDir());
 * assert.equal(unscoped(scopedStorage(storage, { actor: "sam", role: "student" })), storage);
 * ```
 */
export function unscoped(storage: LabStorage): LabStorage {
  return UNSCOPED.get(storage) ?? storage;
}

type Linked = Pick<Job | DatasetSummary | Attachment, "createdBy" | "experimentId">;

class StudentView {
  readonly #base: LabStorage;
  readonly #actor: string;

  constructor(base: LabStorage, actor: string) {
    this.#base = base;
    this.#actor = actor;
  }

  storage(): LabStorage {
    const base = this.#base;
    return {
      location: base.location,
      manifestLocation: base.manifestLocation,
      manifest: () => base.manifest(),
      rawManifest: () => base.rawManifest(),
      initialize: (manifest, event, options) => base.initialize(manifest, event, options),
      get: (type, id) => this.get(type, id),
      list: (type, query) => this.list(type, query),
      getSummary: (type, id) => this.getSummary(type, id),
      listSummaries: (type, query) => this.listSummaries(type, query),
      count: (type) => this.count(type),
      locate: (type, id) => base.locate(type, id),
      auditHead: () => base.auditHead(),
      auditList: (filter) => this.auditList(filter),
      auditScan: () => base.auditScan(),
      verifyAudit: () => base.verifyAudit(),
      verifyAuditSelecting: (actions) => base.verifyAuditSelecting(actions),
      exportAudit: (outFile) => base.exportAudit(outFile),
      transaction: (fn) => base.transaction((tx) => fn(this.#tx(tx))),
      rawRecords: () => base.rawRecords(),
      backup: (stamp) => base.backup(stamp),
      needsReindex: (type) => base.needsReindex(type),
      attachmentHash: (name) => base.attachmentHash(name),
      attach: (name, sourceFile) => base.attach(name, sourceFile),
      putBlob: (source, options) => base.putBlob(source, options),
      readBlob: (sha256) => base.readBlob(sha256),
      blobSize: (sha256) => base.blobSize(sha256),
      listBlobs: () => base.listBlobs(),
      check: (options) => base.check(options),
      snapshot: (fn) => base.snapshot(fn),
      restore: (fill, options) => base.restore(fill, options),
      close: () => base.close(),
    };
  }

  async get<K extends RecordType>(type: K, id: string): Promise<RecordOf[K]> {
    const record = await this.#base.get(type, id);
    await this.#check(type, id, record);
    return record;
  }

  async getSummary<K extends RecordType>(type: K, id: string): Promise<SummaryOf[K]> {
    const record = await this.#base.getSummary(type, id);
    await this.#check(type, id, record);
    return record;
  }

  async list<K extends RecordType>(
    type: K,
    query: RecordQuery<RecordOf[K]> = {},
  ): Promise<Page<RecordOf[K]>> {
    return await this.#base.list(type, await this.#query(type, query));
  }

  async listSummaries<K extends RecordType>(
    type: K,
    query: RecordQuery<SummaryOf[K]> = {},
  ): Promise<Page<SummaryOf[K]>> {
    return await this.#base.listSummaries(type, await this.#query(type, query));
  }

  async count(type: RecordType): Promise<number> {
    if (!SCOPED.has(type)) return await this.#base.count(type);
    let total = 0;
    for (const offset of PAGES) {
      const page = await this.listSummaries(type, { limit: ALL, offset });
      total += page.items.length;
      if (!page.hasMore) break;
    }
    return total;
  }

  /** Audit events about records in scope, or made by the student; newest first. */
  async auditList(filter: AuditFilter = {}): Promise<Page<AuditEvent>> {
    const { limit, offset } = checkPage(filter, { max: 1000 });
    const since = filter.since === undefined ? undefined : Date.parse(filter.since);
    if (since !== undefined && Number.isNaN(since)) {
      // The storage words the error; it refuses the same filter.
      await this.#base.auditList({ since: filter.since, limit: 1 });
    }
    const experiments = await this.#experimentIds();
    const seen = new Map<string, boolean>();
    const matching: AuditEvent[] = [];
    for await (const event of this.#base.auditScan()) {
      if (
        (filter.actor !== undefined && event.actor !== filter.actor) ||
        (filter.action !== undefined && event.action !== filter.action) ||
        (filter.targetType !== undefined && event.target.type !== filter.targetType) ||
        (filter.targetId !== undefined && event.target.id !== filter.targetId) ||
        (since !== undefined && Date.parse(event.ts) < since)
      ) continue;
      if (event.actor === this.#actor || await this.#eventInScope(event, { experiments, seen })) {
        matching.push(event);
      }
    }
    matching.reverse();
    return {
      items: matching.slice(offset, offset + limit),
      hasMore: matching.length > offset + limit,
    };
  }

  async #eventInScope(
    event: AuditEvent,
    known: { experiments: Set<string>; seen: Map<string, boolean> },
  ): Promise<boolean> {
    const { type, id } = event.target;
    if (type === "experiment") return known.experiments.has(id);
    if (type === "user") return id === keyedId("user", this.#actor);
    if (type !== "job" && type !== "dataset" && type !== "attachment") return false;
    const key = `${type}:${id}`;
    let inScope = known.seen.get(key);
    if (inScope === undefined) {
      try {
        inScope = this.#linkedInScope(await this.#base.getSummary(type, id), known.experiments);
      } catch {
        inScope = false;
      }
      known.seen.set(key, inScope);
    }
    return inScope;
  }

  #tx(tx: StorageTransaction): StorageTransaction {
    return {
      get: async <K extends RecordType>(type: K, id: string) => {
        const record = await tx.get(type, id);
        await this.#check(type, id, record);
        return record;
      },
      create: (type, record) => tx.create(type, record),
      put: (type, record) => tx.put(type, record),
      audit: (event) => tx.audit(event),
      setManifest: (manifest) => tx.setManifest(manifest),
    };
  }

  async #check(type: RecordType, id: string, record: unknown): Promise<void> {
    if (!SCOPED.has(type)) return;
    if (type === "experiment") {
      if (ownsOrShares(record as Experiment, this.#actor)) return;
    } else {
      const linked = record as Linked;
      if (linked.createdBy === this.#actor) return;
      if (linked.experimentId !== null && await this.#experimentInScope(linked.experimentId)) {
        return;
      }
    }
    throw notFound(type, id);
  }

  async #experimentInScope(id: string): Promise<boolean> {
    try {
      return ownsOrShares(await this.#base.get("experiment", id), this.#actor);
    } catch {
      return false;
    }
  }

  #linkedInScope(record: Linked, experiments: Set<string>): boolean {
    return record.createdBy === this.#actor ||
      (record.experimentId !== null && experiments.has(record.experimentId));
  }

  /** The ids of the experiments in scope. */
  async #experimentIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const offset of PAGES) {
      const page = await this.#base.list("experiment", {
        limit: ALL,
        offset,
        where: (experiment) => ownsOrShares(experiment, this.#actor),
      });
      for (const experiment of page.items) ids.add(experiment.id);
      if (!page.hasMore) break;
    }
    return ids;
  }

  async #query<T>(type: RecordType, query: RecordQuery<T>): Promise<RecordQuery<T>> {
    if (!SCOPED.has(type)) return query;
    const where = query.where;
    if (type === "experiment") {
      return {
        ...query,
        where: (record) =>
          ownsOrShares(record as Experiment, this.#actor) && (where?.(record) ?? true),
      };
    }
    const experiments = await this.#experimentIds();
    return {
      ...query,
      where: (record) =>
        this.#linkedInScope(record as Linked, experiments) && (where?.(record) ?? true),
    };
  }
}
