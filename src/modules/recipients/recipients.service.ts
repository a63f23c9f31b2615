import { Readable } from "node:stream";
import { parseRecipients, type RowOutcome } from "../../csv/index.ts";
import { jsonRecordsAsCsv } from "../../csv/json-records.ts";
import type { PageRequest } from "../../db/cursor.ts";
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { AppError, conflict, notFound } from "../../errors.ts";
import { composePages } from "../../images/index.ts";
import { CardRenderError, type CardReport, type FormatId, pageLabels } from "../../render/index.ts";
import { type RenderPool, RenderProcessError } from "../../render-sandbox/render-pool.ts";
import type { Storage } from "../../storage/storage.ts";
import type { CampaignRow } from "../campaigns/campaigns.repository.ts";
import type { CampaignsService } from "../campaigns/campaigns.service.ts";
import { cardInput, type PhotoLoader } from "../cards/card-input.ts";
import { type Rasterizer, RasterizeTimeout } from "../cards/rasterize-pdf.ts";
import { resolvePhotoNames } from "../photos/photos.repository.ts";
import { PROOF_TOKEN, shortUrl } from "../scans/qr-tokens.ts";
import type { TemplatesService } from "../templates/templates.service.ts";
import { createFromContacts } from "./from-contacts.ts";
import { createRecipientImport, type ImportRequest } from "./import-recipients.ts";
import * as repo from "./recipients.repository.ts";

export interface Proof {
  pdf?: Buffer;
  report: Partial<CardReport>;
}

