/**
 * The daily run: a function of a calendar day. For each active automation (of one account, or all)
 * it makes that day's cards, once: in one transaction, with the automation's row locked (a second
 * run of the same automation waits, then finds the day done), it judges the day's occurrences
 * (occurrences.repository.ts), records each decision in automation_sends — whose unique key
 * (automation, contact, occasion year) is what finally guarantees one card — and freezes the
 * cards into the day's campaign (one per automation and day), submitted as any campaign is. After
 * the commit the campaign's start is enqueued (or the reconciler enqueues it); workers render it
 * and assemble its batches like any other.
 *
 * Catch-up: the run remembers the last day done per automation (last_run_date). Days missed since
 * (workers down) are judged together with the day being run: their cards are made today if they
 * can still arrive (occurrences.repository.ts, MIN_TRANSIT_DAYS), and the rest are recorded as
 * too_late. Days more than MAX_CATCH_UP_DAYS back are not looked at. A day already done is not
 * run again: it answers with what it made.
 */
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { conflict } from "../../errors.ts";
import { newId, newIds } from "../../ids.ts";
import type { Recipient } from "../../render/card-data.ts";
import { compileMessage, TemplateError } from "../../render/index.ts";
import type { ContactRow } from "../contacts/contacts.repository.ts";
import { contactRecipient } from "../contacts/contacts.repository.ts";
import { emitAutomationCardsCreated } from "../events/object-events.ts";
import type { SubmitService } from "../pipeline/submit.service.ts";
import { addDays, daysBetween, earlierDay, laterDay } from "../shared/calendar.ts";
import type { TemplatesService } from "../templates/templates.service.ts";
import type { AutomationRow } from "./automations.repository.ts";
import * as repo from "./automations.repository.ts";
import * as run from "./daily-run.repository.ts";
import { type DecidedOccurrence, decide } from "./occurrences.repository.ts";

/** Missed days further back than this are not caught up (nor recorded). */
export const MAX_CATCH_UP_DAYS = 60;

export interface AutomationDay {
  automation_id: string;
  account_id: string;
  name: string;
  occasion: string;
  date: string;
  /**
   * made: this call ran the day; already_run: an earlier one did (nothing new was made); failed:
   * it could not (`error`), and nothing of it was kept — running the day again retries it.
   */
  status: "made" | "already_run" | "inactive" | "failed";
  error?: string;
  /** Missed days before `date` judged with it. */
  caught_up_days: number;
  cards: number;
  skipped: Record<string, number>;
  campaign_id: string | null;
}

/** The variables a card of this automation prints unconditionally that a contact must supply. */
export async function requiredFields(
  templates: Pick<TemplatesService, "get">,
  a: Pick<AutomationRow, "account_id" | "template_id" | "message" | "merge_fields" | "occasion">,
): Promise<string[]> {
  let source = a.message;
  if (source === null) {
    try {
      source = (await templates.get(a.account_id, a.template_id)).texts.message;
    } catch (error) {
      // A design refused today fails its cards at render, with their reason; nothing to require.
      if (error instanceof TemplateError) return [];
      throw error;
    }
  }
  const custom = new Set([...a.merge_fields, ...(a.occasion === "anniversary" ? ["years"] : [])]);
  return compileMessage(source).required.filter((v) => custom.has(v));
}

/** Nominal days whose occasion is still after `date` (a late card could still be made for them). */
function lateFrom(a: AutomationRow, date: string): string {
  if (a.occasion === "october_holiday") {
    const year = date.slice(0, 4);
    const start = `${year}-${a.window_start}`;
    return date >= start && date <= `${year}-${a.window_end}` ? start : date;
  }
  return addDays(date, 1 - a.lead_days);
}

/** The card's merge data, frozen now: the contact as it is today, plus the occasion's own data. */
function freeze(a: AutomationRow, d: DecidedOccurrence): Recipient {
  const contact: Pick<
    ContactRow,
    | "data"
    | "spouse_name"
    | "children"
    | "birthday_month"
    | "birthday_day"
    | "birthday_year"
    | "anniversary_month"
    | "anniversary_day"
    | "anniversary_year"
  > = d;
  const recipient = contactRecipient(contact as ContactRow);
  const custom = { ...recipient.custom, ...d.merge };
  if (a.occasion === "anniversary" && d.anniversary_year !== null && d.occasion_year !== null)
    custom.years = String(d.occasion_year - d.anniversary_year);
  return { ...recipient, custom };
}

