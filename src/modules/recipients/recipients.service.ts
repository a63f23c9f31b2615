import { readFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { parseRecipients, type RowOutcome } from "../../csv/index.ts";
import { jsonRecordsAsCsv } from "../../csv/json-records.ts";
import type { PageRequest } from "../../db/cursor.ts";
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { AppError, conflict, notFound } from "../../errors.ts";
import { composePages } from "../../images/index.ts";
import { PACKAGE_ROOT } from "../../package-root.ts";
import {
  type CardInput,
  CardRenderError,
  type CardReport,
  type FormatId,
  pageLabels,
} from "../../render/index.ts";
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
import { createProofCache, proofKey } from "./proof-cache.ts";
import * as repo from "./recipients.repository.ts";

export interface Proof {
  pdf?: Buffer;
  report: Partial<CardReport>;
}

export interface ProofPicture {
  png?: Buffer;
  report: Partial<CardReport>;
  /** Served from the proof cache (drawn before from the same content). */
  cached?: boolean;
}

/** One card of a proof gallery: the recipient, its card's report, and why it is shown. */
export interface GalleryCard {
  row: repo.RecipientRow;
  report: Partial<CardReport>;
  why: "first" | "risky";
}

/** Proof pictures are drawn at this resolution (pixels per inch)… */
const PROOF_DPI = 100;
/** …and a gallery's thumbnails at this one: a quarter of the pixels to draw, compose and encode. */
export const THUMBNAIL_DPI = 50;

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
  /** Bytes of proofs (PDFs and pictures) kept in memory by content; 0 keeps none. */
  proofCacheBytes?: number;
}) {
  const { pool, storage, campaigns } = deps;
  const cache = createProofCache({ maxBytes: deps.proofCacheBytes ?? 64 * 1024 * 1024 });
  const importRecipients = createRecipientImport(deps);
  const fromContacts = createFromContacts(deps);

  async function get(accountId: string, campaignId: string, id: string) {
    await campaigns.get(accountId, campaignId);
    const row = await repo.findRecipient(pool, accountId, campaignId, id);
    if (!row) throw notFound("Recipient");
    return row;
  }

  /** What the recipient's card is drawn from, as it would print now. */
  async function inputOf(campaign: CampaignRow, row: repo.RecipientRow): Promise<CardInput> {
    // No card exists yet, so no token: a campaign with a landing URL proofs a sample code
    // (same length, same size on the card) that leads nowhere.
    const qr_url = campaign.landing_url
      ? shortUrl(deps.publicUrl ?? "http://localhost:3000", PROOF_TOKEN)
      : null;
    // A draft prints in the account's colour mode as it is now (submit takes it then).
    const color_mode =
      campaign.color_mode ?? (await repo.accountColorMode(pool, campaign.account_id));
    return cardInput(deps, { ...campaign, color_mode }, { ...row, qr_url });
  }

  /** A card's render failure as its report (the card's fault, not a passing one). */
  function failed(campaign: CampaignRow, error: unknown): Proof {
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

  /** The PDF of a card drawn from `input`, once per content (kept in the proof cache). */
  async function pdfOf(input: CardInput, key: string): Promise<Proof> {
    const { value } = await cache.get(`pdf:${key}`, async () => {
      const drawn = await deps.renderPool.render(input);
      return { value: drawn as Proof, bytes: drawn.pdf.length };
    });
    return value;
  }

  /** Renders the recipient's card now. A card that cannot render answers its report with the failure. */
  async function proof(campaign: CampaignRow, row: repo.RecipientRow): Promise<Proof> {
    try {
      // A design that today's rules refuse fails here (design_invalid), like a card that cannot draw.
      const input = await inputOf(campaign, row);
      return await pdfOf(input, proofKey(input));
    } catch (error) {
      return failed(campaign, error);
    }
  }

  /**
   * A picture of one page (`page`), or of every page side by side under its label ("Front",
   * "Back (address side)") when no page is named: all pages come from one pdftoppm run. Kept by
   * content: asked again for the same card as it stands, it is the same bytes, not drawn again.
   */
  async function picture(
    campaign: CampaignRow,
    row: repo.RecipientRow,
    page?: number,
    dpi = PROOF_DPI,
  ): Promise<ProofPicture> {
    let input: CardInput;
    try {
      input = await inputOf(campaign, row);
    } catch (error) {
      return failed(campaign, error);
    }
    const key = proofKey(input);
    let result: Proof;
    try {
      result = await pdfOf(input, key);
    } catch (error) {
      return failed(campaign, error);
    }
    if (!result.pdf) return { report: result.report };
    const pdf = result.pdf;
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
      const { value, hit } = await cache.get(`png:${key}:${page ?? "all"}:${dpi}`, async () => {
        const first = page ?? 1;
        // Pages to compose come as raw pixels (encoded once, as the composed PNG).
        const drawn = await deps.rasterize(pdf, {
          first,
          last: page ?? pages,
          dpi,
          ...(page === undefined ? { as: "ppm" as const } : {}),
        });
        if (page !== undefined) {
          const png = drawn[0] as Buffer;
          return { value: png, bytes: png.length };
        }
        const format = result.report.format;
        const labels = format ? pageLabels(format) : [];
        const png = await composePages(
          drawn.map((p, i) => ({ png: p, label: labels[i] ?? `Page ${i + 1}` })),
        );
        return { value: png, bytes: png.length };
      });
      return { report: result.report, png: value, cached: hit };
    } catch (error) {
      if (!(error instanceof RasterizeTimeout)) throw error;
      const detail =
        "The proof picture took too long to draw: simplify the design (fewer layers and shapes) or use a smaller photo; the PDF proof shows the card meanwhile.";
      return {
        report: { ...result.report, failure: { reason: "render_limit" as const, detail } },
      };
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
      const rows = await repo.listRecipients(pool, accountId, campaignId, page);
      if (!rows) throw notFound("Campaign");
      return rows;
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

    /** A picture of the card's pages (see {@link picture}); `cached` when it was drawn before. */
    async proofPng(
      accountId: string,
      campaignId: string,
      id: string,
      page?: number,
      opts: { dpi?: number } = {},
    ): Promise<ProofPicture> {
      const campaign = await campaigns.get(accountId, campaignId);
      return picture(campaign, await get(accountId, campaignId, id), page, opts.dpi);
    },

    /**
     * The cards a person should look at before sending: the first `first`, then the riskiest
     * (long names, fallback fonts, low-resolution photos, as their reports say) up to `total`.
     * Their reports are drawn now; their pictures are drawn behind (render ahead), so the
     * gallery's images, asked a moment later, join drawings already under way.
     */
    async gallery(
      accountId: string,
      campaignId: string,
      opts: { first?: number; total?: number } = {},
    ): Promise<GalleryCard[]> {
      const first = opts.first ?? 6;
      const total = opts.total ?? 12;
      const campaign = await campaigns.get(accountId, campaignId);
      const firstRows =
        (await repo.listRecipients(pool, accountId, campaignId, { limit: first })) ?? [];
      const candidates = await repo.riskyRecipients(pool, accountId, campaignId, {
        skipFirst: first,
        limit: Math.max(0, total - firstRows.length),
      });
      // Render ahead: each card's thumbnail starts as soon as its PDF is drawn (the rasterizer
      // bounds how many at once), so the pictures the page is about to ask for are under way.
      const ahead = (row: repo.RecipientRow, report: Partial<CardReport>) => {
        if (report.pages) picture(campaign, row, undefined, THUMBNAIL_DPI).catch(() => {});
      };
      const withReport = async (row: repo.RecipientRow) => {
        const report = (await proof(campaign, row)).report;
        ahead(row, report);
        return { row, report };
      };
      const [shown, risky] = await Promise.all([
        Promise.all(firstRows.map(withReport)),
        Promise.all(candidates.map(withReport)),
      ]);
      return [
        ...shown.map((c) => ({ ...c, why: "first" as const })),
        ...risky
          .map((c, i) => ({ ...c, i, score: riskOf(c.report) }))
          .sort((a, b) => b.score - a.score || a.i - b.i)
          .map(({ row, report }) => ({ row, report, why: "risky" as const })),
      ];
    },

    /**
     * Draws `times` sample proofs (a built-in design, a made-up recipient) right after the API
     * starts, so the first person's proof does not pay for what a process does once: a render
     * process's first card (its fonts read, its code compiled), pdftoppm's and sharp's first
     * pictures. Measured: the first proof of a process took 1.9 s against 0.3 s for the next.
     * Errors are ignored (a warm-up is not a check).
     */
    async warmProofs(times = 1) {
      const template = await deps.templates.get("", "thank-you");
      // The example campaign's photo, when the package has it: a card's first photo costs too.
      const jpeg = await readFile(path.join(PACKAGE_ROOT, "examples/photo.jpg")).catch(() => null);
      const photo = jpeg ? { id: "warm-up", jpeg, widthPx: 1800, heightPx: 2400 } : undefined;
      const sample = (i: number): CardInput => ({
        template,
        format: "card_5x7",
        data: {
          recipient: {
            firstName: "Ada",
            lastName: `Sample ${i}`,
            fullName: `Ada Sample ${i}`,
            address: {
              line1: "1 Main Street",
              city: "Springfield",
              region: "IL",
              postalCode: "62701",
              country: "US",
            },
            custom: {},
          },
          sender: { businessName: "cardmerge" },
          campaign: { name: "Warm-up", occasion: "thank_you" },
          seed: `warm-up/${i}`,
        },
        ...(photo ? { photo } : {}),
      });
      await Promise.all(
        Array.from({ length: times }, async (_, i) => {
          try {
            const { pdf } = await deps.renderPool.render(sample(i));
            const pages = await deps.rasterize(pdf, {
              first: 1,
              last: 2,
              dpi: PROOF_DPI,
              as: "ppm",
            });
            await composePages(pages.map((png, n) => ({ png, label: n === 0 ? "Front" : "Back" })));
          } catch {
            // A warm-up that fails leaves the first proof slower, nothing else.
          }
        }),
      );
    },

    /** How the proof cache is doing (entries, bytes, hits, misses). */
    proofCacheStats: () => cache.stats(),

    /** Edits a recipient of a draft campaign; the result is validated like an imported row. */
    async update(
      accountId: string,
      campaignId: string,
      id: string,
      patch: Record<string, unknown>,
    ) {
      return withTransaction(pool, async (tx) => {
        await campaigns.lockDraft(tx, accountId, campaignId);
        await campaigns.recipientsChanged(tx, campaignId);
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
        await campaigns.recipientsChanged(tx, campaignId);
        const row = await repo.findRecipient(tx, accountId, campaignId, id);
        if (!row) throw notFound("Recipient");
        await repo.deleteRecipient(tx, id);
      });
    },
  };
}

/** How much a card's report asks for a look: failures, then warnings, fallbacks and shrinking. */
function riskOf(report: Partial<CardReport>): number {
  return (
    (report.failure ? 1000 : 0) +
    (report.warnings?.length ?? 0) * 100 +
    (report.fallbacks?.length ?? 0) * 20 +
    (report.nameShrunk ? 10 : 0) +
    (report.nameLines ?? 1) +
    (report.photo?.warning ? 50 : 0)
  );
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
