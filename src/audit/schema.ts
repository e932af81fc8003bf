import * as z from "zod";
import type { AuditEvent } from "./_types.ts";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits");

const auditEventObject = z.strictObject({
  v: z.literal(1),
  seq: z.int().positive(),
  id: z.string().regex(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/),
  ts: z.iso.datetime({ offset: false, precision: 3 }),
  actor: z.string().min(1),
  action: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/),
  target: z.strictObject({ type: z.string().min(1), id: z.string().min(1) }),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prev: hex64,
});

/**
 * Schema of one audit event (format v1), the `<E>` of a log line. Key order
 * is part of the format and is checked by `verify`, not by this schema.
 */
export const AuditEventSchema: z.ZodType<AuditEvent> = auditEventObject;