export function createDailyRunService(deps: {
  pool: Pool;
  submit: Pick<SubmitService, "freeze" | "enqueueStart">;
  templates: Pick<TemplatesService, "get">;
}) {
  const { pool, submit } = deps;

  async function runAutomation(a0: AutomationRow, date: string): Promise<AutomationDay> {
    const report: AutomationDay = {
      automation_id: a0.id,
      account_id: a0.account_id,
      name: a0.name,
      occasion: a0.occasion,
      date,
      status: "made",
      caught_up_days: 0,
      cards: 0,
      skipped: {},
      campaign_id: null,
    };
    const start = await withTransaction(pool, async (tx) => {
      const a = await repo.lockAutomation(tx, a0.id);
      if (!a?.active) {
        report.status = "inactive";
        return false;
      }
      if (a.last_run_date >= date) {
        report.status = "already_run";
        return false;
      }
      const required = await requiredFields(deps.templates, a);
      const lastRun = laterDay(a.last_run_date, addDays(date, -MAX_CATCH_UP_DAYS));
      report.caught_up_days = Math.max(0, daysBetween(lastRun, date) - 1);
      const from =
        a.occasion === "thank_you"
          ? "0001-01-01"
          : earlierDay(addDays(lastRun, 1), lateFrom(a, date));
      const decisions = await decide(tx, a, { runDate: date, lastRun, from, to: date, required });

      const cards = decisions.filter((d) => d.outcome === null);
      let campaignId: string | null = null;
      if (cards.length > 0) {
        const campaign = await run.dayCampaign(tx, a, {
          id: newId("cmp"),
          date,
          mergeFields: [...a.merge_fields, ...(a.occasion === "anniversary" ? ["years"] : [])],
        });
        if (campaign.status !== "draft")
          throw conflict(`The campaign of ${a.id} for ${date} is ${campaign.status} already.`);
        campaignId = campaign.id;
      }
      const recipientIds = newIds("rcp", cards.length);
      const recipientOf = new Map(cards.map((d, i) => [d, recipientIds[i] as string]));
      const decision = (d: DecidedOccurrence) => ({
        campaignId: d.outcome === null ? campaignId : null,
        recipientId: recipientOf.get(d) ?? null,
        skipReason: d.outcome,
      });
      const fresh = decisions.filter((d) => d.send_id === null);
      const known = decisions.filter((d) => d.send_id !== null);
      const made = new Set([
        ...(await run.insertDecisions(
          tx,
          a,
          date,
          fresh.map((d) => ({
            id: newId("snd"),
            contactId: d.contact_id,
            occasionYear: d.occasion_year,
            occasionDate: d.occasion_date,
            ...decision(d),
          })),
        )),
        ...(await run.settleDecisions(
          tx,
          date,
          known.map((d) => ({ sendId: d.send_id as string, ...decision(d) })),
        )),
      ]);
      if (campaignId) {
        await run.insertRecipients(
          tx,
          { accountId: a.account_id, campaignId },
          cards
            .filter((d) => made.has(recipientOf.get(d) as string))
            .map((d) => ({
              id: recipientOf.get(d) as string,
              contactId: d.contact_id,
              dataJson: JSON.stringify(freeze(a, d)),
              photoId: d.send_photo_id ?? d.photo_id,
            })),
        );
        if (made.size > 0) {
          await submit.freeze(tx, campaignId, null);
          await emitAutomationCardsCreated(tx, campaignId, [...made]);
        } else await tx.query("DELETE FROM campaigns WHERE id = $1", [campaignId]);
      }
      await run.markRun(tx, a.id, date);
      report.cards = made.size;
      report.campaign_id = made.size > 0 ? campaignId : null;
      for (const d of decisions) {
        if (d.outcome !== null) report.skipped[d.outcome] = (report.skipped[d.outcome] ?? 0) + 1;
      }
      return made.size > 0;
    });
    // After the commit; if this never happens, the reconciler starts the scheduled campaign.
    if (start && report.campaign_id) await submit.enqueueStart(report.campaign_id);
    if (report.status === "already_run") {
      const counts = await repo.decisionCounts(pool, a0.id, date, date);
      report.cards = counts.cards;
      report.skipped = counts.skipped;
      report.campaign_id = (await run.dayCampaignOf(pool, a0.id, date))?.id ?? null;
    }
    return report;
  }

  return {
    /**
     * Runs one calendar day (YYYY-MM-DD) for every active automation of the account (or of all
     * accounts). Safe to call again and from several workers at once: a day is made once.
     */
    async runDay(opts: { date: string; accountId?: string }): Promise<AutomationDay[]> {
      const automations = await repo.activeAutomations(pool, opts.accountId);
      const days: AutomationDay[] = [];
      for (const a of automations) {
        // One automation's failure (its transaction rolled back) does not keep the others' cards.
        days.push(
          await runAutomation(a, opts.date).catch((error: unknown) => ({
            automation_id: a.id,
            account_id: a.account_id,
            name: a.name,
            occasion: a.occasion,
            date: opts.date,
            status: "failed" as const,
            error: error instanceof Error ? error.message : String(error),
            caught_up_days: 0,
            cards: 0,
            skipped: {},
            campaign_id: null,
          })),
        );
      }
      return days;
    },
  };
}

export type DailyRunService = ReturnType<typeof createDailyRunService>;
