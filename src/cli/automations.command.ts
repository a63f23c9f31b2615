/**
 * `cardmerge automations run --date YYYY-MM-DD [--account ID] [--wait SECONDS]`: the daily run of
 * one day, by hand (the same service the workers' clock calls). Prints what it made as JSON; with
 * --wait, waits for the running workers (`npm run worker`) to render the day's cards and print
 * its batches.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { createDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { isDay } from "../modules/shared/calendar.ts";
import { CliError } from "./cli-error.ts";
import { exitOnConfigError } from "./exit.ts";

export const AUTOMATIONS_USAGE = `Usage: cardmerge automations run --date YYYY-MM-DD [--account ID] [--mode live|test] [--wait SECONDS]

Runs one day of every active automation (of one account, or of all): makes the cards of that day
once, records what was skipped and why, and submits the day's campaign of each automation to the
workers, as the workers' clock does each day at the account's send hour. Days missed since an
automation's last run are caught up (their cards if they can still arrive in time, too_late
otherwise): running a day ahead of the calendar treats the days before it as missed, as the
clock would after an outage. A day already run makes nothing new: it prints what it made.

Options:
  --date YYYY-MM-DD   the day to run (the account's calendar day)
  --account ID        only this account's automations
  --mode live|test    with --account: its live automations (default) or those its test keys made
  --wait SECONDS      wait up to SECONDS for the workers to render the day's cards and assemble
                      its batches, then print the batches (npm run worker must be running)

Prints JSON: for each automation its cards and skips, the day's campaign and, once ready, batches.`;

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

export async function automationsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (!action || action === "--help" || action === "-h" || action === "help") {
    process.stdout.write(`${AUTOMATIONS_USAGE}\n`);
    return action ? 0 : 64;
  }
  if (action !== "run")
    throw new CliError(`unknown action "${action}".\n\n${AUTOMATIONS_USAGE}`, 64);
  let values: { date?: string; account?: string; mode?: string; wait?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        date: { type: "string" },
        account: { type: "string" },
        mode: { type: "string" },
        wait: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${AUTOMATIONS_USAGE}`, 64);
  }
  if (values.help) {
    process.stdout.write(`${AUTOMATIONS_USAGE}\n`);
    return 0;
  }
  const date = values.date;
  if (!date || !isDay(date))
    throw new CliError("--date YYYY-MM-DD (a real calendar day) is required.", 64);
  const waitSeconds = values.wait === undefined ? 0 : Number(values.wait);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 3600)
    throw new CliError("--wait takes whole seconds, 0 to 3600.", 64);

  const config = exitOnConfigError(() => loadConfig());
  const deps = createDeps(config, "cli");
  try {
    let accountId = values.account;
    if (accountId) {
      await deps.accounts.getAccount(accountId);
      accountId = await deps.accounts.accountOfMode(accountId, values.mode);
      if (!accountId) throw new CliError(`account ${values.account} has no test key yet.`);
    } else if (values.mode) throw new CliError("--mode needs --account.", 64);
    const days = await deps.dailyRun.runDay({ date, accountId });
    const campaignIds = days.flatMap((d) => (d.campaign_id ? [d.campaign_id] : []));
    const deadline = Date.now() + waitSeconds * 1000;
    let campaigns = await campaignStates(deps.pool, campaignIds);
    while (
      Date.now() < deadline &&
      campaigns.some((c) => !["ready", "failed", "cancelled"].includes(c.status))
    ) {
      await new Promise((r) => setTimeout(r, 500));
      campaigns = await campaignStates(deps.pool, campaignIds);
    }
    print({ date, automations: days, campaigns });
    const made = days.reduce((n, d) => n + (d.status === "made" ? d.cards : 0), 0);
    process.stderr.write(
      `${date}: ${made} new card(s) from ${days.length} automation(s)${
        days.some((d) => d.status === "already_run") ? "; days already run made nothing new" : ""
      }.\n`,
    );
    if (waitSeconds > 0 && campaigns.some((c) => c.status !== "ready"))
      process.stderr.write(
        "Not every campaign is ready: are the workers running (npm run worker)?\n",
      );
    const failed = days.filter((d) => d.status === "failed");
    for (const d of failed)
      process.stderr.write(`${d.automation_id} failed (run the day again to retry): ${d.error}\n`);
    return failed.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof AppError) throw new CliError(error.message);
    if ((error as { code?: string }).code === "42P01")
      throw new CliError("the database has no tables yet: run `npm run setup` first.");
    throw error;
  } finally {
    await deps.close();
  }
}

/** The day's campaigns: status, cards by outcome, and their batches with the vendor's URLs. */
async function campaignStates(pool: ReturnType<typeof createDeps>["pool"], ids: string[]) {
  const { rows } = await pool.query<{
    id: string;
    name: string;
    status: string;
    cards: Record<string, number>;
    batches: { id: string; status: string; cards: number }[];
  }>(
    `SELECT c.id, c.name, c.status,
            (SELECT coalesce(jsonb_object_agg(s.status, s.n), '{}') FROM
               (SELECT status, count(*) AS n FROM cards WHERE campaign_id = c.id GROUP BY status) s) AS cards,
            (SELECT coalesce(jsonb_agg(jsonb_build_object('id', b.id, 'status', b.status,
                                                          'cards', b.card_count) ORDER BY b.number), '[]')
               FROM batches b WHERE b.campaign_id = c.id) AS batches
       FROM campaigns c WHERE c.id = ANY($1::text[]) ORDER BY c.id`,
    [ids],
  );
  return rows.map((c) => ({
    ...c,
    batches: c.batches.map((b) => ({ ...b, zip_url: `/v1/batches/${b.id}/zip` })),
  }));
}
