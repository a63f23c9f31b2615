import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { createPool } from "../db/pool.ts";
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

/** Runs `work` with an accounts service over a short-lived pool; AppErrors become one-line CLI errors. */
async function withAccounts<T>(
  work: (accounts: ReturnType<typeof createAccountsService>) => Promise<T>,
) {
  const config = exitOnConfigError(() => loadConfig());
  const pool = createPool(config, 2);
  try {
    return await work(createAccountsService({ pool }));
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

function need(value: string | undefined, flag: string): string {
  if (!value) throw new CliError(`missing --${flag}.`, 64);
  return value;
}

export async function accountsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
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
  throw new CliError('usage: cardmerge accounts create --name "Acme Plumbing" | accounts list', 64);
}

export async function keysCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      account: { type: "string" },
      name: { type: "string" },
      scopes: { type: "string" },
      key: { type: "string" },
    },
  });
  const accountId = need(values.account, "account");
  if (action === "create") {
    const { key, secret } = await withAccounts((accounts) =>
      accounts.createKey(accountId, { name: values.name, scopes: scopesOf(values.scopes) }),
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
  if (action === "revoke") {
    const row = await withAccounts((accounts) =>
      accounts.revokeKey(accountId, need(values.key, "key")),
    );
    print(apiKeyJson(row));
    return 0;
  }
  throw new CliError("usage: cardmerge keys create|list|revoke --account ID [--key KEY_ID]", 64);
}
