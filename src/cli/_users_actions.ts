import process from "node:process";
import type { Command } from "commander";
import { LabosError } from "../errors.ts";
import type { UserInfo } from "../service/mod.ts";
import type { CliContext } from "./_context.ts";
import { table } from "./_format.ts";

/** The options of `labos users add`. */
export interface UsersAddOptions {
  /** The role. */
  role: string;
  /** The name shown to people. */
  displayName?: string;
  /** Whether the password is on stdin (it must be). */
  passwordStdin?: boolean;
}

/** The options of `labos users passwd`. */
export interface UsersPasswdOptions {
  /** Whether the password is on stdin (it must be). */
  passwordStdin?: boolean;
  /** Whether stdin starts with the current password, so the signing key is kept. */
  keepKey?: boolean;
}

const MIN_LENGTH = 8;

async function readStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
  return Buffer.concat(chunks).toString("utf8");
}

/** The first `count` lines of stdin, each without its line ending; checked as passwords. */
async function passwordsFromStdin(
  options: { passwordStdin?: boolean },
  names: string[],
): Promise<string[]> {
  if (!options.passwordStdin) {
    throw new LabosError(
      "invalid",
      `"--password-stdin" is required: a password is read from standard input, never from the command line`,
    );
  }
  const lines = (await readStdin()).split("\n").map((line) => line.replace(/\r$/, ""));
  return names.map((name, index) => {
    const password = lines[index] ?? "";
    if (password.length < MIN_LENGTH) {
      throw new LabosError(
        "invalid",
        `Invalid "--password-stdin": ${name} (line ${
          index + 1
        } of stdin) must be at least ${MIN_LENGTH} characters, found ${password.length}`,
      );
    }
    return password;
  });
}

/** `labos users add NAME --role ROLE [--display-name TEXT] --password-stdin`. */
export async function addUserAction(
  cli: CliContext,
  command: Command,
  name: string,
  options: UsersAddOptions,
): Promise<void> {
  const [password] = await passwordsFromStdin(options, ["the password"]);
  const lab = await cli.lab(command);
  const user = await lab.addUser({
    username: name,
    role: options.role as UserInfo["role"],
    displayName: options.displayName,
    password,
  });
  cli.emit(
    command,
    user,
    () => `Added user ${user.username} (${user.role}); Ed25519 public key ${user.publicKey}\n`,
  );
}

/** `labos users list`. */
export async function listUsersAction(cli: CliContext, command: Command): Promise<void> {
  const users = await (await cli.lab(command)).listUsers();
  cli.emit(
    command,
    users,
    () =>
      users.length === 0
        ? `No users: the control panel keeps its single-token mode. Add one with "labos users add"\n`
        : table(
          ["USERNAME", "ROLE", "STATUS", "CREATED", "NAME"],
          users.map((user) => [
            user.username,
            user.role,
            user.disabled ? "disabled" : "active",
            user.createdAt.slice(0, 10),
            user.displayName,
          ]),
        ),
  );
}

/** `labos users passwd NAME --password-stdin [--keep-key]`. */
export async function passwdAction(
  cli: CliContext,
  command: Command,
  name: string,
  options: UsersPasswdOptions,
): Promise<void> {
  const passwords = await passwordsFromStdin(
    options,
    options.keepKey ? ["the current password", "the new password"] : ["the password"],
  );
  const lab = await cli.lab(command);
  const user = options.keepKey
    ? await lab.setPassword(name, passwords[1], { currentPassword: passwords[0] })
    : await lab.setPassword(name, passwords[0]);
  cli.emit(
    command,
    user,
    () =>
      `Changed the password of ${user.username}; every session of the user has ended. ${
        options.keepKey
          ? "The signing key is kept"
          : `New Ed25519 public key ${user.publicKey} (the old key still verifies older signatures)`
      }\n`,
  );
}

/** `labos users disable NAME --reason TEXT`. */
export async function disableAction(
  cli: CliContext,
  command: Command,
  name: string,
  options: { reason: string },
): Promise<void> {
  const user = await (await cli.lab(command)).disableUser(name, { reason: options.reason });
  cli.emit(command, user, () => `Disabled user ${user.username}\n`);
}

/** `labos users token NAME`: the token is printed once. */
export async function tokenAction(cli: CliContext, command: Command, name: string): Promise<void> {
  const result = await (await cli.lab(command)).createToken(name);
  cli.emit(command, result, () => {
    cli.io.stderr(
      `A new API token for ${result.username}; it is shown only now (LabOS keeps its hash). Send it as "Authorization: Bearer <token>"\n`,
    );
    return `${result.token}\n`;
  });
}
