import type { PageRequest } from "../../db/cursor.ts";
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { AppError, conflict, notFound } from "../../errors.ts";
import { newId } from "../../ids.ts";
import type { Logger } from "../../logger.ts";
import type { Storage } from "../../storage/storage.ts";
import { findPhoto } from "../photos/photos.repository.ts";
import { checkLandingUrl } from "../scans/landing-url.ts";
import type { TemplatesService } from "../templates/templates.service.ts";
import { checkDesign } from "./campaign-rules.ts";
import * as repo from "./campaigns.repository.ts";
import { type SenderInput, senderJson, toSender } from "./sender.ts";

export interface CampaignInput {
  name: string;
  occasion: string;
  template: string;
  format: string;
  message?: string | null;
  merge_fields?: string[];
  sender: SenderInput;
  photo_id?: string | null;
  metadata?: Record<string, string>;
  landing_url?: string | null;
}

function toInput(row: repo.CampaignRow): CampaignInput {
  return {
    name: row.name,
    occasion: row.occasion,
    template: row.template_id,
    format: row.format,
    message: row.message,
    merge_fields: row.merge_fields,
    sender: senderJson(row.sender) as CampaignInput["sender"],
    photo_id: row.photo_id,
    metadata: row.metadata,
    landing_url: row.landing_url,
  };
}

/** Key-sorted JSON (jsonb gives keys back in its own order). */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

/** True when an edit leaves every card as it was: only metadata (which no card shows) changed. */
function sameCards(row: repo.CampaignRow, v: repo.CampaignValues): boolean {
  return (
    canonical([
      row.name,
      row.occasion,
      row.template_id,
      row.format,
      row.message,
      row.merge_fields,
      row.sender,
      row.photo_id,
      row.landing_url,
    ]) ===
    canonical([
      v.name,
      v.occasion,
      v.templateId,
      v.format,
      v.message,
      v.mergeFields,
      v.sender,
      v.photoId,
      v.landingUrl,
    ])
  );
}

export function createCampaignsService(deps: {
  pool: Pool;
  storage: Storage;
  templates: TemplatesService;
  logger: Pick<Logger, "warn">;
}) {
  const { pool, storage, templates } = deps;

  async function validate(accountId: string, input: CampaignInput): Promise<repo.CampaignValues> {
    const template = await templates.resolve(accountId, input.template);
    const mergeFields = input.merge_fields ?? [];
    const message = input.message ?? null;
    checkDesign(template, input.format, message, mergeFields);
    if (input.photo_id && !(await findPhoto(pool, accountId, input.photo_id))) {
      throw new AppError(
        "validation",
        `Photo ${input.photo_id} was not found. Upload it with POST /v1/photos first.`,
        {
          errors: [{ field: "photo_id", message: "no such photo in this account" }],
        },
      );
    }
    return {
      name: input.name,
      occasion: input.occasion,
      templateId: template.id,
      format: input.format,
      message,
      mergeFields,
      sender: toSender(input.sender),
      photoId: input.photo_id ?? null,
      metadata: input.metadata ?? {},
      landingUrl: input.landing_url ? checkLandingUrl(input.landing_url) : null,
    };
  }

  async function get(accountId: string, id: string): Promise<repo.CampaignRow> {
    const row = await repo.findCampaign(pool, accountId, id);
    if (!row) throw notFound("Campaign");
    return row;
  }

  /** Locks a draft campaign inside a transaction: imports and recipient edits go through here. */
  async function lockDraft(
    tx: Parameters<typeof repo.lockCampaign>[0],
    accountId: string,
    id: string,
  ) {
    const row = await repo.lockCampaign(tx, accountId, id);
    if (!row) throw notFound("Campaign");
    if (row.status !== "draft")
      throw conflict(`Campaign is ${row.status}: recipients can change only while it is a draft.`);
    return row;
  }

  return {
    get,

    /**
     * Checks a design without saving anything: the template exists, comes in the format, and the
     * message merges with the standard and given variables (the console checks as people type).
     */
    async checkDesign(
      accountId: string,
      input: Pick<CampaignInput, "template" | "format" | "message" | "merge_fields">,
    ): Promise<void> {
      const template = await templates.resolve(accountId, input.template);
      checkDesign(template, input.format, input.message ?? null, input.merge_fields ?? []);
    },

    async create(accountId: string, input: CampaignInput) {
      const values = await validate(accountId, input);
      const id = newId("cmp");
      await repo.insertCampaign(pool, id, accountId, values);
      return get(accountId, id);
    },

    list: (accountId: string, page: PageRequest, status?: string) =>
      repo.listCampaigns(pool, accountId, page, status),

    async update(accountId: string, id: string, patch: Partial<CampaignInput>) {
      await withTransaction(pool, async (tx) => {
        const row = await repo.lockCampaign(tx, accountId, id);
        if (!row) throw notFound("Campaign");
        if (row.status !== "draft")
          throw conflict(`Campaign is ${row.status}: only a draft can be edited.`);
        const values = await validate(accountId, { ...toInput(row), ...patch });
        // Only metadata changes no card: anything else asks for the proofs to be checked again.
        const clearProofApproval = !sameCards(row, values);
        await repo.updateCampaign(tx, accountId, id, values, { clearProofApproval });
      });
      return get(accountId, id);
    },

    async remove(accountId: string, id: string) {
      const files = await withTransaction(pool, async (tx) => {
        const row = await repo.lockCampaign(tx, accountId, id);
        if (!row) throw notFound("Campaign");
        if (!["draft", "cancelled"].includes(row.status)) {
          throw conflict(
            `Campaign is ${row.status}: cancel it before deleting, or keep it for its records.`,
          );
        }
        const keys = await repo.campaignFileKeys(tx, id);
        await repo.deleteCampaign(tx, accountId, id);
        return keys;
      });
      // After the commit: a file that fails to go is an orphan on disk, never a dangling row.
      const deleted = await Promise.allSettled([
        ...files.map((key) => storage.delete(key)),
        storage.deletePrefix(`accounts/${accountId}/campaigns/${id}/`),
      ]);
      for (const result of deleted) {
        if (result.status === "rejected")
          deps.logger.warn(
            { campaign: id, err: result.reason },
            "a deleted campaign's file stayed",
          );
      }
    },

    /**
     * Records that `userId` checked the proofs of the draft as it is now. The console refuses to
     * submit a campaign without it (submit's `requireApprovedProofs`).
     */
    async approveProofs(accountId: string, id: string, userId: string, seen?: string) {
      await withTransaction(pool, async (tx) => {
        const row = await lockDraft(tx, accountId, id);
        // Under the lock: no change can come between this comparison and the approval.
        if (seen !== undefined && seen !== (await repo.proofsFingerprint(tx, row.id)))
          throw conflict(
            "The campaign or its recipients changed while you were checking the proofs: look at them again, then approve.",
          );
        await repo.approveProofs(tx, row.id, userId);
      });
      return get(accountId, id);
    },

    /** What the proofs are drawn from now, for {@link approveProofs}'s `seen`. */
    async proofsFingerprint(accountId: string, id: string) {
      const row = await get(accountId, id);
      return repo.proofsFingerprint(pool, row.id);
    },

    /** Recipients changed (inside the transaction that changed them): the proofs need checking again. */
    recipientsChanged: (tx: Parameters<typeof repo.lockCampaign>[0], id: string) =>
      repo.clearProofApproval(tx, id),

    lockDraft,
  };
}

export type CampaignsService = ReturnType<typeof createCampaignsService>;
