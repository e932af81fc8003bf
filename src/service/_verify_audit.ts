/**
 * `labos audit verify` of a store: the chain, that the log belongs to this
 * store, and every signature event. The facade's `verifyAudit` and the CLI's
 * quick path (which opens no facade) both run it.
 *
 * @module
 */
import type { VerifyResult } from "../audit/mod.ts";
import type { LabStorage } from "../storage/mod.ts";
import { requireManifest } from "./_context.ts";

/**
 * Verifies the audit chain of `storage`, that the log belongs to it, and
 * every signature event against the public key published for its signer by
 * an earlier `user.key-created` event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLab } from "./open_lab.ts";
 * import { openStorage } from "./_open_storage.ts";
 * import { verifyStorageAudit } from "./_verify_audit.ts";
 * const dataDir = await Deno.makeTempDir();
 * await openLab({ dataDir, actor: "alice" }).init();
 * const result = await verifyStorageAudit(openStorage({ dataDir }));
 * assert.ok(result.ok && result.events === 1);
 * ```
 */
export async function verifyStorageAudit(storage: LabStorage): Promise<VerifyResult> {
  await requireManifest(storage);
  const { checkSignatureEvents, SIGNATURE_EVENT_ACTIONS } = await import("../signatures/mod.ts");
  const { result, events } = await storage.verifyAuditSelecting(SIGNATURE_EVENT_ACTIONS);
  if (!result.ok) return result;
  const { checkFolderIdentity } = await import("./_doctor.ts");
  const foreign = await checkFolderIdentity(storage);
  if (foreign) {
    return {
      ok: false,
      events: foreign.seq - 1,
      seq: foreign.seq,
      kind: "forged",
      message: `seq ${foreign.seq}: ${foreign.message}`,
    };
  }
  const { failure } = await checkSignatureEvents(events);
  if (!failure) return result;
  return {
    ok: false,
    events: failure.seq - 1,
    seq: failure.seq,
    kind: "forged",
    message: failure.message,
  };
}
