/**
 * Automations: standing orders with a campaign's design. Create, edit, pause, delete; look ahead
 * (`upcoming`, which sends nothing); see what was made. The daily run is daily-run.service.ts.
 */
import { decodeCursor, encodeCursor, type PageRequest } from "../../db/cursor.ts";
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { type FieldError, notFound, validation } from "../../errors.ts";
import { newId } from "../../ids.ts";
import type { AccountsService } from "../accounts/accounts.service.ts";
import { checkDesign } from "../campaigns/campaign-rules.ts";
import { type SenderInput, senderJson, toSender } from "../campaigns/sender.ts";
import { findPhoto } from "../photos/photos.repository.ts";
import { checkLandingUrl } from "../scans/landing-url.ts";
import { addDays, daysBetween, isDay, localTime } from "../shared/calendar.ts";
import type { TemplatesService } from "../templates/templates.service.ts";
import type { AutomationOccasion, AutomationRow } from "./automations.repository.ts";
import * as repo from "./automations.repository.ts";
import { requiredFields } from "./daily-run.service.ts";
import * as occurrences from "./occurrences.repository.ts";

export interface AutomationInput {
  occasion: AutomationOccasion;
  name?: string;
  template: string;
  format: string;
  message?: string | null;
  merge_fields?: string[];
  sender: SenderInput;
  photo_id?: string | null;
  landing_url?: string | null;
  tag?: string | null;
  active?: boolean;
  lead_days?: number;
  send_late?: boolean;
  window?: { start: string; end: string } | null;
}

export type AutomationPatch = Partial<Omit<AutomationInput, "occasion">>;

const DEFAULT_NAMES: Record<AutomationOccasion, string> = {
  birthday: "Birthday cards",
  anniversary: "Anniversary cards",
  october_holiday: "October holiday cards",
  thank_you: "Thank-you cards",
};
const DEFAULT_WINDOW = { start: "10-01", end: "10-15" };
/** Longest October (or other) window, in days. */
export const MAX_WINDOW_DAYS = 61;
/** Longest `upcoming` range, in days. */
export const MAX_UPCOMING_DAYS = 400;

function toInput(row: AutomationRow): AutomationInput {
  return {
    occasion: row.occasion,
    name: row.name,
    template: row.template_id,
    format: row.format,
    message: row.message,
    merge_fields: row.merge_fields,
    sender: senderJson(row.sender) as SenderInput,
    photo_id: row.photo_id,
    landing_url: row.landing_url,
    tag: row.tag,
    active: row.active,
    lead_days: row.lead_days,
    send_late: row.send_late,
    window:
      row.window_start && row.window_end ? { start: row.window_start, end: row.window_end } : null,
  };
}

/** A window's days: MM-DD of a real day in any year (so not 29 February), start before end. */
function checkWindow(occasion: AutomationOccasion, window: AutomationInput["window"]) {
  if (occasion !== "october_holiday") {
    if (window) {
      throw validation("Only an october_holiday automation has a window.", [
        { field: "window", message: `not used by ${occasion}` },
      ]);
    }
    return { start: null, end: null };
  }
  const w = window ?? DEFAULT_WINDOW;
  const errors: FieldError[] = [];
  for (const part of ["start", "end"] as const) {
    if (!isDay(`2027-${w[part]}`))
      errors.push({ field: `window.${part}`, message: "a day of the year as MM-DD (not 02-29)" });
  }
  if (errors.length === 0) {
    const days = daysBetween(`2027-${w.start}`, `2027-${w.end}`) + 1;
    if (days < 1) errors.push({ field: "window", message: "start must not be after end" });
    else if (days > MAX_WINDOW_DAYS)
      errors.push({ field: "window", message: `at most ${MAX_WINDOW_DAYS} days` });
  }
  if (errors.length > 0)
    throw validation(`The window is invalid: ${errors.map((e) => e.message).join("; ")}.`, errors);
  return w;
}

