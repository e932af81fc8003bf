import { constants } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { LabosError } from "../errors.ts";

/**
 * `O_NOFOLLOW`, or 0 on platforms without it (Windows), where
 * {@linkcode openNoFollow} checks with `lstat` instead.
 */
export const NO_FOLLOW: number = constants.O_NOFOLLOW ?? 0;

const FLAGS: Readonly<Record<"r" | "r+" | "a", number>> = {
  r: constants.O_RDONLY,
  "r+": constants.O_RDWR,
  a: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
};

/**
 * The one-line refusal of a symbolic link at `file` inside the data folder
 * `root`; the path is named relative to the folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linkRefusal } from "./_links.ts";
 * const error = linkRefusal("/data/datasets", { root: "/data", folder: true });
 * assert.match(error.message, /^Refusing to use "datasets\/" in the data folder: it is a symbolic link/);
 * ```
 */
export function linkRefusal(
  file: string,
  options: { root: string; folder?: boolean },
): LabosError {
  const relative = path.relative(options.root, file).split(path.sep).join("/");
  return new LabosError(
    "check_failed",
    `Refusing to use "${relative}${
      options.folder ? "/" : ""
    }" in the data folder: it is a symbolic link; LabOS never follows links inside the data folder (run "labos doctor")`,
  );
}

/**
 * Throws {@linkcode linkRefusal} when an entry on the way from `root`
 * (excluded: the data folder itself may be a link the user chose) down to
 * `file` (included) is a symbolic link. A missing entry ends the check.
 * With `folder`, `file` is named as a folder (`"datasets/"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symlink } from "node:fs/promises";
 * import { refuseLinks } from "./_links.ts";
 * const root = await Deno.makeTempDir();
 * await symlink("/tmp", `${root}/records`);
 * await refuseLinks(`${root}/missing/file.json`, { root });
 * await assert.rejects(refuseLinks(`${root}/records/a.json`, { root }), /"records\/"/);
 * ```
 */
export async function refuseLinks(
  file: string,
  options: { root: string; folder?: boolean },
): Promise<void> {
  const parts = path.relative(options.root, file).split(path.sep).filter((part) => part !== "");
  let current = options.root;
  for (const [index, part] of parts.entries()) {
    current = path.join(current, part);
    let stat;
    try {
      stat = await fs.lstat(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return;
      throw error;
    }
    if (stat.isSymbolicLink()) {
      const folder = index < parts.length - 1 || options.folder === true;
      throw linkRefusal(current, { root: options.root, folder });
    }
  }
}

/**
 * Opens a file inside the data folder without following a symbolic link at
 * its name (`O_NOFOLLOW`; an `lstat` first where the platform lacks it): a
 * link is refused with {@linkcode linkRefusal}. Other errors, such as
 * `ENOENT`, are thrown as they are. The folders above it are the caller's
 * to check (see {@linkcode refuseLinks}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symlink, writeFile } from "node:fs/promises";
 * import { openNoFollow } from "./_links.ts";
 * const root = await Deno.makeTempDir();
 * await writeFile(`${root}/secret.txt`, "secret");
 * await symlink(`${root}/secret.txt`, `${root}/index.ids`);
 * await assert.rejects(openNoFollow(`${root}/index.ids`, { root, flags: "r" }), /symbolic link/);
 * ```
 */
export async function openNoFollow(
  file: string,
  options: { root: string; flags: "r" | "r+" | "a" },
): Promise<fs.FileHandle> {
  if (NO_FOLLOW === 0) {
    const stat = await fs.lstat(file).catch(() => undefined);
    if (stat?.isSymbolicLink()) throw linkRefusal(file, options);
  }
  try {
    return await fs.open(file, FLAGS[options.flags] | NO_FOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw linkRefusal(file, options);
    throw error;
  }
}

/**
 * Reads a whole file inside the data folder as UTF-8, never through a
 * symbolic link (see {@linkcode openNoFollow}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFile } from "node:fs/promises";
 * import { readNoFollow } from "./_links.ts";
 * const root = await Deno.makeTempDir();
 * await writeFile(`${root}/labos.json`, "{}");
 * assert.equal(await readNoFollow(`${root}/labos.json`, { root }), "{}");
 * ```
 */
export async function readNoFollow(file: string, options: { root: string }): Promise<string> {
  const handle = await openNoFollow(file, { root: options.root, flags: "r" });
  try {
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}
