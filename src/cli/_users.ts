import type { Command } from "commander";
import type { CliContext } from "./_context.ts";
import type { UsersAddOptions, UsersPasswdOptions } from "./_users_actions.ts";

/** `labos users add|list|passwd|disable|token`: the accounts of the lab. */
export function registerUserCommands(program: Command, cli: CliContext): void {
  const users = program.command("users").description(
    "manage accounts: roles, passwords, personal API tokens",
  );

  users.command("add")
    .description("add a user with a password (read from stdin) and an Ed25519 signing key")
    .argument("<name>", "username: 2-32 of a-z 0-9 . _ -, starting with a letter")
    .requiredOption("--role <role>", "admin, instructor, ta or student")
    .option("--display-name <text>", "the name shown to people (default: the username)")
    .option("--password-stdin", "read the password from the first line of stdin (required)")
    .action(async (name: string, options: UsersAddOptions, command: Command) => {
      const { addUserAction } = await import("./_users_actions.ts");
      await addUserAction(cli, command, name, options);
    });

  users.command("list")
    .description("list the users: name, role, status")
    .action(async (_options, command: Command) => {
      const { listUsersAction } = await import("./_users_actions.ts");
      await listUsersAction(cli, command);
    });

  users.command("passwd")
    .description("set a user's password (read from stdin); every session of the user ends")
    .argument("<name>", "username")
    .option("--password-stdin", "read the new password from the first line of stdin (required)")
    .option(
      "--keep-key",
      "stdin holds the current password, then the new one: the signing key is kept",
    )
    .action(async (name: string, options: UsersPasswdOptions, command: Command) => {
      const { passwdAction } = await import("./_users_actions.ts");
      await passwdAction(cli, command, name, options);
    });

  users.command("disable")
    .description("disable a user: no login, token or session works afterwards")
    .argument("<name>", "username")
    .requiredOption("--reason <text>", "why (audited)")
    .action(async (name: string, options: { reason: string }, command: Command) => {
      const { disableAction } = await import("./_users_actions.ts");
      await disableAction(cli, command, name, options);
    });

  users.command("token")
    .description("make a personal API token for a user: shown once, stored only as a hash")
    .argument("<name>", "username")
    .action(async (name: string, _options, command: Command) => {
      const { tokenAction } = await import("./_users_actions.ts");
      await tokenAction(cli, command, name);
    });
}
