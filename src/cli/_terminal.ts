import process from "node:process";
import { fstatSync, statSync } from "node:fs";

/** Whether standard output and standard error are terminals. */
export interface Terminals {
  /** Standard output is a terminal. */
  out: boolean;
  /** Standard error is a terminal. */
  err: boolean;
}

/**
 * Which of stdout and stderr are terminals, asking `node:tty` (whose import
 * costs some runtimes more than a whole `labos --version`) only when one may
 * be: a character device other than the null device, never for pipes, files
 * and `/dev/null`.
 */
export async function terminals(): Promise<Terminals> {
  if (process.platform !== "win32") {
    const nullDevice = nullDeviceId();
    if (!mayBeTerminal(1, nullDevice) && !mayBeTerminal(2, nullDevice)) {
      return { out: false, err: false };
    }
  }
  const { isatty } = await import("node:tty");
  return { out: isatty(1), err: isatty(2) };
}

function mayBeTerminal(fd: number, nullDevice: number | undefined): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isCharacterDevice() && stat.rdev !== nullDevice;
  } catch {
    return true;
  }
}

/** The device number of `/dev/null`, which is never a terminal. */
function nullDeviceId(): number | undefined {
  try {
    return statSync("/dev/null").rdev;
  } catch {
    return undefined;
  }
}
