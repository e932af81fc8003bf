import type { AuditEventInput, AuditLog } from "../audit/mod.ts";
import type { ModuleRegistry } from "../modules/registry.ts";
import type { RecordStore, RecordType } from "../records/mod.ts";
import type { Transaction } from "./_transaction.ts";

/** What the service's parts need of the `Lab` facade; keeps them free of import cycles. */
export interface LabCore {
  /** The data folder. */
  readonly dataDir: string;
  /** Who is acting. */
  readonly actor: string;
  /** The record store. */
  readonly store: RecordStore;
  /** The audit log. */
  readonly audit: AuditLog;
  /** The modules that can run. */
  readonly modules: ModuleRegistry;
  /** The current time, RFC 3339 UTC with milliseconds. */
  timestamp(): string;
  /** Refuses a folder that is not initialised. */
  requireReady(): Promise<unknown>;
  /** Runs `fn` under the lock and commits what it scheduled. */
  mutate<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Builds the audit event for a record change. */
  recordEvent(
    action: string,
    type: RecordType,
    record: { id: string },
    options?: { reason?: string | null; details?: Record<string, unknown> },
  ): AuditEventInput;
}