export function createRecipientsService(deps: {
  pool: Pool;
  storage: Storage;
  campaigns: CampaignsService;
  templates: TemplatesService;
  photos: PhotoLoader;
  /** Where cards render: the sandbox's processes, so a runaway card cannot take the API down. */
  renderPool: Pick<RenderPool, "render">;
  /** Proof pictures: pdftoppm, a few at once, each killed past the render time limit. */
  rasterize: Rasterizer;
  /** Base of the cards' short URLs: a proof shows a sample code of the same size. */
  publicUrl?: string;
}) {
  const { pool, storage, campaigns } = deps;
  const importRecipients = createRecipientImport(deps);
  const fromContacts = createFromContacts(deps);

  async function get(accountId: string, campaignId: string, id: string) {
    await campaigns.get(accountId, campaignId);
    const row = await repo.findRecipient(pool, accountId, campaignId, id);
    if (!row) throw notFound("Recipient");
    return row;
  }

  /** Renders the recipient's card now. A card that cannot render answers its report with the failure. */
  async function proof(campaign: CampaignRow, row: repo.RecipientRow): Promise<Proof> {
    try {
      // A design that today's rules refuse fails here (design_invalid), like a card that cannot draw.
      // No card exists yet, so no token: a campaign with a landing URL proofs a sample code
      // (same length, same size on the card) that leads nowhere.
      const qr_url = campaign.landing_url
        ? shortUrl(deps.publicUrl ?? "http://localhost:3000", PROOF_TOKEN)
        : null;
      // A draft prints in the account's colour mode as it is now (submit takes it then).
      const color_mode =
        campaign.color_mode ?? (await repo.accountColorMode(pool, campaign.account_id));
      return await deps.renderPool.render(
        await cardInput(deps, { ...campaign, color_mode }, { ...row, qr_url }),
      );
    } catch (error) {
      if (error instanceof CardRenderError) return { report: error.report };
      if (error instanceof RenderProcessError && error.crashed) {
        const detail =
          "Drawing this card stopped the process that drew it: simplify the design or the message.";
        const failure = { reason: "render_crash" as const, detail };
        return {
          report: { template: campaign.template_id, format: campaign.format as FormatId, failure },
        };
      }
      throw error;
    }
  }

  return {
    import: (accountId: string, campaignId: string, req: ImportRequest) =>
      importRecipients(accountId, campaignId, req),

    /** Adds the account's contacts (all, or those with `tag`) to a draft campaign. */
    fromContacts: (
      accountId: string,
      campaignId: string,
      opts: { tag?: string; household?: boolean },
    ) => fromContacts(accountId, campaignId, opts),

    async getImport(accountId: string, campaignId: string, id: string) {
      const row = await repo.findImport(pool, accountId, campaignId, id);
      if (!row) throw notFound("Import");
      return row;
    },

    async failuresCsv(accountId: string, campaignId: string, id: string) {
      const row = await repo.findImport(pool, accountId, campaignId, id);
      if (!row) throw notFound("Import");
      if (!row.failures_key)
        throw notFound("Failures report (every row of this import was imported)");
      return storage.get(row.failures_key);
    },

    async mergedCsv(accountId: string, campaignId: string, id: string) {
      const row = await repo.findImport(pool, accountId, campaignId, id);
      if (!row) throw notFound("Import");
      if (!row.merged_key)
        throw notFound(
          row.household
            ? "Merged report (this import merged no households)"
            : "Merged report (this import was not asked to merge households: household=true)",
        );
      return storage.get(row.merged_key);
    },

    async list(accountId: string, campaignId: string, page: PageRequest) {
      await campaigns.get(accountId, campaignId);
      return repo.listRecipients(pool, accountId, campaignId, page);
    },

    get,

    /** The recipient with the report of its card as it would print now. */
    async getWithReport(accountId: string, campaignId: string, id: string) {
      const campaign = await campaigns.get(accountId, campaignId);
      const row = await get(accountId, campaignId, id);
      return { row, report: (await proof(campaign, row)).report };
    },

    async proofPdf(accountId: string, campaignId: string, id: string): Promise<Proof> {
      const campaign = await campaigns.get(accountId, campaignId);
      return proof(campaign, await get(accountId, campaignId, id));
    },

    /**
     * A picture of one page (`page`), or of every page side by side under its label ("Front",
     * "Back (address side)") when no page is named: all pages come from one pdftoppm run.
     */
    async proofPng(accountId: string, campaignId: string, id: string, page?: number) {
      const campaign = await campaigns.get(accountId, campaignId);
      const result = await proof(campaign, await get(accountId, campaignId, id));
      if (!result.pdf) return { report: result.report };
      const pages = result.report.pages ?? 1;
      if (page !== undefined && page > pages) {
        throw new AppError(
          "validation",
          `This card has ${pages} page(s); ask for page 1 to ${pages}, or leave page out for all of them.`,
          {
            errors: [{ field: "querystring.page", message: `at most ${pages}` }],
          },
        );
      }
      try {
        const first = page ?? 1;
        const drawn = await deps.rasterize(result.pdf, { first, last: page ?? pages, dpi: 100 });
        if (page !== undefined) return { report: result.report, png: drawn[0] };
        const format = result.report.format;
        const labels = format ? pageLabels(format) : [];
        const png = await composePages(
          drawn.map((p, i) => ({ png: p, label: labels[i] ?? `Page ${i + 1}` })),
        );
        return { report: result.report, png };
      } catch (error) {
        if (!(error instanceof RasterizeTimeout)) throw error;
        const detail =
          "The proof picture took too long to draw: simplify the design (fewer layers and shapes) or use a smaller photo; the PDF proof shows the card meanwhile.";
        return {
          report: { ...result.report, failure: { reason: "render_limit" as const, detail } },
        };
      }
    },

    /** Edits a recipient of a draft campaign; the result is validated like an imported row. */
    async update(
      accountId: string,
      campaignId: string,
      id: string,
      patch: Record<string, unknown>,
    ) {
      return withTransaction(pool, async (tx) => {
        await campaigns.lockDraft(tx, accountId, campaignId);
        const row = await repo.findRecipient(tx, accountId, campaignId, id);
        if (!row) throw notFound("Recipient");
        const merged = { ...recordOf(row.data), ...flattenPatch(patch) };
        const parsed = parseRecipients(Readable.from(jsonRecordsAsCsv([merged])));
        let outcome: RowOutcome | undefined;
        for await (const o of parsed.rows) outcome = o;
        if (outcome?.kind !== "recipient") {
          const errors = outcome?.kind === "rejected" ? outcome.errors : [];
          throw new AppError(
            "validation",
            errors.map((e) => e.message).join(" ") || "The recipient is incomplete.",
            {
              errors: errors.map((e) => ({ field: e.field, message: e.message })),
            },
          );
        }
        const photo = outcome.recipient.photo;
        const photoId = photo
          ? (await resolvePhotoNames(tx, accountId, [photo])).get(photo)
          : undefined;
        if (photo && !photoId) {
          throw new AppError("validation", `Photo "${photo}" was not uploaded.`, {
            errors: [{ field: "photo", message: "unknown photo" }],
          });
        }
        try {
          // A household's card stays one: its members are not a field the edit re-reads.
          const household = row.data.household;
          await repo.updateRecipient(tx, id, {
            data: household ? { ...outcome.recipient, household } : outcome.recipient,
            photoId: photoId ?? null,
            dedupeKey: outcome.dedupeKey,
          });
        } catch (error) {
          if ((error as { code?: string }).code === "23505") {
            throw conflict(
              "Another recipient of this campaign is the same person at the same address.",
            );
          }
          throw error;
        }
        return (await repo.findRecipient(tx, accountId, campaignId, id)) as repo.RecipientRow;
      });
    },

    async remove(accountId: string, campaignId: string, id: string) {
      await withTransaction(pool, async (tx) => {
        await campaigns.lockDraft(tx, accountId, campaignId);
        const row = await repo.findRecipient(tx, accountId, campaignId, id);
        if (!row) throw notFound("Recipient");
        await repo.deleteRecipient(tx, id);
      });
    },
  };
}

/** A stored recipient as the flat record the import reads (so an edit re-validates like an upload). */
function recordOf(r: repo.RecipientRow["data"]): Record<string, string> {
  return {
    first_name: r.firstName,
    last_name: r.lastName,
    full_name: r.fullName,
    company: r.company ?? "",
    street: r.address.line1,
    address_line_2: r.address.line2 ?? "",
    city: r.address.city,
    state: r.address.region ?? "",
    postal_code: r.address.postalCode ?? "",
    country: r.address.country,
    email: r.email ?? "",
    phone: r.phone ?? "",
    birthday: r.birthday ?? "",
    anniversary: r.anniversary ?? "",
    photo: r.photo ?? "",
    ...r.custom,
  };
}

const PATCH_KEYS: Record<string, string> = {
  line1: "street",
  line2: "address_line_2",
  region: "state",
};

function flattenPatch(patch: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(patch)) {
    if ((key === "address" || key === "custom") && value && typeof value === "object") {
      for (const [k, v] of Object.entries(value))
        out[PATCH_KEYS[k] ?? k] = v === null ? "" : String(v);
    } else {
      out[key] = value === null ? "" : String(value);
    }
  }
  return out;
}

export type RecipientsService = ReturnType<typeof createRecipientsService>;
