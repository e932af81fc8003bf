import type { AuditEventInput } from "../audit/mod.ts";
import { LabosError, quote } from "../errors.ts";
import type { ModuleRegistry } from "../modules/registry.ts";
import {
  type DataManifest,
  type LabStorage,
  type RecordChange,
  recordEvent as storedRecordEvent,
  storeNoun,
} from "../storage/mod.ts";
import type { TemplateCatalog } from "../templates/mod.ts";
import type { Principal } from "./_principal.ts";

/** The size limits of an imported dataset. */
export interface DatasetLimits {
  /** The largest CSV file, in bytes. */
  maxBytes: number;
  /** The most cells (columns × data rows). */
  maxCells: number;
}

/** The default limits: a 64 MiB file, 20,000,000 cells. The panel's upload limit follows `maxBytes`. */
export const DEFAULT_DATASET_LIMITS: Readonly<DatasetLimits> = {
  maxBytes: 64 * 1024 * 1024,
  maxCells: 20_000_000,
};

/** How many connections a process opens to the PostgreSQL store at most, unless configured. */
export const DEFAULT_STORE_POOL_MAX = 10;

/** The cost of scrypt, for password verifiers and key encryption. */
export interface ScryptCost {
  /** The CPU/memory cost, a power of 2. */
  N: number;
  /** The block size. */
  r: number;
  /** The parallelisation. */
  p: number;
}

/** The production scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, OWASP's minimum for scrypt). */
export const DEFAULT_SCRYPT_COST: Readonly<ScryptCost> = { N: 2 ** 15, r: 8, p: 1 };

/** The settings of accounts: scrypt cost and session lifetime. */
export interface AccountSettings {
  /** The scrypt cost of new verifiers and key encryptions (old ones keep theirs). */
  scrypt: Readonly<ScryptCost>;
  /** How long a login session lasts, in hours. */
  sessionHours: number;
}

/** The default account settings: {@linkcode DEFAULT_SCRYPT_COST}, 12-hour sessions. */
export const DEFAULT_ACCOUNT_SETTINGS: Readonly<AccountSettings> = {
  scrypt: DEFAULT_SCRYPT_COST,
  sessionHours: 12,
};

/** What the service's parts share: the storage, the actor, the clock and the lazy catalogs. */
export interface LabContext {
  /** The storage; every audit event it writes is stamped with the principal. */
  readonly storage: LabStorage;
  /** Who is acting: `principal.actor`. */
  readonly actor: string;
  /** Who is acting, with the role and how the identity was established. */
  readonly principal: Principal;
  /** The settings of accounts. */
  readonly accounts: Readonly<AccountSettings>;
  /** The clock. */
  readonly now: () => Date;
  /** The modules that can run, loaded on first use. */
  modules(): Promise<ModuleRegistry>;
  /** The experiment templates, loaded on first use. */
  templates(): Promise<TemplateCatalog>;
  /** The size limits of an imported dataset. */
  readonly datasetLimits: Readonly<DatasetLimits>;
  /** The largest attached file, in bytes (`attachments.maxBytes`). */
  readonly attachmentMaxBytes: number;
}

/** The current time as an RFC 3339 UTC string with milliseconds. */
export function timestamp(context: LabContext): string {
  return context.now().toISOString();
}

/** Reads the manifest and refuses stores that are missing, foreign or newer. */
export function requireReady(context: LabContext): Promise<DataManifest> {
  return requireManifest(context.storage);
}

/** {@linkcode requireReady} of a store alone. */
export async function requireManifest(storage: LabStorage): Promise<DataManifest> {
  const manifest = await storage.manifest();
  if (!manifest) {
    throw new LabosError(
      "invalid",
      `${storeNoun(storage.location)} ${
        quote(storage.location)
      } is not initialised: run "labos init" first`,
    );
  }
  return manifest;
}

/** Builds the audit event for a record change; the record hash lets doctor spot later edits. */
export function recordEvent(
  context: LabContext,
  action: string,
  change: RecordChange,
): AuditEventInput {
  return storedRecordEvent(context.actor, action, change);
}
