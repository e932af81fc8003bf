/**
 * The published JSON Schemas: every record type, the audit event,
 * `labos.jsonc`, experiment templates and plugin manifests, generated from
 * the zod schemas that validate them.
 *
 * @module
 */
import * as z from "zod";
import { AuditEventSchema } from "./audit/schema.ts";
import { configFileSchema } from "./config/mod.ts";
import { RECORD_ZOD_SCHEMAS } from "./records/schemas.ts";
import { MANIFEST_ZOD_SCHEMA } from "./plugins/mod.ts";
import { TEMPLATE_ZOD_SCHEMA } from "./templates/mod.ts";

const BASE = "https://jsr.io/@labos/labos/assets/schemas";

function publish(name: string, title: string, schema: z.ZodType): Record<string, unknown> {
  return {
    ...z.toJSONSchema(schema, { target: "draft-2020-12", io: "input" }),
    $id: `${BASE}/${name}.schema.json`,
    title,
  };
}

/**
 * Every published schema, by file name stem.
 *
 * @example
 * ```ts
 * import { publishedSchemas } from "./schemas.ts";
 * import assert from "node:assert";
 * assert.ok("experiment" in publishedSchemas());
 * ```
 */
export function publishedSchemas(): Record<string, Record<string, unknown>> {
  return {
    "experiment": publish("experiment", "LabOS experiment record", RECORD_ZOD_SCHEMAS.experiment),
    "dataset": publish("dataset", "LabOS dataset record", RECORD_ZOD_SCHEMAS.dataset),
    "job": publish("job", "LabOS job record", RECORD_ZOD_SCHEMAS.job),
    "attachment": publish("attachment", "LabOS attachment record", RECORD_ZOD_SCHEMAS.attachment),
    "audit-event": publish("audit-event", "LabOS audit event (log format v1)", AuditEventSchema),
    "labos-config": publish("labos-config", "LabOS labos.jsonc", configFileSchema()),
    "template": publish("template", "LabOS experiment template", TEMPLATE_ZOD_SCHEMA),
    "labos-module": publish(
      "labos-module",
      "LabOS plugin manifest (labos-module.json)",
      MANIFEST_ZOD_SCHEMA,
    ),
  };
}
