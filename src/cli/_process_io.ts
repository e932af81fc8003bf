import { writeSync } from "node:fs";
import process from "node:process";
import type { CliIo } from "./_format.ts";

/**
 * The process's output and environment, writing to its file descriptors
 * synchronously (see {@linkcode fdWriter}): what the CLI uses when it is
 * given nothing else.
 */
export function processIo(): CliIo {
  return {
    stdout: fdWriter(1, () => process.stdout),
    stderr: fdWriter(2, () => process.stderr),
    env: process.env,
    cwd: process.cwd(),
    // A getter: only the commands that style their output ask.
    get isTTY(): boolean {
      return Boolean(process.stdout.isTTY);
    },
  };
}

/**
 * Writes to a file descriptor synchronously, as `process.stdout.write` does
 * for files and terminals. Some runtimes build the `process.stdout` stream
 * only on first use, which costs more than a whole `labos --version`; that
 * stream takes over for good if a write fails (a non-blocking pipe that is
 * full, a closed pipe), and always on Windows, whose console needs it for
 * Unicode.
 */
function fdWriter(fd: number, stream: () => NodeJS.WriteStream): (text: string) => void {
  let useStream = process.platform === "win32";
  const encoder = new TextEncoder();
  return (text) => {
    if (useStream) {
      stream().write(text);
      return;
    }
    const bytes = encoder.encode(text);
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(fd, bytes, offset);
      } catch {
        useStream = true;
        stream().write(bytes.subarray(offset));
        return;
      }
    }
  };
}