export function createAutomationsService(deps: {
  pool: Pool;
  templates: TemplatesService;
  accounts: Pick<AccountsService, "getAccount">;
}) {
  const { pool, templates } = deps;

  async function today(accountId: string): Promise<string> {
    const account = await deps.accounts.getAccount(accountId);
    return localTime(new Date(), account.time_zone).day;
  }

  async function validate(
    accountId: string,
    input: AutomationInput,
  ): Promise<repo.AutomationValues> {
    const template = await templates.resolve(accountId, input.template);
    const mergeFields = input.merge_fields ?? [];
    const message = input.message ?? null;
    const known = [...mergeFields, ...(input.occasion === "anniversary" ? ["years"] : [])];
    checkDesign(template, input.format, message, known);
    if (input.photo_id && !(await findPhoto(pool, accountId, input.photo_id))) {
      throw validation(
        `Photo ${input.photo_id} was not found. Upload it with POST /v1/photos first.`,
        [{ field: "photo_id", message: "no such photo in this account" }],
      );
    }
    const window = checkWindow(input.occasion, input.window);
    return {
      name: input.name ?? DEFAULT_NAMES[input.occasion],
      templateId: template.id,
      format: input.format,
      message,
      mergeFields,
      sender: toSender(input.sender),
      photoId: input.photo_id ?? null,
      landingUrl: input.landing_url ? checkLandingUrl(input.landing_url) : null,
      tag: input.tag ?? null,
      active: input.active ?? true,
      leadDays: input.lead_days ?? 10,
      sendLate: input.send_late ?? false,
      windowStart: window.start,
      windowEnd: window.end,
    };
  }

  async function get(accountId: string, id: string): Promise<AutomationRow> {
    const row = await repo.findAutomation(pool, accountId, id);
    if (!row) throw notFound("Automation");
    return row;
  }

  /**
   * The next day the schedule runs: the day after the last one done. A paused automation resumes
   * from today, so it is judged from today.
   */
  const nextRun = (a: AutomationRow, day: string) => {
    const next = addDays(a.last_run_date, 1);
    return a.active || next > day ? next : day;
  };

  /** What the schedule will do in [from, to] (send days), page by page. Sends nothing. */
  async function upcoming(
    a: AutomationRow,
    range: { from: string; to: string; today: string },
    page: { limit: number; after?: { date: string; key: string } },
  ) {
    const next = nextRun(a, range.today);
    // Cards made late on `next` (their own day passed before it) have earlier nominal days.
    let from = range.from;
    if (next >= range.from && next <= range.to) {
      const late =
        a.occasion === "thank_you"
          ? "0001-01-01"
          : a.occasion === "october_holiday"
            ? `${next.slice(0, 4)}-${a.window_start}`
            : addDays(next, 1 - a.lead_days);
      if (late < from) from = late;
    }
    return occurrences.upcoming(
      pool,
      a,
      {
        runDate: null,
        lastRun: addDays(next, -1),
        from,
        to: range.to,
        required: await requiredFields(templates, a),
        shownFrom: range.from,
        shownTo: range.to,
      },
      page,
    );
  }

  return {
    get,

    async create(accountId: string, input: AutomationInput) {
      const values = await validate(accountId, input);
      const id = newId("auto");
      // Nothing before the day it was made: its first day to run is today.
      const lastRunDate = addDays(await today(accountId), -1);
      await repo.insertAutomation(
        pool,
        { id, accountId, occasion: input.occasion, lastRunDate },
        values,
      );
      return get(accountId, id);
    },

    list: (accountId: string, page: PageRequest) => repo.listAutomations(pool, accountId, page),

    async update(accountId: string, id: string, patch: AutomationPatch) {
      const day = await today(accountId);
      await withTransaction(pool, async (tx) => {
        // Waits for a run of this automation in progress, so no run sees half an edit.
        const row = await repo.lockAutomation(tx, id);
        if (!row || row.account_id !== accountId) throw notFound("Automation");
        const values = await validate(accountId, {
          ...toInput(row),
          ...patch,
          occasion: row.occasion,
        });
        // Resumed: the days it was paused are not missed days; it starts again from today.
        const resumed = values.active && !row.active;
        const lastRun =
          resumed && row.last_run_date < addDays(day, -1) ? addDays(day, -1) : row.last_run_date;
        await repo.updateAutomation(tx, id, values, lastRun);
      });
      return get(accountId, id);
    },

    async remove(accountId: string, id: string) {
      await withTransaction(pool, async (tx) => {
        const row = await repo.lockAutomation(tx, id);
        if (!row || row.account_id !== accountId) throw notFound("Automation");
        await repo.deleteAutomation(tx, id);
      });
    },

    /** Sent and skipped this year (the account's calendar), and cards to come in 30 days. */
    async counts(a: AutomationRow) {
      const day = await today(a.account_id);
      const year = day.slice(0, 4);
      const done = await repo.decisionCounts(pool, a.id, `${year}-01-01`, `${year}-12-31`);
      const ahead = await upcoming(
        a,
        { from: day, to: addDays(day, 29), today: day },
        { limit: 0 },
      );
      return {
        sent_this_year: done.cards,
        upcoming_30_days: ahead.totals.card ?? 0,
        skipped_this_year: done.skipped,
      };
    },

    async upcoming(
      accountId: string,
      id: string,
      query: { from?: string; to?: string; limit: number; after?: string },
    ) {
      const a = await get(accountId, id);
      const day = await today(accountId);
      const from = query.from ?? day;
      const to = query.to ?? addDays(from, 30);
      const errors: FieldError[] = [];
      for (const [field, value] of [
        ["from", from],
        ["to", to],
      ] as const) {
        if (!isDay(value) || value < "1900-01-01" || value > "2199-12-31")
          errors.push({
            field: `querystring.${field}`,
            message: "a day from 1900 to 2199, YYYY-MM-DD",
          });
      }
      if (errors.length === 0 && to < from)
        errors.push({ field: "querystring.to", message: "must not be before from" });
      if (errors.length === 0 && daysBetween(from, to) >= MAX_UPCOMING_DAYS)
        errors.push({
          field: "querystring.to",
          message: `at most ${MAX_UPCOMING_DAYS} days after from`,
        });
      let after: { date: string; key: string } | undefined;
      if (query.after !== undefined) {
        const cursor = decodeCursor(query.after, "day");
        if (!cursor)
          errors.push({ field: "querystring.after", message: "not a cursor of this list" });
        else after = { date: cursor.key, key: cursor.id };
      }
      if (errors.length > 0)
        throw validation(errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors);
      const result = await upcoming(a, { from, to, today: day }, { limit: query.limit + 1, after });
      const hasMore = result.items.length > query.limit;
      const items = result.items.slice(0, query.limit);
      const last = items[items.length - 1];
      const { card = 0, ...skipped } = result.totals;
      return {
        from,
        to,
        items,
        hasMore,
        nextAfter: hasMore && last ? encodeCursor(last.send_date, last.key) : null,
        totals: { cards: card, skipped },
      };
    },

    async cards(accountId: string, id: string, page: PageRequest & { status?: string }) {
      await get(accountId, id);
      return repo.listAutomationCards(pool, accountId, id, page);
    },

    today,
  };
}

export type AutomationsService = ReturnType<typeof createAutomationsService>;
