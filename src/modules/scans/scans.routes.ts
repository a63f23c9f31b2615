/**
 * The short URL printed on each card as a QR code: public (a phone has no API key), rate-limited
 * per address, 302 to the campaign's landing page with its UTM tags. A token that names no card is
 * a plain 404, the same answer whatever was wrong with it.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { notFound } from "../../errors.ts";
import type { ScansService } from "./scans.service.ts";

export const scansRoutes: FastifyPluginAsyncTypebox<{
  scans: ScansService;
  rateLimit: { max: number; windowSeconds: number };
}> = async (app, { scans, rateLimit }) => {
  app.get(
    "/q/:token",
    {
      config: {
        rateLimit: { max: rateLimit.max, timeWindow: rateLimit.windowSeconds * 1000 },
      },
      schema: {
        tags: ["scans"],
        summary: "A card's QR code: record the scan and redirect to the campaign's landing page",
        description:
          "Public. 302 to the landing URL with utm_source=cardmerge, utm_medium=print and utm_campaign (and the campaign's utm_content and utm_term metadata). 404 for a token that names no card.",
        params: Type.Object({ token: Type.String() }),
        response: {
          302: Type.Null({ description: "Location: the landing page" }),
        },
        problems: [429],
      },
    },
    async (request, reply) => {
      const location = await scans.scan(request.params.token, request.headers["user-agent"]);
      if (!location) throw notFound("Card");
      return reply.code(302).header("cache-control", "no-store").redirect(location, 302);
    },
  );
};
