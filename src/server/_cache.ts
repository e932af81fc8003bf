/**
 * Read-through caching of service answers, keyed by the audit head.
 *
 * Every committed change writes its records first and then appends its audit
 * events, so an unchanged head (seq and hash) means unchanged records, also
 * for changes made by another process such as the CLI. Reading the head is
 * two small file reads; a page answered from the cache skips the folder
 * listings and record reads behind `status()` and the list methods.
 *
 * @module
 */
import type { AuditEvent, AuditFilter, AuditHead, VerifyResult } from "../audit/mod.ts";
import type { DatasetSummary, Experiment, Job } from "../records/mod.ts";
import type {
  DatasetFilter,
  ExperimentFilter,
  JobFilter,
  Lab,
  LabStatus,
  Page,
} from "../service/mod.ts";

/** The outcome of the last audit verification, with the head it covered. */
export interface VerifyRecord {
  /** What `verifyAudit` returned. */
  result: VerifyResult;
  /** The head read just before the verification. */
  head: AuditHead;
  /** When it finished, RFC 3339. */
  at: string;
  /** How long it took, in ms. */
  durationMs: number;
}

const MAX_ENTRIES = 256;

/** The cached service reads at one audit head, read once for a whole page. */
export interface HeadView {
  /** The audit head the answers belong to. */
  head: AuditHead;
  /** `lab.status()`. */
  status(): Promise<LabStatus>;
  /** `lab.listExperiments(filter)`. */
  experiments(filter: ExperimentFilter): Promise<Page<Experiment>>;
  /** `lab.listJobs(filter)`. */
  jobs(filter: JobFilter): Promise<Page<Job>>;
  /** `lab.listDatasets(filter)`. */
  datasets(filter: DatasetFilter): Promise<Page<DatasetSummary>>;
  /** `lab.listAudit(filter)`. */
  audit(filter: AuditFilter): Promise<Page<AuditEvent>>;
  /** Any other value derived from the data at this head, such as a rendered page. */
  memo<T>(name: string, load: () => Promise<T>): Promise<T>;
}

/**
 * Service reads for the pages, cached until the audit head moves, and the
 * last audit verification, kept in memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { openLab } from "../service/mod.ts";
 * import { HeadCache } from "./_cache.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * const cache = new HeadCache(lab);
 * const first = await (await cache.view()).status();
 * assert.ok(first === await (await cache.view()).status(), "the second read is cached");
 * await lab.createExperiment({ title: "New" });
 * assert.ok((await (await cache.view()).status()).counts.experiments === 1, "a new head refreshes it");
 * ```
 */
export class HeadCache {
  readonly #lab: Lab;
  #key = "";
  readonly #entries = new Map<string, unknown>();
  #verify: VerifyRecord | undefined;
  #verifying: Promise<VerifyRecord> | undefined;

  /** Wraps a service. */
  constructor(lab: Lab) {
    this.#lab = lab;
  }

  /**
   * Reads the audit head (never cached) and returns the cached reads at
   * that head, as `lab` (the request's principal; default: the server's
   * own) sees them: each principal has entries of their own.
   */
  async view(lab: Lab = this.#lab): Promise<HeadView> {
    const head = await lab.auditHead();
    const key = `${head.seq}:${head.hash}`;
    if (key !== this.#key) {
      this.#key = key;
      this.#entries.clear();
    }
    const { actor, role, auth } = lab.principal;
    const scope = JSON.stringify([actor, role, auth]);
    const get = <T>(name: string, load: () => Promise<T>) =>
      this.#get(key, `${scope}:${name}`, load);
    return {
      head,
      status: () => get("status", () => lab.status()),
      experiments: (filter) =>
        get(`experiments:${JSON.stringify(filter)}`, () => lab.listExperiments(filter)),
      jobs: (filter) => get(`jobs:${JSON.stringify(filter)}`, () => lab.listJobs(filter)),
      datasets: (filter) =>
        get(`datasets:${JSON.stringify(filter)}`, () => lab.listDatasets(filter)),
      audit: (filter) => get(`audit:${JSON.stringify(filter)}`, () => lab.listAudit(filter)),
      memo: (name, load) => get(`memo:${name}`, load),
    };
  }

  /** The last verification, if any ran since the server started. */
  lastVerify(): VerifyRecord | undefined {
    return this.#verify;
  }

  /** Verifies the audit chain; concurrent callers share one run. */
  verify(): Promise<VerifyRecord> {
    this.#verifying ??= (async () => {
      try {
        const started = performance.now();
        const head = await this.#lab.auditHead();
        const result = await this.#lab.verifyAudit();
        this.#verify = {
          result,
          head,
          at: new Date().toISOString(),
          durationMs: Math.round(performance.now() - started),
        };
        return this.#verify;
      } finally {
        this.#verifying = undefined;
      }
    })();
    return this.#verifying;
  }

  /** Whether a verification is running now. */
  get verifying(): boolean {
    return this.#verifying !== undefined;
  }

  async #get<T>(key: string, name: string, load: () => Promise<T>): Promise<T> {
    if (key === this.#key && this.#entries.has(name)) return this.#entries.get(name) as T;
    const value = await load();
    if (key === this.#key) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(name, value);
    }
    return value;
  }
}
