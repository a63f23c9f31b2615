/**
 * Proofs of a campaign: a gallery of the first cards and the riskiest ones (both sides, with
 * their warnings), each picture a console route over the same proof service the API serves;
 * then the approval ("I have checked these proofs") and the submit, now or at a time, which the
 * submit service refuses until the proofs of the campaign as it stands are approved.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";
import type { CampaignRow } from "../../modules/campaigns/campaigns.repository.ts";
import { type GalleryCard, THUMBNAIL_DPI } from "../../modules/recipients/recipients.service.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";
import { idOf } from "./recipients.routes.ts";

const hide = { hide: true };
type CampaignParams = { Params: { id: string } };
type Form = Record<string, string | undefined>;

/** "2026-12-24T09:30" (a datetime-local field, read as UTC) → a Date, or undefined. */
function sendAtOf(value: string | undefined): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return undefined;
  const at = new Date(`${value}:00Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** The card's report as sentences a person acts on: the renderer's warnings, and how the text fit. */
export function warningsOf(report: GalleryCard["report"]): string[] {
  const out: string[] = [];
  if (report.nameShrunk)
    out.push(
      `The name is set smaller (${report.nameFontSize ?? "?"} pt) to fit: check it still reads well, or shorten it.`,
    );
  if ((report.nameLines ?? 1) > 1) out.push(`The name runs over ${report.nameLines} lines.`);
  for (const f of report.fallbacks ?? [])
    out.push(
      `“${f.chars}” in the ${f.part} is drawn in ${f.font}: the design's font has no such letters.`,
    );
  if (report.messageShrunk)
    out.push(`The message is set smaller (${report.messageFontSize ?? "?"} pt) to fit.`);
  for (const w of report.warnings ?? []) out.push(w.charAt(0).toUpperCase() + w.slice(1));
  return out;
}

const nameOf = (card: GalleryCard) =>
  card.row.data.fullName || `${card.row.data.firstName} ${card.row.data.lastName}`.trim();

export async function proofsPages(app: FastifyInstance, { deps }: ConsoleContext) {
  const { recipients, campaigns, submit } = deps;

  const galleryPage = async (
    request: FastifyRequest,
    campaign: CampaignRow,
    extra: Record<string, unknown> = {},
  ) => {
    // Taken before the cards are drawn: a change while they draw makes the approval refuse.
    const seen = await campaigns.proofsFingerprint(campaign.account_id, campaign.id);
    const cards = await recipients.gallery(campaign.account_id, campaign.id);
    const failed = cards.filter((c) => c.report.failure).length;
    return {
      title: `Proofs · ${campaign.name}`,
      section: "campaigns" as const,
      scripts: ["proofs-gallery.js"],
      campaign,
      draft: campaign.status === "draft",
      approved: Boolean(campaign.proofs_approved_at),
      approvedAt: campaign.proofs_approved_at,
      approvedByMe: campaign.proofs_approved_by === request.session?.user_id,
      cards: cards.map((c) => ({
        id: c.row.id,
        name: nameOf(c),
        // Tagged only when its report shows something; the rest fill the gallery up.
        risky: c.why === "risky" && (warningsOf(c.report).length > 0 || Boolean(c.report.failure)),
        href: `/campaigns/${campaign.id}/proofs/${c.row.id}/picture.png`,
        src: `/campaigns/${campaign.id}/proofs/${c.row.id}/picture.png?size=thumbnail`,
        warnings: warningsOf(c.report),
        failure: c.report.failure?.detail,
      })),
      failed,
      seen,
      count: Number(campaign.recipients),
      ...extra,
    };
  };

  app.get<CampaignParams>("/campaigns/:id/proofs", { schema: hide }, async (request, reply) => {
    const { accountId } = accountOf(request);
    const campaign = await campaigns.get(accountId, idOf(request.params.id));
    return reply.page("proofs/index", await galleryPage(request, campaign));
  });

  // The picture of both sides: the proof service's, scoped to the signed-in account.
  // ?size=thumbnail: the gallery's (drawn at a lower resolution); without: full size.
  app.get<{ Params: { id: string; rid: string }; Querystring: { size?: string } }>(
    "/campaigns/:id/proofs/:rid/picture.png",
    { schema: hide },
    async (request, reply) => {
      const { accountId } = accountOf(request);
      const thumbnail = request.query.size === "thumbnail";
      const proof = await recipients.proofPng(
        accountId,
        idOf(request.params.id),
        idOf(request.params.rid),
        undefined,
        thumbnail ? { dpi: THUMBNAIL_DPI } : {},
      );
      if (!proof.png)
        throw new AppError(
          "unprocessable",
          proof.report.failure?.detail ?? "This card cannot be drawn as it stands.",
        );
      return reply
        .type("image/png")
        .header("cache-control", "private, no-cache")
        .header("x-proof-cache", proof.cached ? "hit" : "miss")
        .header("x-content-type-options", "nosniff")
        .send(proof.png);
    },
  );

  app.post<CampaignParams & { Body: Form }>(
    "/campaigns/:id/proofs/approve",
    { schema: hide },
    async (request, reply) => {
      const { accountId } = accountOf(request);
      const id = idOf(request.params.id);
      const campaign = await campaigns.get(accountId, id);
      if (request.body?.checked !== "on")
        return reply.code(400).page(
          "proofs/index",
          await galleryPage(request, campaign, {
            error: "Tick “I have checked these proofs” to approve them.",
          }),
        );
      try {
        await campaigns.approveProofs(
          accountId,
          id,
          request.session?.user_id as string,
          request.body?.seen ?? "",
        );
      } catch (error) {
        if (!(error instanceof AppError) || error.status !== 409) throw error;
        return reply.code(409).page(
          "proofs/index",
          await galleryPage(request, await campaigns.get(accountId, id), {
            error: error.message,
          }),
        );
      }
      return reply.redirect(`/campaigns/${id}/proofs#send`, 303);
    },
  );

  app.post<CampaignParams & { Body: Form }>(
    "/campaigns/:id/proofs/submit",
    { schema: hide },
    async (request, reply) => {
      const { accountId } = accountOf(request);
      const id = idOf(request.params.id);
      const form = request.body ?? {};
      const refuse = async (status: number, message: string) =>
        reply
          .code(status)
          .page(
            "proofs/index",
            await galleryPage(request, await campaigns.get(accountId, id), { error: message }),
          );
      let sendAt: Date | undefined;
      if (form.when === "later") {
        sendAt = sendAtOf(form.send_at);
        if (!sendAt) return refuse(400, "Choose the day and time to send (UTC), or submit now.");
        if (sendAt.getTime() <= Date.now())
          return refuse(400, "That time has passed: choose a later one, or submit now.");
      }
      try {
        await submit.submit(accountId, id, sendAt, { requireApprovedProofs: true });
      } catch (error) {
        if (error instanceof AppError && error.status < 500 && error.status !== 404)
          return refuse(error.status, error.message);
        throw error;
      }
      return reply.redirect(`/campaigns/${id}`, 303);
    },
  );
}
