/**
 * One campaign: its facts, status and live progress (progress.json, polled by campaign-progress.js),
 * failed cards with their reasons, batches with their downloads and the vendor's acknowledgements,
 * and deleting a draft. Everything is read through the account of the session: another account's
 * campaign or batch is the console's 404.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { notFound } from "../../errors.ts";
import { batchFileName } from "../../modules/batches/batch-file-name.ts";
import { findBatch } from "../../modules/batches/batches.repository.ts";
import { campaignJson } from "../../modules/campaigns/campaign-json.ts";
import { batchesOfCampaign, listCards } from "../../modules/pipeline/pipeline.repository.ts";
import { FORMATS, type FormatId } from "../../render/index.ts";
import type { ConsoleContext } from "../console.plugin.ts";
import { accountOf } from "../session.ts";
import { OCCASION_LABELS } from "./campaign-new.routes.ts";

const hide = { hide: true };
const ID = /^[\w-]{1,64}$/;
/** Failed cards listed on the page (the rest: the API's cards list, status=failed). */
const FAILED_SHOWN = 50;

const FILES = {
  zip: { key: "zip", type: "application/zip", ext: "zip" },
  pdf: { key: "pdf", type: "application/pdf", ext: "pdf" },
  "manifest.csv": { key: "manifest", type: "text/csv; charset=utf-8", ext: "csv" },
} as const;

/** States in which cards are still being drawn or batched: the page polls only then. */
const MOVING = new Set(["scheduled", "rendering", "batching"]);

function progressOf(c: ReturnType<typeof campaignJson>) {
  const total =
    c.status === "draft" ? c.recipients : c.cards.pending + c.cards.rendered + c.cards.failed;
  const done = c.cards.rendered + c.cards.failed;
  return {
    id: c.id,
    status: c.status,
    recipients: c.recipients,
    total,
    done,
    rendered: c.cards.rendered,
    failed: c.cards.failed,
    pending: c.cards.pending,
    percent: total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0,
    moving: MOVING.has(c.status),
    batches: c.batches.length,
  };
}

export async function campaignPages(app: FastifyInstance, { deps }: ConsoleContext) {
  async function campaignOf(request: FastifyRequest<{ Params: { id: string } }>) {
    const { id } = request.params;
    if (!ID.test(id)) throw notFound("Campaign");
    return deps.campaigns.get(accountOf(request).accountId, id);
  }

  app.get<{ Params: { id: string }; Querystring: { created?: string } }>(
    "/campaigns/:id",
    { schema: hide },
    async (request, reply) => {
      const row = await campaignOf(request);
      const c = campaignJson(row);
      const { accountId } = accountOf(request);
      const failed =
        c.cards.failed > 0
          ? await listCards(deps.pool, accountId, c.id, { limit: FAILED_SHOWN, status: "failed" })
          : [];
      const batches = (await batchesOfCampaign(deps.pool, c.id)).map((b) => ({
        id: b.id,
        seq: b.number,
        format: FORMATS[b.format as FormatId]?.label ?? b.format,
        cards: b.card_count,
        pages: b.pages,
        status: b.status,
        failure: b.failure,
        ready: b.ready_at !== null,
        files: b.ready_at
          ? Object.entries(FILES)
              .filter(([, spec]) => b[`${spec.key}_key`])
              .map(([name, spec]) => ({
                url: `/campaigns/${c.id}/batches/${b.id}/${name}`,
                label: spec.ext.toUpperCase(),
                bytes: Number(b[`${spec.key}_bytes`]),
              }))
          : [],
        ready_at: b.ready_at,
        downloaded_at: b.downloaded_at,
        printed_at: b.printed_at,
        mailed_at: b.mailed_at,
      }));
      const progress = progressOf(c);
      const design = await deps.templates.show(accountId, c.template).then(
        (t) => t.name,
        () => c.template,
      );
      return reply.page("campaigns/show", {
        title: c.name,
        section: "campaigns",
        scripts: ["campaign-progress.js"],
        c,
        occasion: OCCASION_LABELS[c.occasion] ?? c.occasion,
        design,
        format: FORMATS[c.format as FormatId]?.label ?? c.format,
        address: c.sender.return_address,
        progress,
        created: request.query.created === "1",
        draft: c.status === "draft",
        failed: failed.map((card) => ({
          id: card.id,
          name: card.data.fullName,
          reason: card.failure_reason,
          detail: card.failure_detail,
        })),
        moreFailed: c.cards.failed > failed.length ? c.cards.failed - failed.length : 0,
        batches,
      });
    },
  );

  /** What the page's progress shows, for campaign-progress.js to poll while cards are drawn. */
  app.get<{ Params: { id: string } }>(
    "/campaigns/:id/progress.json",
    { schema: hide },
    async (request, reply) => {
      const progress = progressOf(campaignJson(await campaignOf(request)));
      return reply.header("cache-control", "no-store").send(progress);
    },
  );

  /** The batch's files, the same bytes the API's /v1/batches/:id/... serves. */
  for (const [name, spec] of Object.entries(FILES)) {
    app.get<{ Params: { id: string; batch: string } }>(
      `/campaigns/:id/batches/:batch/${name}`,
      { schema: hide },
      async (request, reply) => {
        const { id, batch: batchId } = request.params;
        if (!ID.test(id) || !ID.test(batchId)) throw notFound("Batch");
        const batch = await findBatch(deps.pool, accountOf(request).accountId, batchId);
        if (!batch || batch.campaign_id !== id) throw notFound("Batch");
        const key = batch[`${spec.key}_key`];
        if (!key) throw notFound("Batch file");
        const filename = batchFileName({
          id: batch.id,
          format: batch.format,
          number: batch.number,
          campaignName: batch.campaign_name,
          fromAutomation: batch.automation != null,
          test: batch.campaign_mode === "test",
        });
        return reply
          .type(spec.type)
          .header("content-length", Number(batch[`${spec.key}_bytes`]))
          .header("etag", `"${batch[`${spec.key}_sha256`]}"`)
          .header("content-disposition", `attachment; filename="${filename}.${spec.ext}"`)
          .header("x-content-type-options", "nosniff")
          .send(await deps.storage.get(key));
      },
    );
  }

  app.post<{ Params: { id: string } }>(
    "/campaigns/:id/delete",
    { schema: hide },
    async (request, reply) => {
      const row = await campaignOf(request);
      await deps.campaigns.remove(accountOf(request).accountId, row.id);
      return reply.redirect(
        `/campaigns?deleted=${encodeURIComponent(row.name.slice(0, 100))}`,
        303,
      );
    },
  );
}
