/**
 * A throwaway PostgreSQL cluster for tests: `initdb` and `pg_ctl` from
 * Debian's `postgresql` package (/usr/lib/postgresql/<version>/bin) in a
 * temporary folder, on a free port of 127.0.0.1 and a socket in that
 * folder, run as the `postgres` user when the tests run as root (as CI
 * does). Without PostgreSQL, {@linkcode startPostgres} returns undefined
 * and the tests say they were skipped, except under `CI=true`, where that
 * is a failure.
 *
 * @module
 */

/** A running throwaway cluster. */
export interface TestCluster {
  /** The URL of its `postgres` database. */
  url: string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the cluster and removes its folder. Idempotent. */
  stop(): Promise<void>;
  /** With `{ tls: true }`: the self-signed certificate the server presents (for `CN=localhost`). */
  certificate?: string;
}

/** Options for {@linkcode startPostgres}. */
export interface StartOptions {
  /**
   * Serve TLS (`ssl=on`) with a self-signed certificate made by `openssl`
   * for localhost and 127.0.0.1, and refuse TCP connections without it.
   */
  tls?: boolean;
}

/** The folder of the newest installed PostgreSQL's programs, or undefined. */
function binFolder(): string | undefined {
  let versions: number[] = [];
  try {
    versions = [...Deno.readDirSync("/usr/lib/postgresql")]
      .map((entry) => Number(entry.name))
      .filter((version) => Number.isInteger(version))
      .sort((a, b) => b - a);
  } catch {
    return undefined;
  }
  for (const version of versions) {
    const bin = `/usr/lib/postgresql/${version}/bin`;
    try {
      Deno.statSync(`${bin}/initdb`);
      Deno.statSync(`${bin}/pg_ctl`);
      return bin;
    } catch {
      continue;
    }
  }
  return undefined;
}

const BIN = binFolder();
const ROOT = Deno.uid?.() === 0;

/** Whether PostgreSQL's programs are installed here. */
export const PG_AVAILABLE: boolean = BIN !== undefined;

async function run(command: string, args: string[], options: { asPostgres: boolean }) {
  const [cmd, argv] = options.asPostgres && ROOT
    ? ["runuser", ["-u", "postgres", "--", command, ...args]]
    : [command, args];
  const output = await new Deno.Command(cmd, { args: argv, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr) || new TextDecoder().decode(output.stdout);
    throw new Error(`${command} failed: ${text.trim().split("\n").slice(-3).join(" | ")}`);
  }
}

/** Makes server.crt and server.key in `dir` (the key 0600, the server's own) and returns the settings. */
async function selfSignedCertificate(dir: string): Promise<string[]> {
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout",
    `${dir}/server.key`,
    "-out",
    `${dir}/server.crt`,
  ], { asPostgres: false });
  await Deno.chmod(`${dir}/server.key`, 0o600);
  if (ROOT) {
    await run("chown", ["postgres:postgres", `${dir}/server.key`, `${dir}/server.crt`], {
      asPostgres: false,
    });
  }
  return ["-c ssl=on", `-c ssl_cert_file=${dir}/server.crt`, `-c ssl_key_file=${dir}/server.key`];
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Starts a throwaway cluster; undefined (with a message) when PostgreSQL
 * is not installed, or a thrown error under `CI=true`.
 */
export async function startPostgres(options: StartOptions = {}): Promise<TestCluster | undefined> {
  if (!BIN) {
    const message = "PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb)";
    if (Deno.env.get("CI") === "true") throw new Error(`${message}: required under CI=true`);
    console.log(`skipped: ${message}; install Debian's "postgresql" package to run these tests`);
    return undefined;
  }
  const dir = await Deno.makeTempDir({ prefix: "labos-pg-" });
  if (ROOT) await run("chown", ["-R", "postgres:postgres", dir], { asPostgres: false });
  const data = `${dir}/data`;
  const port = freePort();
  await run(`${BIN}/initdb`, [
    "-D",
    data,
    "-U",
    "postgres",
    "-A",
    "trust",
    "--no-sync",
    "-E",
    "UTF8",
  ], {
    asPostgres: true,
  });
  const tls = options.tls ? await selfSignedCertificate(dir) : [];
  if (options.tls) {
    // TCP only over TLS: a client that connected at all used it.
    await Deno.writeTextFile(
      `${data}/pg_hba.conf`,
      "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
    );
  }
  const settings = [
    ...tls,
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    "-c fsync=off",
    "-c full_page_writes=off",
    "-c max_connections=100",
  ].join(" ");
  await run(`${BIN}/pg_ctl`, ["-D", data, "-o", settings, "-l", `${dir}/log`, "-w", "start"], {
    asPostgres: true,
  });
  let stopped = false;
  let count = 0;
  // A test file that dies before its cleanup still stops its cluster.
  globalThis.addEventListener("unload", () => {
    if (stopped) return;
    stopped = true;
    const [cmd, args] = ROOT
      ? ["runuser", [
        "-u",
        "postgres",
        "--",
        `${BIN}/pg_ctl`,
        "-D",
        data,
        "-m",
        "immediate",
        "stop",
      ]]
      : [`${BIN}/pg_ctl`, ["-D", data, "-m", "immediate", "stop"]];
    new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync();
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Left for the system's temporary folder cleanup.
    }
  });
  const base = `postgres://postgres@127.0.0.1:${port}`;
  return {
    url: `${base}/postgres`,
    ...(options.tls ? { certificate: `${dir}/server.crt` } : {}),
    async createDatabase() {
      const name = `labos_test_${++count}`;
      await run(
        `${BIN}/createdb`,
        ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name],
        {
          asPostgres: false,
        },
      );
      return `${base}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await run(`${BIN}/pg_ctl`, ["-D", data, "-m", "immediate", "-w", "stop"], {
        asPostgres: true,
      });
      // The server's last children may still be writing as the folder goes: try again.
      for (let attempt = 1;; attempt++) {
        try {
          await Deno.remove(dir, { recursive: true });
          return;
        } catch (error) {
          if (attempt >= 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    },
  };
}
