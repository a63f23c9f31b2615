/** Proofs: any recipient's card, rendered now, as the print PDF or a picture for people. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AppError } from "../../errors.ts";
import { authOf } from "../../http/auth.ts";
import { fileResponse } from "../../http/openapi-docs.ts";
import type { RecipientsService } from "./recipients.service.ts";

const tags = ["recipients"];
const config = { scope: "campaigns" as const };
const RecipientParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  rid: Type.String({ maxLength: 64 }),
});

export const proofsRoutes: FastifyPluginAsyncTypebox<{ recipients: RecipientsService }> = async (
  app,
  { recipients },
) => {
  const proofProblem = (report: unknown) =>
    new AppError("unprocessable", "This card cannot be printed as it stands; see report.failure.", {
      extra: { report },
    });

  app.get(
    "/v1/campaigns/:id/recipients/:rid/proof.pdf",
    {
      config,
      schema: {
        tags,
        summary: "The recipient's card as a print-ready PDF, now",
        params: RecipientParams,
        response: { 200: fileResponse("application/pdf", "The proof, print-ready") },
        problems: [422],
      },
    },
    async (request, reply) => {
      const proof = await recipients.proofPdf(
        authOf(request).accountId,
        request.params.id,
        request.params.rid,
      );
      if (!proof.pdf) throw proofProblem(proof.report);
      return reply
        .type("application/pdf")
        .header("content-disposition", `inline; filename="proof-${request.params.rid}.pdf"`)
        .send(proof.pdf);
    },
  );

  app.get(
    "/v1/campaigns/:id/recipients/:rid/proof.png",
    {
      config,
      schema: {
        tags,
        summary: "A picture of the recipient's card: every page side by side, or one page",
        description:
          "Without `page`: every page of the card in one PNG, side by side (stacked when the pages are landscape), each under its label (`Front`, `Back (address side)`, `Outside: back | front`, `Inside: left | right`). With `page=N`: that page alone (1 = front or outside spread). 100 ppi.",
        params: RecipientParams,
        querystring: Type.Object({
          page: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 4,
              description: "One page only (1 = front or outside spread); leave out for every page",
            }),
          ),
        }),
        response: {
          200: fileResponse(
            "image/png",
            "The card's pages as a PNG (header x-proof-warnings: the card's warnings)",
          ),
        },
        problems: [422],
      },
    },
    async (request, reply) => {
      const proof = await recipients.proofPng(
        authOf(request).accountId,
        request.params.id,
        request.params.rid,
        request.query.page,
      );
      if (!proof.png) throw proofProblem(proof.report);
      const warnings = proof.report.warnings ?? [];
      if (warnings.length)
        reply.header("x-proof-warnings", encodeURIComponent(warnings.join(" | ")));
      return reply.type("image/png").send(proof.png);
    },
  );
};
