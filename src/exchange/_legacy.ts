import * as path from "node:path";
import { LabosError } from "../errors.ts";
import {
  type Dataset,
  type Experiment,
  type Job,
  newId,
  RECORD_SCHEMAS,
  type RecordType,
} from "../records/mod.ts";
import { recordEvent } from "../storage/mod.ts";
import type { ExchangeContext } from "./_upgrade.ts";
import { formatIssues, toFieldIssues } from "../validation.ts";
import { type LegacyRoot, readLegacyRoot } from "./_legacy_read.ts";
import { mapLegacyRecord, type MappedRecord } from "./_legacy_map.ts";

/** The folder, inside the data folder, holding byte-for-byte copies of imported legacy files. */
export const LEGACY_COPY_FOLDER = "legacy";

/** Options for {@linkcode importLegacyRoot}. */
export interface LegacyImportOptions {
  /** Check and report everything, write nothing. */
  dryRun?: boolean;
}

/** What happened to one legacy record file. */
export interface LegacyRecordReport {
  /** Its path relative to the legacy root. */
  source: string;
  /** SHA-256 of its bytes. */
  sha256: string;
  /** The LabOS type of its folder. */
  type: RecordType;
  /** Its legacy id, when it could be read. */
  legacyId: string | null;
  /** `imported`, `would-import` (dry run), `already-imported` or `skipped`. */
  outcome: "imported" | "would-import" | "already-imported" | "skipped";
  /** The LabOS id it was imported as (now or by an earlier run). */
  id: string | null;
  /** Sidecar check: `ok`, `mismatch`, `absent` or `unreadable`. */
  checksum: "ok" | "mismatch" | "absent" | "unreadable";
  /** Legacy audit chain check of its events: true, false, or null when no event names it. */
  chainVerified: boolean | null;
  /** Why it was skipped, and notes on lossy mappings. */
  problems: string[];
}

/** The result of `labos migrate --from-legacy`. */
export interface LegacyImportReport {
  /** The legacy root. */
  source: string;
  /** True when nothing was written. */
  dryRun: boolean;
  /** One entry per record file. */
  records: LegacyRecordReport[];
  /** One entry per daily audit file. */
  chains: Array<{ source: string; events: number; ok: boolean; line?: number; problem?: string }>;
  /** Paths that were not regular files and were ignored. */
  skippedPaths: string[];
  /** How many files were copied under `data/legacy/` by this run. */
  copied: number;
  /** Counts by outcome. */
  counts: { imported: number; alreadyImported: number; skipped: number };
  /** True when every record was imported (now or before) and every checksum and chain verified. */
  ok: boolean;
}

interface Previous {
  id: string;
  sha256: string;
}

/** Imports a legacy (Python) LabOS root into an initialised data folder; see the README. */
export async function importLegacyRoot(
  lab: ExchangeContext,
  dir: string,
  options: LegacyImportOptions = {},
): Promise<LegacyImportReport> {
  const legacy = await readLegacyRoot(dir);
  const run = async (): Promise<LegacyImportReport> => {
    if (options.dryRun) {
      const plan = await planImport(lab, legacy, await previousImports(lab));
      return finish(legacy, plan.reports, 0, true);
    }
    return await lab.storage.transaction(async (tx) => {
      const plan = await planImport(lab, legacy, await previousImports(lab));
      const copied = await copyLegacyFiles(lab, legacy, plan.copies);
      for (const { mapped, event } of plan.imports) {
        tx.create(mapped.type, mapped.record as never);
        tx.audit(
          recordEvent(lab.actor, "data.imported", {
            type: mapped.type,
            record: mapped.record,
            details: event,
          }),
        );
      }
      for (const [experimentId, link] of plan.externalLinks) {
        const before = await tx.get("experiment", experimentId);
        const after: Experiment = {
          ...before,
          jobIds: [...before.jobIds, ...link.jobIds],
          datasetIds: [...before.datasetIds, ...link.datasetIds],
          updatedAt: lab.now().toISOString(),
        };
        tx.put("experiment", after);
        tx.audit(recordEvent(lab.actor, "experiment.linked", {
          type: "experiment",
          record: after,
          reason: "Legacy import: records of this experiment",
          details: {
            before: { jobIds: before.jobIds, datasetIds: before.datasetIds },
            after: { jobIds: after.jobIds, datasetIds: after.datasetIds },
          },
        }));
      }
      for (const report of plan.reports) {
        if (report.outcome === "would-import") report.outcome = "imported";
      }
      return finish(legacy, plan.reports, copied, false);
    });
  };
  return await run();
}

