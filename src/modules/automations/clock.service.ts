/**
 * The automations' clock. A BullMQ job scheduler makes a tick every AUTOMATION_TICK_SECONDS (the
 * workers upsert it when they start); each tick finds, for every account with an active automation,
 * the latest day whose send hour has come in the account's time zone ({@link dueDay}), and enqueues
 * a run of that day for the accounts whose automations have not done it. The run is the daily-run
 * service, the same one the CLI calls with a date; its job id names the account and day, so ticks
 * that overlap enqueue it once, and the run itself makes a day once whatever enqueues it.
 */
import type { Pool } from "../../db/pool.ts";
import type { Logger } from "../../logger.ts";
import type { Producer } from "../../queue/producer.ts";
import { dueDay } from "../shared/calendar.ts";

export function createAutomationsClock(deps: {
  pool: Pool;
  producer: Pick<Producer, "addMany">;
  logger: Pick<Logger, "error">;
}) {
  return {
    /** One tick at `instant`: the runs it enqueued (account, day). */
    async tick(instant: Date): Promise<{ accountId: string; date: string }[]> {
      const { rows } = await deps.pool.query<{
        id: string;
        time_zone: string;
        send_hour: number;
        behind: string;
      }>(
        `SELECT a.id, a.time_zone, a.send_hour, min(au.last_run_date) AS behind
           FROM accounts a JOIN automations au ON au.account_id = a.id
          WHERE au.active AND au.deleted_at IS NULL
          GROUP BY a.id`,
      );
      const due: { accountId: string; date: string }[] = [];
      for (const r of rows) {
        let date: string;
        try {
          date = dueDay(instant, r.time_zone, r.send_hour);
        } catch (error) {
          // A zone this runtime does not know (checked when set, but runtimes differ): that account
          // waits, and says why in the log; the others run.
          deps.logger.error({ account: r.id, zone: r.time_zone, err: error }, "unknown time zone");
          continue;
        }
        if (r.behind < date) due.push({ accountId: r.id, date });
      }
      await deps.producer.addMany("run-automations", due);
      return due;
    },
  };
}

export type AutomationsClock = ReturnType<typeof createAutomationsClock>;
