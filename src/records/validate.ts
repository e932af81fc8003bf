import { LabosError, quote } from "../errors.ts";
import { formatIssues, toFieldIssues } from "../validation.ts";
import { ID_PREFIXES, isId } from "./ids.ts";
import { RECORD_SCHEMAS, type RecordOf, type RecordType } from "./schemas.ts";

/**
 * Throws `invalid` unless `id` is a well-formed id of `type`, so that no id
 * can name anything but a record of that type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkId } from "./validate.ts";
 * assert.throws(() => checkId("experiment", "../etc/passwd"));
 * ```
 */
export function checkId(type: RecordType, id: string): void {
  if (!isId(id, type)) {
    throw new LabosError(
      "invalid",
      `Invalid ${type} id ${quote(id)}: expected "${
        ID_PREFIXES[type]
      }_" followed by 26 base32 characters`,
    );
  }
}

/**
 * Throws an `invalid` error naming every bad field unless the record matches
 * its schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateRecord } from "./validate.ts";
 * assert.throws(() => validateRecord("job", { id: "job_1" } as never));
 * ```
 */
export function validateRecord<K extends RecordType>(type: K, record: RecordOf[K]): void {
  checkId(type, record.id);
  const result = RECORD_SCHEMAS[type].safeParse(record);
  if (!result.success) {
    const issues = toFieldIssues(result.error, record);
    throw new LabosError(
      "invalid",
      `Cannot write ${type} ${quote(record.id)}: ${formatIssues(issues)}`,
      { issues },
    );
  }
}
