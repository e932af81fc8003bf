/**
 * Assertions with the familiar @std/assert names, on top of `node:assert`
 * (JSR, where @std/assert lives, is unreachable from our builders).
 *
 * @module
 */
import assertNode from "node:assert/strict";

/** Asserts that a value is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  assertNode.ok(value, message);
}

/** Asserts deep, strict equality. */
export function assertEquals<T>(actual: unknown, expected: T, message?: string): void {
  assertNode.deepStrictEqual(actual, expected, message);
}

/** Asserts that a string matches a pattern. */
export function assertMatch(actual: string, expected: RegExp, message?: string): void {
  assertNode.match(actual, expected, message);
}

/** Asserts that a string contains another. */
export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  assertNode.ok(
    actual.includes(expected),
    message ?? `Expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
  );
}

/** Asserts that two numbers agree within an absolute tolerance. */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance: number,
  message?: string,
): void {
  assertNode.ok(
    Math.abs(actual - expected) <= tolerance,
    message ?? `Expected ${actual} to be within ${tolerance} of ${expected}`,
  );
}

/** Asserts that a promise rejects, optionally with a message matching a pattern; returns the error. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  pattern?: RegExp,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    if (pattern) assertNode.match((error as Error).message, pattern);
    return error as Error;
  }
  throw new assertNode.AssertionError({ message: "Expected the function to reject" });
}
