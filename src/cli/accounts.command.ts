import { parseArgs } from "node:util";
import { type Config, loadConfig } from "../config.ts";
import { createPool, type Pool } from "../db/pool.ts";
import { AppError } from "../errors.ts";
import { apiKeyJson } from "../modules/accounts/accounts.schemas.ts";
import { createAccountsService } from "../modules/accounts/accounts.service.ts";
import { CliError } from "./cli-error.ts";
import { exitOnConfigError } from "./exit.ts";

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
const scopesOf = (raw: string | undefined) =>
  raw
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Runs `work` over a short-lived pool (with the config, for what it prints); AppErrors become
 * one-line CLI errors.
 */
export async function withPool<T>(work: (pool: Pool, config: Config) => Promise<T>) {
  const config = exitOnConfigError(() => loadConfig());
  const pool = createPool(config, 2);
  try {
    return await work(pool, config);
  } catch (error) {
    if (error instanceof AppError) {
      const detail = error.errors.map((e) => ` ${e.field}: ${e.message}`).join(";");
      throw new CliError(`${error.message}${detail}`);
    }
    if ((error as { code?: string }).code === "42P01") {
      throw new CliError("the database has no tables yet: run `npm run setup` first.");
    }
    throw error;
  } finally {
    await pool.end();
  }
}

const withAccounts = <T>(
  work: (accounts: ReturnType<typeof createAccountsService>) => Promise<T>,
) => withPool((pool) => work(createAccountsService({ pool })));

export function need(value: string | undefined, flag: string): string {
  if (!value) throw new CliError(`missing --${flag}.`, 64);
  return value;
}

export const ACCOUNTS_USAGE = `Usage: cardmerge accounts create --name NAME [--country CC] [--scopes LIST]
       cardmerge accounts list

  create   a new account and its first API key (live; shown once, as JSON on stdout)
    --name NAME      the business's name
    --country CC     default country of its recipients (default US)
    --scopes LIST    the first key's scopes, comma-separated: campaigns,batches,admin (default all)
  list     every account (JSON)`;

export const KEYS_USAGE = `Usage: cardmerge keys create --account ID [--mode live|test] [--scopes LIST] [--name NAME]
       cardmerge keys list --account ID
       cardmerge keys revoke --account ID --key KEY_ID

  create   a new API key of the account (shown once, as JSON on stdout)
    --account ID     the account (acct_…)
    --mode MODE      live (default: real mail) or test (cmk_test_…: its campaigns, contacts,
                     automations, photos and batches are test objects, cards carry a SAMPLE mark)
    --scopes LIST    comma-separated: campaigns,batches,admin (default campaigns,batches);
                     a print vendor's key: --scopes batches
    --name NAME      a label to tell keys apart
  list     the account's keys with their mode, scopes and last use
  revoke   stop a key at once`;

/** `--help` anywhere, or no action: the usage, exit 0 (asked for) or 64 (nothing asked). */
export function helpAsked(
  action: string | undefined,
  rest: string[],
  usage: string,
): number | undefined {
  const asked = [action, ...rest].some((a) => a === "--help" || a === "-h" || a === "help");
  if (!asked && action) return undefined;
  process.stdout.write(`${usage}\n`);
  return asked ? 0 : 64;
}

export async function accountsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const help = helpAsked(action, rest, ACCOUNTS_USAGE);
  if (help !== undefined) return help;
  const { values } = parseArgs({
    args: rest,
    options: { name: { type: "string" }, country: { type: "string" }, scopes: { type: "string" } },
  });
  if (action === "create") {
    const result = await withAccounts((accounts) =>
      accounts.createAccount({
        name: need(values.name, "name"),
        defaultCountry: values.country,
        scopes: scopesOf(values.scopes),
      }),
    );
    print({
      account: {
        id: result.account.id,
        name: result.account.name,
        default_country: result.account.default_country,
      },
      api_key: { ...apiKeyJson(result.key), secret: result.secret },
    });
    process.stderr.write("Store the API key now: it is shown once.\n");
    return 0;
  }
  if (action === "list") {
    const rows = await withAccounts((accounts) => accounts.listAccounts());
    print(
      rows.map((a) => ({
        id: a.id,
        name: a.name,
        default_country: a.default_country,
        created_at: a.created_at,
      })),
    );
    return 0;
  }
  throw new CliError(`unknown action "${action}".\n\n${ACCOUNTS_USAGE}`, 64);
}

export async function keysCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const help = helpAsked(action, rest, KEYS_USAGE);
  if (help !== undefined) return help;
  if (!["create", "list", "revoke"].includes(action ?? ""))
    throw new CliError(`unknown action "${action}".\n\n${KEYS_USAGE}`, 64);
  const { values } = parseArgs({
    args: rest,
    options: {
      account: { type: "string" },
      name: { type: "string" },
      scopes: { type: "string" },
      mode: { type: "string" },
      key: { type: "string" },
    },
  });
  const accountId = need(values.account, "account");
  if (action === "create") {
    const { key, secret } = await withAccounts((accounts) =>
      accounts.createKey(accountId, {
        name: values.name,
        scopes: scopesOf(values.scopes),
        mode: values.mode,
      }),
    );
    print({ ...apiKeyJson(key), secret });
    process.stderr.write("Store the API key now: it is shown once.\n");
    return 0;
  }
  if (action === "list") {
    const rows = await withAccounts((accounts) => accounts.listKeys(accountId, { limit: 1000 }));
    print(rows.map(apiKeyJson));
    return 0;
  }
  const row = await withAccounts((accounts) =>
    accounts.revokeKey(accountId, need(values.key, "key")),
  );
  print(apiKeyJson(row));
  return 0;
}
