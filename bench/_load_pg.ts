/**
 * A throwaway PostgreSQL cluster for the load harness (started by
 * `test/_pg.ts`), with the faults it injects: `pg_ctl restart`, and a stop
 * and start that simulate a network cut.
 *
 * @module
 */
import { startPostgres } from "../test/_pg.ts";

/** A cluster under test and how to hurt it. */
export interface ClusterControl {
  /** A fresh database's URL. */
  url: string;
  /** `pg_ctl restart -m fast`: every connection is dropped, then the server is back. */
  restart(): Promise<void>;
  /** `pg_ctl stop -m immediate`: the store is gone, as in a network cut. */
  halt(): Promise<void>;
  /** Starts the stopped cluster again. */
  start(): Promise<void>;
  /** Stops and removes the cluster. */
  stop(): Promise<void>;
}

async function run(command: string, args: string[]): Promise<string> {
  const asRoot = Deno.uid() === 0;
  // A server that pg_ctl starts inherits its stdout: piped, it would hold the pipe open for ever.
  const daemon = command.endsWith("pg_ctl");
  const output = await new Deno.Command(asRoot ? "runuser" : command, {
    args: asRoot ? ["-u", "postgres", "--", command, ...args] : args,
    stdin: "null",
    stdout: daemon ? "null" : "piped",
    stderr: daemon ? "null" : "piped",
  }).output();
  const decoder = new TextDecoder();
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${
        daemon ? "see its log" : decoder.decode(output.stderr).trim()
      }`,
    );
  }
  return daemon ? "" : decoder.decode(output.stdout);
}

async function binDir(): Promise<string> {
  const versions: number[] = [];
  for await (const entry of Deno.readDir("/usr/lib/postgresql")) {
    if (Number.isInteger(Number(entry.name))) versions.push(Number(entry.name));
  }
  versions.sort((a, b) => b - a);
  if (versions.length === 0) throw new Error("PostgreSQL is not installed in /usr/lib/postgresql");
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/** Starts a cluster with `test/_pg.ts` and makes a fresh database; throws when PostgreSQL is missing. */
export async function startLoadCluster(): Promise<ClusterControl> {
  const pg = await startPostgres();
  if (!pg) throw new Error("PostgreSQL is not available: install Debian's postgresql package");
  const url = await pg.createDatabase();
  const bin = await binDir();
  // The cluster's own answer, so the faults hit exactly the cluster the harness started.
  const dataDirectory = (await run(`${bin}/psql`, [url, "-Atc", "show data_directory"])).trim();
  const log = `${dataDirectory}/restart.log`;
  const ctl = (...args: string[]) => run(`${bin}/pg_ctl`, ["-D", dataDirectory, ...args]);
  return {
    url,
    restart: async () => {
      await ctl("restart", "-m", "fast", "-w", "-t", "60", "-l", log);
    },
    halt: async () => {
      await ctl("stop", "-m", "immediate", "-w", "-t", "60");
    },
    start: async () => {
      // pg_ctl start keeps the options of the last start (postmaster.opts) only on restart.
      const opts = await Deno.readTextFile(`${dataDirectory}/postmaster.opts`).catch(() => "");
      const flags = opts.trim().split(/\s+/).slice(1).map((arg) => arg.replace(/^"|"$/g, ""))
        .filter((arg) => arg !== "-D" && arg !== dataDirectory);
      await ctl(
        "start",
        "-w",
        "-t",
        "60",
        "-l",
        `${dataDirectory}/restart.log`,
        "-o",
        flags.join(" "),
      );
    },
    stop: () => pg.stop(),
  };
}
