/**
 * The `cardmerge` command line: set-up, accounts and keys, and rendering without a server.
 * Every command prints JSON on stdout (for scripts) and human messages on stderr.
 */
import { accountsCommand, keysCommand } from "./accounts.command.ts";
import { CliError } from "./cli-error.ts";
import { setupCommand } from "./setup.command.ts";

const USAGE = `Usage: cardmerge <command> [options]

Commands:
  setup                         create the database if missing and apply migrations
  migrate                       apply pending migrations
  accounts create --name NAME [--country US] [--scopes campaigns,batches,admin]
  accounts list
  keys create --account ID [--mode live|test] [--scopes campaigns,batches] [--name NAME]
                                a vendor's key: --scopes batches; a test key: --mode test
  keys list --account ID
  keys revoke --account ID --key KEY_ID
  users create --account ID --email EMAIL [--role admin|member]
                                a person who signs in to the web console: prints a one-time
                                link to choose a password
  users list --account ID
  render --campaign FILE --csv FILE [--photo FILE] --out DIR
  render --template ID --format FORMAT --csv FILE [--photo FILE] [--message TEXT|--message-file FILE] --out DIR
                                render a campaign to print-ready PDFs with no server (as npm run demo does)
  automations run --date YYYY-MM-DD [--account ID] [--mode live|test] [--wait SECONDS]
                                run one day of the automations by hand

Every command answers --help (cardmerge keys --help, cardmerge render --help…).

Configuration comes from environment variables (see README): DATABASE_URL, REDIS_URL, STORAGE_DIR…`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  setup: async () => setupCommand,
  migrate: async () => setupCommand,
  accounts: async () => accountsCommand,
  keys: async () => keysCommand,
  users: async () => (await import("./users.command.ts")).usersCommand,
  render: async () => (await import("./render.command.ts")).renderCommand,
  automations: async () => (await import("./automations.command.ts")).automationsCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 64;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`cardmerge: unknown command "${name}".\n\n${USAGE}\n`);
    return 64;
  }
  const command = await load();
  try {
    return await command(rest);
  } catch (error) {
    // node:util parseArgs: an unknown or malformed option is the user's to fix, not a crash.
    const code = (error as { code?: string }).code;
    if (code?.startsWith("ERR_PARSE_ARGS_"))
      throw new CliError(`${(error as Error).message} (cardmerge ${name} --help for usage)`, 64);
    throw error;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof CliError) {
    process.stderr.write(`cardmerge: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`cardmerge: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
