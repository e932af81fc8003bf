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
export async function startPostgres(): Promise<TestCluster | undefined> {
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
  const settings = [
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
