import { stampOf } from "../durable/files.ts";
import { LabosError, quote } from "../errors.ts";
import { hashJson, RECORD_SCHEMAS, type RecordOf, type RecordType } from "../records/mod.ts";
import {
  DATA_FORMAT,
  DATA_SCHEMA_VERSION,
  type LabStorage,
  newFolderId,
  recordEvent,
  storeNoun,
} from "../storage/mod.ts";
import { formatIssues, toFieldIssues } from "../validation.ts";
import { VERSION } from "../version.ts";
import { type RawRecord, stepsBetween } from "./_steps.ts";

/** What an exchange needs: the storage, who is acting and the clock. */
export interface ExchangeContext {
  /** The storage. */
  readonly storage: LabStorage;
  /** Who is acting. */
  readonly actor: string;
  /** The clock. */
  readonly now: () => Date;
}

/** Options for `labos migrate`. */
export interface MigrateOptions {
  /** Report what would change and write nothing. */
  dryRun?: boolean;
  /** Migrate although the audit chain does not verify; needs `reason`. */
  force?: boolean;
  /** Why `force` is used, recorded in the `data.migrated` event. */
  reason?: string;
}

/** What `labos migrate` did, or would do with `dryRun`. */
export interface MigrateReport {
  /** The data folder. */
  dataDir: string;
  /** The layout version found. */
  from: number;
  /** The layout version after the upgrade. */
  to: number;
  /** True when nothing was written because of `dryRun`. */
  dryRun: boolean;
  /** False when the folder was already current: nothing to do. */
  changed: boolean;
  /** The steps applied, oldest first. */
  steps: Array<{ from: number; to: number; summary: string }>;
  /** How many records each step chain rewrote, by type. */
  records: { experiments: number; datasets: number; jobs: number };
  /** The backup folder, relative to the data folder, or null. */
  backup: string | null;
  /** True when the audit chain did not verify and `force` was used. */
  forced: boolean;
  /** For a PostgreSQL store: its table schema's version before and after (equal when current). */
  storeSchema?: { from: number; to: number };
}

const TYPES = ["experiment", "dataset", "job", "signature"] as const;

/** Reads the manifest without the version check of the service. */
export async function readRawManifest(storage: LabStorage): Promise<Record<string, unknown>> {
  const dataDir = storage.location;
  const file = storage.manifestLocation;
  const manifest = await storage.rawManifest();
  if (manifest === undefined) {
    throw new LabosError(
      "invalid",
      `${storeNoun(dataDir)} ${quote(dataDir)} is not initialised: there is nothing to migrate`,
    );
  }
  const record = manifest as Record<string, unknown> | null;
  if (record?.format !== DATA_FORMAT) {
    throw new LabosError(
      "invalid",
      `Cannot migrate ${quote(dataDir)}: ${file} is not a LabOS manifest ("format" is ${
        quote(record?.format)
      })`,
    );
  }
  const version = record.schemaVersion;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 0) {
    throw new LabosError(
      "invalid",
      `Cannot migrate ${quote(dataDir)}: "schemaVersion" is ${
        quote(version)
      }, expected a whole number`,
    );
  }
  if (version > DATA_SCHEMA_VERSION) {
    throw new LabosError(
      "invalid",
      `Cannot migrate ${
        quote(dataDir)
      }: "schemaVersion" is ${version}, newer than this LabOS ${VERSION} supports (${DATA_SCHEMA_VERSION}); upgrade LabOS`,
    );
  }
  return record;
}