function finish(
  legacy: LegacyRoot,
  reports: LegacyRecordReport[],
  copied: number,
  dryRun: boolean,
): LegacyImportReport {
  const count = (outcome: LegacyRecordReport["outcome"]) =>
    reports.filter((report) => report.outcome === outcome).length;
  const counts = {
    imported: count("imported") + count("would-import"),
    alreadyImported: count("already-imported"),
    skipped: count("skipped"),
  };
  const ok = counts.skipped === 0 && legacy.chains.every((chain) => chain.ok) &&
    reports.every((report) =>
      (report.checksum === "ok" || report.checksum === "absent") && report.chainVerified !== false
    );
  return {
    source: legacy.root,
    dryRun,
    records: reports,
    chains: legacy.chains.map(({ source, events, ok, line, problem }) => ({
      source,
      events,
      ok,
      ...(line === undefined ? {} : { line, problem }),
    })),
    skippedPaths: legacy.skipped,
    copied,
    counts,
    ok,
  };
}

interface Plan {
  reports: LegacyRecordReport[];
  imports: Array<{ mapped: MappedRecord; event: Record<string, unknown> }>;
  /** Links to add to experiments imported by an earlier run. */
  externalLinks: Map<string, { jobIds: string[]; datasetIds: string[] }>;
  /** Source path → where its copy goes, relative to `data/legacy/`, for files not copied yet. */
  copies: Map<string, string>;
}

