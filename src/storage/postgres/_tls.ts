/**
 * TLS settings from a store URL, as libpq reads them. The driver takes
 * `sslmode` from the URL itself (`disable`, `prefer`, `require` without
 * checking the certificate; `verify-ca` and `verify-full` against the
 * system's CAs) but would send `sslrootcert=<file>` to the server as a
 * setting, so LabOS reads that file and checks the server's certificate
 * against it: its chain always, its host name with `sslmode=verify-full`
 * (as libpq: with a root certificate, `require` behaves as `verify-ca`).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { LabosError, quote } from "../../errors.ts";

/** The URL for the driver and its `ssl` option, when LabOS sets one. */
export interface TlsSettings {
  /** The URL without `sslrootcert`. */
  url: string;
  /** The driver's TLS options, or undefined to leave `sslmode` to the driver. */
  ssl?: { ca: string; checkServerIdentity?: () => undefined };
}

/**
 * Reads `sslrootcert=<file>` from `url`; `sslrootcert=system` stays for
 * the driver (the system's CAs, as `sslmode=verify-full`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tlsSettings } from "./_tls.ts";
 * const plain = tlsSettings("postgres://ada@db.example/lab?sslmode=require");
 * assert.equal(plain.url, "postgres://ada@db.example/lab?sslmode=require");
 * assert.equal(plain.ssl, undefined);
 * assert.throws(
 *   () => tlsSettings("postgres://ada@db.example/lab?sslmode=verify-full&sslrootcert=/no/such.crt"),
 *   /Cannot read "sslrootcert" "\/no\/such.crt"/,
 * );
 * ```
 */
export function tlsSettings(url: string): TlsSettings {
  const parsed = new URL(url);
  const file = parsed.searchParams.get("sslrootcert");
  const mode = parsed.searchParams.get("sslmode");
  if (file === null || file === "system" || mode === "disable") return { url };
  let ca: string;
  try {
    ca = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as { code?: string }).code ?? (error as Error).message;
    throw new LabosError(
      "invalid",
      `Cannot read "sslrootcert" ${quote(file)} of the PostgreSQL URL: ${reason}`,
    );
  }
  parsed.searchParams.delete("sslrootcert");
  // The driver's ssl option outranks the URL's sslmode: TLS is then required.
  return {
    url: parsed.toString(),
    ssl: mode === "verify-full" ? { ca } : { ca, checkServerIdentity: noHostCheck },
  };
}

function noHostCheck(): undefined {
  return undefined;
}