/** Upgrades a data folder step by step; see `labos migrate` in the README. */
export async function migrateFolder(
  lab: ExchangeContext,
  options: MigrateOptions,
): Promise<MigrateReport> {
  const { storage } = lab;
  const layout = { current: DATA_SCHEMA_VERSION, labosVersion: VERSION };
  const first = await readRawManifest(storage);
  const from = first.schemaVersion as number;
  const reason = options.reason?.trim() ?? "";
  if (options.force && reason === "") {
    throw new LabosError("invalid", `"--force" needs a "--reason": say why the damage is accepted`);
  }
  const steps = stepsBetween(from, layout.current);
  if (!steps) {
    throw new LabosError(
      "invalid",
      `Cannot migrate ${
        quote(storage.location)
      }: no upgrade path from schemaVersion ${from} to ${layout.current}`,
    );
  }
  const report: MigrateReport = {
    dataDir: storage.location,
    from,
    to: layout.current,
    dryRun: options.dryRun === true,
    changed: false,
    steps: steps.map(({ from, to, summary }) => ({ from, to, summary })),
    records: { experiments: 0, datasets: 0, jobs: 0 },
    backup: null,
    forced: false,
  };
  if (steps.length === 0) return report;

  const plan = async () => {
    const verify = await storage.verifyAudit();
    if (!verify.ok && !options.force) {
      throw new LabosError(
        "check_failed",
        `Cannot migrate ${
          quote(storage.location)
        }: the audit log does not verify (${verify.kind} at seq ${verify.seq}: ${verify.message}); repair it with "labos doctor --repair", or pass --force with --reason`,
      );
    }
    const before = await storage.rawRecords();
    let after = before;
    for (const step of steps) after = step.upgrade(after);
    const changed = TYPES.map((type) =>
      [...after[type]].filter(([id, record]) => hashJson(record) !== hashJson(before[type].get(id)))
        .map(([id, record]) => ({
          type,
          id,
          record: validated(type, record, storage.locate(type, id)),
        }))
    ).flat();
    return { verify, before, after, changed };
  };

  if (options.dryRun) {
    const { verify, changed } = await plan();
    report.forced = !verify.ok;
    report.changed = true;
    report.records = countByType(changed);
    return report;
  }

  // The manifest is written after the records and events, still under the lock.
  return await storage.transaction(async (tx) => {
    const again = await readRawManifest(storage);
    if (again.schemaVersion === layout.current) {
      return { ...report, from: layout.current, steps: [] };
    }
    const { verify, before, after, changed } = await plan();
    const now = lab.now().toISOString();
    const backup = await storage.backup(stampOf(now));
    const reindex = new Map<RecordType, boolean>();
    for (const type of TYPES) reindex.set(type, await storage.needsReindex(type));
    const changedIds = new Set(changed.map(({ type, id }) => `${type}:${id}`));
    for (const type of TYPES) {
      for (const [id, raw] of after[type]) {
        const record = validated(type, raw, storage.locate(type, id));
        // A missing index is rebuilt through the journal: creating puts every id in it.
        if (reindex.get(type)) tx.create(type, record);
        else if (changedIds.has(`${type}:${id}`)) tx.put(type, record);
      }
    }
    for (const { type, id, record } of changed) {
      tx.audit(recordEvent(lab.actor, `${type}.migrated`, {
        type,
        record,
        details: {
          fromVersion: from,
          toVersion: layout.current,
          beforeHash: before[type].has(id) ? hashJson(before[type].get(id)) : null,
        },
      }));
    }
    const folderId = typeof again.folderId === "string" ? again.folderId : newFolderId();
    tx.audit({
      actor: lab.actor,
      action: "data.migrated",
      target: { type: "data", id: "labos" },
      reason: verify.ok ? null : reason,
      details: {
        from,
        to: layout.current,
        steps: report.steps,
        backup,
        records: countByType(changed),
        folderId,
        ...(verify.ok ? {} : { forced: { damage: verify.kind, seq: verify.seq } }),
      },
    });
    // Records and events first; the manifest last, so a crash before it reruns the (idempotent) steps.
    tx.setManifest({
      ...again,
      schemaVersion: layout.current,
      labosVersion: typeof again.labosVersion === "string"
        ? again.labosVersion
        : layout.labosVersion,
      folderId,
    });
    return {
      ...report,
      changed: true,
      records: countByType(changed),
      backup,
      forced: !verify.ok,
    };
  });
}

function validated<K extends RecordType>(type: K, raw: RawRecord, file: string): RecordOf[K] {
  const result = RECORD_SCHEMAS[type].safeParse(raw);
  if (!result.success) {
    throw new LabosError(
      "invalid",
      `Cannot migrate ${file}: after the upgrade, ${formatIssues(toFieldIssues(result.error))}`,
    );
  }
  return result.data as RecordOf[K];
}

function countByType(
  changed: Array<{ type: RecordType }>,
): { experiments: number; datasets: number; jobs: number } {
  const count = (type: RecordType) => changed.filter((item) => item.type === type).length;
  return { experiments: count("experiment"), datasets: count("dataset"), jobs: count("job") };
}
