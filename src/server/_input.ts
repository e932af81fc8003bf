/**
 * Reading requests: JSON and form bodies, whole-number query parameters and
 * the CSV import fields. What the values mean is checked by the service.
 *
 * @module
 */
import type { Context } from "hono";
import { LabosError, quote } from "../errors.ts";
import type { ServerEnv } from "./_state.ts";

/**
 * Parses a JSON request body, or throws an `invalid` LabosError. Bytes that
 * are not valid UTF-8, and strings with an unpaired surrogate escape (which
 * UTF-8 cannot store), are refused rather than silently repaired.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseJsonBody } from "./_input.ts";
 * assert.ok((await parseJsonBody(new Request("http://x", { method: "POST", body: "{}" }))) !== null);
 * const bad = new Request("http://x", { method: "POST", body: new Uint8Array([0x22, 0xff, 0x22]) });
 * await assert.rejects(parseJsonBody(bad), /not valid UTF-8/);
 * ```
 */
export async function parseJsonBody(request: Request): Promise<unknown> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await request.arrayBuffer());
  } catch {
    throw new LabosError("invalid", "The request body is not valid UTF-8: expected JSON in UTF-8");
  }
  if (text.trim() === "") {
    throw new LabosError("invalid", "The request body is empty: expected JSON");
  }
  let value: unknown;
  try {
    value = JSON.parse(text, (key, item) => {
      if (!key.isWellFormed() || (typeof item === "string" && !item.isWellFormed())) {
        throw new LabosError(
          "invalid",
          `The request body has a string with an unpaired surrogate ${
            quote(typeof item === "string" && !item.isWellFormed() ? item : key)
          }: expected text that UTF-8 can store`,
        );
      }
      return item;
    });
  } catch (error) {
    if (error instanceof LabosError) throw error;
    throw new LabosError(
      "invalid",
      `The request body is not valid JSON: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  return withoutActor(value);
}

/**
 * A body without its top-level `actor` field: who acts comes from the
 * login session or token, never from the request, so the field is ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { withoutActor } from "./_input.ts";
 * assert.deepEqual(withoutActor({ actor: "eve", title: "x" }), { title: "x" });
 * ```
 */
export function withoutActor<T>(value: T): T {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  if (!Object.hasOwn(value, "actor")) return value;
  const { actor: _, ...rest } = value as Record<string, unknown>;
  return rest as T;
}

/**
 * Parses a form body, or throws an `invalid` LabosError when it is not valid
 * form data (a malformed multipart body would otherwise be a 500).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseFormBody } from "./_input.ts";
 * assert.ok((await parseFormBody(() => Promise.resolve({ a: "1" }))).a === "1");
 * ```
 */
export async function parseFormBody<T>(parse: () => Promise<T>): Promise<T> {
  try {
    return await parse();
  } catch (error) {
    if (error instanceof LabosError || typeof (error as { status?: unknown }).status === "number") {
      throw error;
    }
    throw new LabosError(
      "invalid",
      "The request body is not valid form data: expected multipart/form-data or application/x-www-form-urlencoded",
    );
  }
}

/**
 * Reads an optional whole-number query parameter.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { wholeNumberParam } from "./_input.ts";
 * assert.ok(wholeNumberParam("limit", "20") === 20);
 * ```
 */
export function wholeNumberParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,9}$/.test(value)) {
    throw new LabosError("invalid", `Invalid "${name}" ${quote(value)}: expected a whole number`, {
      issues: [{ path: name, message: `must be a whole number: current value is ${quote(value)}` }],
    });
  }
  return Number(value);
}

/**
 * The text fields of a submitted form (files are left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Hono } from "hono";
 * import type { ServerEnv } from "./_state.ts";
 * import { formValues } from "./_input.ts";
 * const app = new Hono<ServerEnv>().post("/", async (c) => c.json(await formValues(c)));
 * const response = await app.request("/", { method: "POST", body: new URLSearchParams({ a: "1" }) });
 * assert.equal((await response.json()).a, "1");
 * ```
 */
export async function formValues(c: Context<ServerEnv>): Promise<Record<string, string>> {
  return textFields(await parseFormBody(() => c.req.parseBody()));
}

/**
 * The string entries of a parsed form body.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { textFields } from "./_input.ts";
 * assert.deepEqual(textFields({ a: "1", file: new File([], "x.csv") }), { a: "1" });
 * ```
 */
export function textFields(body: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === "string") values[name] = value;
  }
  return values;
}

/**
 * A same-origin path to go back to, or `/`: never another origin. Only a
 * path that starts with one `/` and holds printable ASCII other than `\\`
 * passes, so `//host`, `/\\host`, and `/<TAB>/host` (browsers drop tabs and
 * newlines from URLs) go to `/`, and CR or LF can never reach a `Location`
 * header.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { safeBack } from "./_input.ts";
 * assert.equal(safeBack("/audit?x=1"), "/audit?x=1");
 * assert.equal(safeBack("//evil.example"), "/");
 * assert.equal(safeBack("/\t/evil.example"), "/");
 * ```
 */
export function safeBack(value: string | undefined): string {
  if (value === undefined || !/^\/(?![/\\])[\x21-\x7e]*$/.test(value) || value.includes("\\")) {
    return "/";
  }
  return new URL(value, "http://labos.invalid").origin === "http://labos.invalid" ? value : "/";
}

/**
 * The non-empty lines of a text area, or undefined when there are none.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { linesOf } from "./_input.ts";
 * assert.deepEqual(linesOf("a=b\n\n c=d "), ["a=b", "c=d"]);
 * ```
 */
export function linesOf(text: string | undefined): string[] | undefined {
  const lines = (text ?? "").split(/[\r\n]+/).map((line) => line.trim()).filter(Boolean);
  return lines.length ? lines : undefined;
}

/** What the import route reads besides the file. */
export interface ImportFields {
  /** Dataset title. */
  title?: string;
  /** Experiment to link. */
  experimentId?: string;
  /** `column=unit` entries. */
  units?: string[];
  /** Read `1,5` as 1.5. */
  decimalComma?: boolean;
  /** The delimiter. */
  delimiter?: string;
}

/**
 * Reads the import options from form fields or query parameters.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { importFields } from "./_input.ts";
 * const form: Record<string, string> = { units: "t=s, c=M", decimalComma: "on" };
 * const fields = importFields((name) => form[name]);
 * assert.equal(fields.units?.length, 2);
 * assert.equal(fields.decimalComma, true);
 * ```
 */
export function importFields(get: (name: string) => string | undefined): ImportFields {
  const blank = (value: string | undefined) =>
    value === undefined || value.trim() === "" ? undefined : value.trim();
  const units = blank(get("units"))?.split(/[\n,]+/).map((u) => u.trim()).filter(Boolean);
  const decimalComma = blank(get("decimalComma"));
  return {
    title: blank(get("title")),
    experimentId: blank(get("experimentId")),
    units,
    decimalComma: decimalComma === undefined
      ? undefined
      : ["1", "true", "on", "yes"].includes(decimalComma),
    delimiter: get("delimiter") === "\\t" ? "\t" : blank(get("delimiter")),
  };
}
