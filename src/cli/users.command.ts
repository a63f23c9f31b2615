import { parseArgs } from "node:util";
import { createUsersService, passwordLinkUrl } from "../modules/users/users.service.ts";
import { helpAsked, need, withPool } from "./accounts.command.ts";
import { CliError } from "./cli-error.ts";

export const USERS_USAGE = `Usage: cardmerge users create --account ID --email EMAIL [--role admin|member]
       cardmerge users list --account ID

  create   a person who signs in to the web console; prints a one-time link (good for 3 days)
           where they choose their password
    --account ID     the account (acct_…) they belong to
    --email EMAIL    what they sign in with
    --role ROLE      admin (default: may invite others and manage keys) or member
  list     the account's users (JSON)`;

export async function usersCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const help = helpAsked(action, rest, USERS_USAGE);
  if (help !== undefined) return help;
  if (!["create", "list"].includes(action ?? ""))
    throw new CliError(`unknown action "${action}".\n\n${USERS_USAGE}`, 64);
  const { values } = parseArgs({
    args: rest,
    options: { account: { type: "string" }, email: { type: "string" }, role: { type: "string" } },
  });
  const accountId = need(values.account, "account");
  if (action === "list") {
    const users = await withPool((pool) => createUsersService({ pool }).list(accountId));
    const json = users.map((u) => ({
      id: u.id,
      email: u.email,
      role: u.role,
      password_set: u.password_hash !== null,
      created_at: u.created_at,
    }));
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  const role = values.role ?? "admin";
  if (role !== "admin" && role !== "member")
    throw new CliError(`--role is admin or member, not "${role}".`, 64);
  const email = need(values.email, "email");
  const { user, url } = await withPool(async (pool, config) => {
    const created = await createUsersService({ pool }).create(accountId, { email, role });
    return { user: created.user, url: passwordLinkUrl(config.publicUrl, created.linkToken) };
  });
  process.stdout.write(
    `${JSON.stringify({ user: { id: user.id, email: user.email, role: user.role }, set_password_url: url }, null, 2)}\n`,
  );
  process.stderr.write(
    `Send ${user.email} this link to choose a password (it works once, for 3 days):\n  ${url}\n`,
  );
  return 0;
}
