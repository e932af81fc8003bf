import { randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { atomicWriteFile, ensureDirectory, withLock } from "../durable/mod.ts";
import { LabosError, quote } from "../errors.ts";
import {
  hashJson,
  INDEX_FOLDER,
  isId,
  RECORD_FOLDERS,
  RECORD_SCHEMAS,
  type RecordOf,
  type RecordType,
} from "../records/mod.ts";
import type { LabCore } from "../service/_core.ts";
import { recoverJournal, Transaction } from "../service/_transaction.ts";
import { formatIssues, toFieldIssues } from "../validation.ts";
import { copyFiles, stampOf, walkFiles } from "./_files.ts";
import { type RawRecord, type RawRecords, stepsBetween } from "./_steps.ts";

/** The manifest file, the current layout version and the format name (as in the service). */
export interface LayoutInfo {
  /** `labos.json`. */
  manifestFile: string;
  /** The version this release writes. */
  current: number;
  /** `labos-data`. */
  format: string;
  /** The LabOS version. */
  labosVersion: string;
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
}

const TYPES = ["experiment", "dataset", "job"] as const;

/** Reads the manifest without the version check of the service. */
export async function readRawManifest(
  dataDir: string,
  layout: LayoutInfo,
): Promise<Record<string, unknown>> {
  const file = path.join(dataDir, layout.manifestFile);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new LabosError(
      "invalid",
      `Data folder ${quote(dataDir)} is not initialised: there is nothing to migrate`,
    );
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new LabosError("invalid", `Cannot read ${file}: not valid JSON`);
  }
  const record = manifest as Record<string, unknown> | null;
  if (record?.format !== layout.format) {
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
  if (version > layout.current) {
    throw new LabosError(
      "invalid",
      `Cannot migrate ${
        quote(dataDir)
      }: "schemaVersion" is ${version}, newer than this LabOS ${layout.labosVersion} supports (${layout.current}); upgrade LabOS`,
    );
  }
  return record;
}

/** Upgrades a data folder step by step; see `labos migrate` in the README. */
export async function migrateFolder(
  lab: LabCore,
  layout: LayoutInfo,
  options: MigrateOptions,
): Promise<MigrateReport> {
  const first = await readRawManifest(lab.dataDir, layout);
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
        quote(lab.dataDir)
      }: no upgrade path from schemaVersion ${from} to ${layout.current}`,
    );
  }
  const report: MigrateReport = {
    dataDir: lab.dataDir,
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
    const verify = await lab.audit.verify();
    if (!verify.ok && !options.force) {
      throw new LabosError(
        "check_failed",
        `Cannot migrate ${
          quote(lab.dataDir)
        }: the audit log does not verify (${verify.kind} at seq ${verify.seq}: ${verify.message}); repair it with "labos doctor --repair", or pass --force with --reason`,
      );
    }
    const before = await readRecords(lab.dataDir);
    let after = before;
    for (const step of steps) after = step.upgrade(after);
    const changed = TYPES.map((type) =>
      [...after[type]].filter(([id, record]) => hashJson(record) !== hashJson(before[type].get(id)))
        .map(([id, record]) => ({
          type,
          id,
          record: validated(type, record, lab.store.pathOf(type, id)),
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

  // Not lab.mutate: the manifest must be written after the commit, still under the lock.
  return await withLock(lab.dataDir, async () => {
    await recoverJournal(lab.store, lab.audit);
    const tx = new Transaction();
    const again = await readRawManifest(lab.dataDir, layout);
    if (again.schemaVersion === layout.current) {
      return { ...report, from: layout.current, steps: [] };
    }
    const { verify, before, after, changed } = await plan();
    const now = lab.timestamp();
    const backup = await backupFolder(lab.dataDir, stampOf(now));
    const indexed = new Map<RecordType, boolean>();
    for (const type of TYPES) indexed.set(type, await exists(lab.store.indexPathOf(type)));
    const changedIds = new Set(changed.map(({ type, id }) => `${type}:${id}`));
    for (const type of TYPES) {
      for (const [id, raw] of after[type]) {
        const record = validated(type, raw, lab.store.pathOf(type, id));
        // A missing index is rebuilt through the journal: creating puts every id in it.
        if (!indexed.get(type)) tx.create(type, record);
        else if (changedIds.has(`${type}:${id}`)) tx.put(type, record);
      }
    }
    for (const { type, id, record } of changed) {
      tx.audit(lab.recordEvent(`${type}.migrated`, type, record, {
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
    await ensureDirectory(path.join(lab.dataDir, INDEX_FOLDER));
    // Records and events first; the manifest last, so a crash before it reruns the (idempotent) steps.
    await tx.commit(lab.store, lab.audit);
    const manifest = {
      ...again,
      schemaVersion: layout.current,
      labosVersion: typeof again.labosVersion === "string"
        ? again.labosVersion
        : layout.labosVersion,
      folderId,
    };
    await atomicWriteFile(
      path.join(lab.dataDir, layout.manifestFile),
      `${JSON.stringify(manifest, null, 2)}\n`,
    );
    return {
      ...report,
      changed: true,
      records: countByType(changed),
      backup,
      forced: !verify.ok,
    };
  });
}

/** A new data folder id: `lab_` and 26 random Crockford base32 characters. */
export function newFolderId(): string {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  return `lab_${Array.from(randomBytes(26), (byte) => alphabet[byte % 32]).join("")}`;
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

async function readRecords(dataDir: string): Promise<RawRecords> {
  const records: RawRecords = { experiment: new Map(), dataset: new Map(), job: new Map() };
  for (const type of TYPES) {
    const folder = path.join(dataDir, RECORD_FOLDERS[type]);
    const { files, skipped } = await walkFiles(folder, {
      exclude: (relative, isDirectory) => isDirectory || relative.startsWith("."),
    });
    if (skipped.length > 0) {
      throw new LabosError(
        "invalid",
        `Cannot migrate: ${
          path.join(folder, skipped[0])
        } is not a regular file; run "labos doctor"`,
      );
    }
    for (const file of files) {
      const id = file.relative.endsWith(".json") ? file.relative.slice(0, -5) : "";
      if (!isId(id, type)) {
        throw new LabosError(
          "invalid",
          `Cannot migrate: unexpected file ${file.absolute} (expected "<${type} id>.json"); move it aside first`,
        );
      }
      let value: unknown;
      try {
        value = JSON.parse(await fs.readFile(file.absolute, "utf8"));
      } catch (error) {
        throw new LabosError(
          "invalid",
          `Cannot migrate: ${file.absolute} is not valid JSON (${(error as Error).message})`,
        );
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new LabosError("invalid", `Cannot migrate: ${file.absolute} is not a JSON object`);
      }
      if ((value as RawRecord).id !== id) {
        throw new LabosError(
          "invalid",
          `Cannot migrate: ${file.absolute} has "id" ${quote((value as RawRecord).id)}`,
        );
      }
      records[type].set(id, value as RawRecord);
    }
  }
  return records;
}

/** Copies the manifest, records, indexes and audit log to `backups/<stamp>/`; returns its relative path. */
async function backupFolder(dataDir: string, stamp: string): Promise<string> {
  const relative = `backups/${stamp}`;
  const target = path.join(dataDir, relative);
  const keep = new Set(["labos.json", ...Object.values(RECORD_FOLDERS), "audit", "indexes"]);
  const { files } = await walkFiles(dataDir, {
    exclude: (name) => !keep.has(name.split("/")[0]) || path.basename(name).startsWith("."),
  });
  await copyFiles(dataDir, target, files.map((file) => file.relative));
  return relative;
}

async function exists(file: string): Promise<boolean> {
  return await fs.stat(file).then(() => true, () => false);
}
