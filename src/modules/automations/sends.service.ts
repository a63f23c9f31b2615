/**
 * Thank-you sends: another tool says "thank this customer" and one card is made for it, in the
 * batch of its send day (today, or delay_days later; a day the run has done already is closed, so
 * then the next one). The send waits in automation_sends until the run of that day makes its card.
 * One card per send: a retried POST with its Idempotency-Key is answered from the first one
 * (src/http/idempotency.ts), and the send's id is its own key.
 */
import type { Pool, PoolClient } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { conflict, notFound, validation } from "../../errors.ts";
import { newId } from "../../ids.ts";
import type { AccountsService } from "../accounts/accounts.service.ts";
import type { ContactsService } from "../contacts/contacts.service.ts";
import { findPhoto } from "../photos/photos.repository.ts";
import { addDays, laterDay, localTime } from "../shared/calendar.ts";
import type { TemplatesService } from "../templates/templates.service.ts";
import * as repo from "./automations.repository.ts";
import { requiredFields } from "./daily-run.service.ts";

export interface SendInput {
  contact_id?: string;
  external_id?: string;
  contact?: Record<string, unknown>;
  merge?: Record<string, string>;
  photo_id?: string;
  delay_days?: number;
}

async function findContactId(
  db: PoolClient,
  accountId: string,
  by: { id?: string; externalId?: string },
): Promise<{ id: string; custom: Record<string, string> } | undefined> {
  const { rows } = await db.query<{ id: string; custom: Record<string, string> | null }>(
    `SELECT id, data->'custom' AS custom FROM contacts
      WHERE account_id = $1 AND ($2::text IS NULL OR id = $2) AND ($3::text IS NULL OR external_id = $3)`,
    [accountId, by.id ?? null, by.externalId ?? null],
  );
  const row = rows[0];
  return row ? { id: row.id, custom: row.custom ?? {} } : undefined;
}

export function createSendsService(deps: {
  pool: Pool;
  templates: Pick<TemplatesService, "get">;
  accounts: Pick<AccountsService, "getAccount">;
  contacts: Pick<ContactsService, "upsert">;
}) {
  const { pool } = deps;

  /** An inline contact, upserted as POST /v1/contacts does (by its external_id when given). */
  async function upsertContact(accountId: string, contact: Record<string, unknown>) {
    const [saved] = await deps.contacts.upsert(accountId, [contact], () => "contact");
    if (!saved || saved.status === 400) {
      const errors = saved?.status === 400 ? saved.errors : [];
      throw validation(
        `The contact is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join("; ")}`,
        errors,
      );
    }
    return saved.contact.id;
  }

  /** The automation, if it is this account's, takes sends now. */
  function checkTakesSends(a: repo.AutomationRow | undefined, accountId: string) {
    if (!a || a.account_id !== accountId) throw notFound("Automation");
    if (a.occasion !== "thank_you")
      throw conflict(`This is a ${a.occasion} automation: only thank_you automations take sends.`);
    if (!a.active) throw conflict("This automation is paused: resume it (active: true) first.");
    return a;
  }

  return {
    async create(accountId: string, automationId: string, input: SendInput) {
      const given = (["contact_id", "external_id", "contact"] as const).filter(
        (k) => input[k] !== undefined,
      );
      if (given.length !== 1) {
        throw validation("Name the contact once: contact_id, external_id or contact.", [
          {
            field: given[1] ?? "contact_id",
            message: given.length ? "give only one of them" : "one of them is required",
          },
        ]);
      }
      if (input.photo_id && !(await findPhoto(pool, accountId, input.photo_id))) {
        throw validation(`Photo ${input.photo_id} was not found.`, [
          { field: "photo_id", message: "no such photo in this account" },
        ]);
      }
      const account = await deps.accounts.getAccount(accountId);
      const today = localTime(new Date(), account.time_zone).day;
      const merge = input.merge ?? {};

      // Checked before an inline contact is written: another account's automation writes nothing.
      checkTakesSends(await repo.findAutomation(pool, accountId, automationId), accountId);
      const inlineId =
        input.contact !== undefined ? await upsertContact(accountId, input.contact) : undefined;

      return withTransaction(pool, async (tx) => {
        // Shares the lock the daily run takes for update: a send waits for a run in progress, then
        // sees the day it closed.
        const a = checkTakesSends(await repo.lockAutomation(tx, automationId, "share"), accountId);
        const contact = await findContactId(tx, accountId, {
          id: inlineId ?? input.contact_id,
          externalId: inlineId ? undefined : input.external_id,
        });
        if (!contact) {
          const field = input.contact_id !== undefined ? "contact_id" : "external_id";
          throw validation("No such contact in this account.", [{ field, message: "not found" }]);
        }
        const missing = (await requiredFields(deps.templates, a)).filter(
          (f) => !(merge[f] ?? contact.custom[f] ?? "").trim(),
        );
        if (missing.length > 0) {
          throw validation(
            `The message prints ${missing.join(", ")}: give them in merge.`,
            missing.map((f) => ({
              field: `merge.${f}`,
              message: "required by the message, and the contact has no value for it",
            })),
          );
        }
        const wanted = addDays(today, input.delay_days ?? 0);
        const firstOpen = addDays(a.last_run_date, 1);
        return repo.insertThankYouSend(tx, {
          id: newId("snd"),
          accountId,
          automationId: a.id,
          contactId: contact.id,
          occasionDate: today,
          sendDate: laterDay(wanted, firstOpen),
          merge,
          photoId: input.photo_id ?? null,
        });
      });
    },
  };
}

export type SendsService = ReturnType<typeof createSendsService>;

export function sendJson(s: repo.SendRow) {
  return {
    object: "automation_send" as const,
    id: s.id,
    automation_id: s.automation_id,
    contact_id: s.contact_id,
    send_date: s.send_date,
    status: s.recipient_id ? "made" : s.skip_reason ? "skipped" : "waiting",
    skip_reason: s.skip_reason,
    campaign_id: s.campaign_id,
    merge: s.merge,
    photo_id: s.photo_id,
    created_at: s.created_at.toISOString(),
  };
}