async function planImport(
  lab: ExchangeContext,
  legacy: LegacyRoot,
  previous: Map<string, Previous[]>,
): Promise<Plan> {
  const copyOf = new Map<string, string>();
  const copies = new Map<string, string>();
  for (const file of legacy.files) {
    // Same path, same bytes: already copied. Another version keeps both, the new one suffixed.
    let copy = file.source;
    const existing = await lab.storage.attachmentHash(copy);
    if (existing !== undefined && existing !== file.sha256) {
      copy = `${file.source}.${file.sha256.slice(0, 12)}`;
      const again = await lab.storage.attachmentHash(copy);
      if (again !== file.sha256) copies.set(file.source, copy);
    } else if (existing === undefined) {
      copies.set(file.source, copy);
    }
    copyOf.set(file.source, `${LEGACY_COPY_FOLDER}/${copy}`);
  }
  const reports: LegacyRecordReport[] = [];
  const imports: Plan["imports"] = [];
  const eventsOf = new Map<string, boolean[]>();
  const verifiedEventIds = new Map<string, boolean>();
  for (const event of legacy.events) {
    if (event.recordId !== undefined) {
      eventsOf.set(event.recordId, [...(eventsOf.get(event.recordId) ?? []), event.verified]);
    }
    if (event.eventId !== undefined) verifiedEventIds.set(event.eventId, event.verified);
  }
  const ids = new Map<string, string>(); // "type:legacyId" → LabOS id, earlier imports first
  for (const [key, entries] of previous) ids.set(key, entries[entries.length - 1].id);

  for (const file of legacy.records) {
    const report: LegacyRecordReport = {
      source: file.source,
      sha256: file.sha256,
      type: file.type,
      legacyId: null,
      outcome: "skipped",
      id: null,
      checksum: file.checksum.state,
      chainVerified: null,
      problems: [],
    };
    reports.push(report);
    if (file.checksum.state === "mismatch") {
      report.problems.push(
        `the .sha256 sidecar says ${file.checksum.expected?.slice(0, 12)}…, the file hashes to ${
          file.sha256.slice(0, 12)
        }…: the file changed after its checksum was written`,
      );
    } else if (file.checksum.state === "unreadable") {
      report.problems.push("the .sha256 sidecar does not hold a SHA-256");
    }
    if (!file.record) {
      report.problems.unshift(`malformed: ${file.malformed}`);
      continue;
    }
    const legacyId = typeof file.record.record_id === "string"
      ? file.record.record_id
      : typeof file.record.id === "string"
      ? file.record.id
      : null;
    report.legacyId = legacyId;
    const events = legacyId === null ? [] : eventsOf.get(legacyId) ?? [];
    const lastEvent = file.record.last_audit_event_id;
    const lastVerified = typeof lastEvent === "string"
      ? verifiedEventIds.get(lastEvent)
      : undefined;
    report.chainVerified = typeof lastEvent === "string" && lastVerified === undefined
      ? false
      : events.length === 0 && lastVerified === undefined
      ? null
      : events.every(Boolean) && lastVerified !== false;
    if (report.chainVerified === false) {
      report.problems.push(
        typeof lastEvent === "string" && lastVerified === undefined
          ? `its last audit event ${JSON.stringify(lastEvent)} is not in the legacy audit log`
          : "its legacy audit events are in a chain that does not verify",
      );
    }
    const key = `${file.type}:${legacyId}`;
    const earlier = previous.get(key)?.find((entry) => entry.sha256 === file.sha256);
    if (earlier) {
      report.outcome = "already-imported";
      report.id = earlier.id;
      continue;
    }
    let mapped: MappedRecord;
    try {
      mapped = mapLegacyRecord(file.type, file.record, {
        provenance: {
          source: file.source,
          sha256: file.sha256,
          copy: copyOf.get(file.source)!,
          checksumVerified: file.checksum.state === "absent" ? null : file.checksum.state === "ok",
          chainVerified: report.chainVerified,
        },
        newId: () => newId(file.type),
      });
    } catch (error) {
      report.problems.unshift(`cannot be mapped: ${(error as Error).message}`);
      continue;
    }
    if (imports.some((item) => `${item.mapped.type}:${item.mapped.legacyId}` === key)) {
      report.problems.unshift(`duplicate legacy id ${JSON.stringify(legacyId)} in this import`);
      continue;
    }
    if (previous.has(key)) {
      report.problems.push(
        `a different version of this record was imported before as ${ids.get(key)}`,
      );
    }
    report.outcome = "would-import";
    report.id = mapped.record.id;
    report.problems.push(...mapped.notes);
    ids.set(key, mapped.record.id);
    imports.push({
      mapped,
      event: {
        source: { file: file.source, sha256: file.sha256, sizeBytes: file.size },
        copy: copyOf.get(file.source)!,
        legacy: { type: file.type, id: legacyId, shape: mapped.shape },
        checksumVerified: file.checksum.state === "absent" ? null : file.checksum.state === "ok",
        chainVerified: report.chainVerified,
      },
    });
  }

  // References: legacy ids resolve to records of this import, then of earlier ones.
  const fresh = new Map(imports.map(({ mapped }) => [`${mapped.type}:${mapped.legacyId}`, mapped]));
  const jobsOfDemo = new Map<string, string>();
  for (const { mapped } of imports) {
    for (const jobId of mapped.jobLegacyIds ?? []) jobsOfDemo.set(jobId, mapped.legacyId);
  }
  const links = new Map<string, { jobIds: string[]; datasetIds: string[] }>();
  for (const { mapped } of imports) {
    if (mapped.type === "experiment") continue;
    const experimentLegacyId = mapped.experimentLegacyId ??
      (mapped.type === "job" ? jobsOfDemo.get(mapped.legacyId) : undefined);
    if (experimentLegacyId === undefined) continue;
    const experimentId = ids.get(`experiment:${experimentLegacyId}`);
    if (!experimentId) {
      mapped.notes.push(`experiment ${JSON.stringify(experimentLegacyId)} was not found`);
      const report = reports.find((item) => item.id === mapped.record.id);
      report?.problems.push(`experiment ${JSON.stringify(experimentLegacyId)} was not found`);
      continue;
    }
    (mapped.record as Job | Dataset).experimentId = experimentId;
    const link = links.get(experimentId) ?? { jobIds: [], datasetIds: [] };
    (mapped.type === "job" ? link.jobIds : link.datasetIds).push(mapped.record.id);
    links.set(experimentId, link);
  }
  const externalLinks: Plan["externalLinks"] = new Map();
  for (const [experimentId, link] of links) {
    const own = [...fresh.values()].find((item) => item.record.id === experimentId);
    if (!own) {
      externalLinks.set(experimentId, link);
      continue;
    }
    const experiment = own.record as Experiment;
    experiment.jobIds = [...link.jobIds].sort();
    experiment.datasetIds = [...link.datasetIds].sort();
  }
  for (const { mapped } of imports) {
    const result = RECORD_SCHEMAS[mapped.type].safeParse(mapped.record);
    if (!result.success) {
      throw new LabosError(
        "internal",
        `Cannot import ${JSON.stringify(mapped.legacyId)}: the mapped record is invalid: ${
          formatIssues(toFieldIssues(result.error))
        }`,
      );
    }
  }
  return { reports, imports, externalLinks, copies };
}

/** Earlier imports, from the audit log: "type:legacyId" → LabOS ids and source hashes. */
async function previousImports(lab: ExchangeContext): Promise<Map<string, Previous[]>> {
  const found = new Map<string, Previous[]>();
  for await (const event of lab.storage.auditScan()) {
    if (event.action !== "data.imported") continue;
    const legacy = event.details.legacy as { type?: string; id?: string } | undefined;
    const source = event.details.source as { sha256?: string } | undefined;
    if (typeof legacy?.id !== "string" || typeof source?.sha256 !== "string") continue;
    const key = `${legacy.type}:${legacy.id}`;
    found.set(key, [...(found.get(key) ?? []), { id: event.target.id, sha256: source.sha256 }]);
  }
  return found;
}

/** Copies the legacy files not copied yet under `data/legacy/`, byte for byte. */
async function copyLegacyFiles(
  lab: ExchangeContext,
  legacy: LegacyRoot,
  copies: Map<string, string>,
): Promise<number> {
  for (const [source, copy] of copies) {
    await lab.storage.attach(copy, path.join(legacy.root, source));
  }
  return copies.size;
}
