/**
 * A campaign's recipients taken from the account's contacts (all, or those with a tag) instead of
 * a CSV. A contact who may get no card (do_not_mail, returned, no address) is skipped with the
 * reason, as is one without a value the message prints (its merge fields, spouseName, children).
 * Atomic, like an import; the contacts are read a page at a time, so 100,000 of them do not sit in
 * memory at once. With `household`, the contacts of one household get one card (merge-households.ts);
 * a contact's household id is a custom field named like the CSV column (household_id, household).
 * The contacts themselves stay one per person: households are about cards, not the customer file.
 */

import { dedupeKey, foldHeader, HOUSEHOLD_ID_ALIASES, householdKey } from "../../csv/index.ts";
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { newIds } from "../../ids.ts";
import type { CampaignsService } from "../campaigns/campaigns.service.ts";
import {
  type ContactRow,
  contactRecipient,
  contactsForCampaign,
  lockContacts,
  mailSkipReason,
} from "../contacts/contacts.repository.ts";
import type { TemplatesService } from "../templates/templates.service.ts";
import { FAMILY_VARIABLES } from "./import-checks.ts";
import { requiredVariables } from "./import-recipients.ts";
import { lastRecipientSeq, mergeHouseholds } from "./merge-households.ts";
import * as repo from "./recipients.repository.ts";

const PAGE = 1000;
const INLINE_ERRORS = 100;

export type SkipReason = "do_not_mail" | "returned" | "no_address" | "missing_merge_field";

export interface FromContactsReport {
  campaign_id: string;
  tag: string | null;
  /** Contacts considered (all, or those with the tag). */
  contacts: number;
  imported: number;
  /** Already in the campaign, or the same person at the same address as another contact. */
  duplicates: number;
  skipped: Record<SkipReason, number>;
  /** The first skipped contacts with why (a missing merge field names it). */
  errors: { contact_id: string; reason: SkipReason; message: string }[];
  household: boolean;
  /** Contacts that joined another contact's household card; see `merges` for the first 100. */
  merged: number;
  households: number;
  not_merged: number;
  merges: {
    contact_id: string | null;
    name: string;
    card_recipient_id: string | null;
    card_contact_id: string | null;
    card_name: string | null;
    note: string;
  }[];
}

/** A contact's household id: a custom field named as the CSV column would be (householdId…). */
function householdIdOf(custom: Record<string, string>): string | undefined {
  for (const [key, value] of Object.entries(custom))
    if (HOUSEHOLD_ID_ALIASES.includes(foldHeader(key)) && value.trim()) return value;
  return undefined;
}

export function createFromContacts(deps: {
  pool: Pool;
  campaigns: CampaignsService;
  templates: TemplatesService;
}) {
  return async function recipientsFromContacts(
    accountId: string,
    campaignId: string,
    opts: { tag?: string; household?: boolean },
  ): Promise<FromContactsReport> {
    const household = opts.household === true;
    return withTransaction(deps.pool, async (tx) => {
      // The contacts lock first, then the campaign's, in the order every contacts write takes them.
      await lockContacts(tx, accountId);
      const campaign = await deps.campaigns.lockDraft(tx, accountId, campaignId);
      await deps.campaigns.recipientsChanged(tx, campaignId);
      const afterSeq = household ? await lastRecipientSeq(tx, campaignId) : "0";
      const template = await deps.templates.show(accountId, campaign.template_id);
      const printed = new Set(requiredVariables(campaign.message ?? template.texts.message));
      const required = [
        ...campaign.merge_fields.filter((f) => printed.has(f)),
        ...FAMILY_VARIABLES.filter((f) => printed.has(f)),
      ];
      const report: FromContactsReport = {
        campaign_id: campaignId,
        tag: opts.tag ?? null,
        contacts: 0,
        imported: 0,
        duplicates: 0,
        skipped: { do_not_mail: 0, returned: 0, no_address: 0, missing_merge_field: 0 },
        errors: [],
        household,
        merged: 0,
        households: 0,
        not_merged: 0,
        merges: [],
      };
      const skip = (row: ContactRow, reason: SkipReason, message: string) => {
        report.skipped[reason]++;
        if (report.errors.length < INLINE_ERRORS)
          report.errors.push({ contact_id: row.id, reason, message });
      };

      let after: { key: string; id: string } | undefined;
      for (;;) {
        const page = await contactsForCampaign(tx, accountId, opts.tag, { after, limit: PAGE });
        if (page.length === 0) break;
        const last = page[page.length - 1] as (typeof page)[number];
        after = { key: last.sort_key, id: last.id };
        report.contacts += page.length;
        const rows: repo.NewRecipient[] = [];
        const keys = new Set<string>();
        for (const contact of page) {
          const reason = mailSkipReason(contact);
          if (reason) {
            skip(contact, reason, SKIP_MESSAGES[reason]);
            continue;
          }
          const recipient = contactRecipient(contact);
          const missing = required.filter((f) => !recipient.custom[f]?.trim());
          if (missing.length > 0) {
            skip(
              contact,
              "missing_merge_field",
              `The message prints ${missing.map((m) => `{{${m}}}`).join(", ")}, which this contact has no value for: fill it in, or guard it with {{#if …}}.`,
            );
            continue;
          }
          const key = dedupeKey(recipient);
          if (keys.has(key)) {
            report.duplicates++;
            continue;
          }
          keys.add(key);
          rows.push({
            id: "",
            rowNumber: null,
            dataJson: JSON.stringify(recipient),
            photoId: contact.photo_id,
            dedupeKey: key,
            contactId: contact.id,
            householdKey: household
              ? householdKey(recipient, householdIdOf(recipient.custom))
              : undefined,
          });
        }
        const ids = newIds("rcp", rows.length);
        rows.forEach((r, i) => {
          r.id = ids[i] as string;
        });
        const inserted = await repo.insertRecipients(
          tx,
          { accountId, campaignId, importId: null },
          rows,
        );
        const added = inserted === "all" ? rows.length : inserted.size;
        report.imported += added;
        report.duplicates += rows.length - added;
        if (page.length < PAGE) break;
      }
      if (household) {
        const counts = await mergeHouseholds(tx, campaignId, afterSeq, (o) => {
          if (report.merges.length >= INLINE_ERRORS) return;
          report.merges.push({
            contact_id: o.member.contactId,
            name: o.member.name,
            card_recipient_id: o.card?.recipientId ?? null,
            card_contact_id: o.card?.contactId ?? null,
            card_name: o.card?.name ?? null,
            note: o.note,
          });
        });
        report.merged = counts.merged;
        report.households = counts.households;
        report.not_merged = counts.notMerged;
      }
      return report;
    });
  };
}

const SKIP_MESSAGES: Record<Exclude<SkipReason, "missing_merge_field">, string> = {
  do_not_mail: "The contact is marked do_not_mail: no card goes to them.",
  returned:
    "Mail to this contact came back (returned): fix the address and set mail_status to active.",
  no_address: "The contact has no postal address: add one to send them cards.",
};
