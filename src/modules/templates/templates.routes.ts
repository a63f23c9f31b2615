import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { authOf } from "../../http/auth.ts";
import { compileMessage } from "../../render/merge.ts";
import type { Template } from "../../render/template-loader.ts";
import type { TemplatesService } from "./templates.service.ts";

const TemplateSummarySchema = Type.Object({
  object: Type.Literal("template"),
  id: Type.String(),
  name: Type.String(),
  occasion: Type.String(),
  description: Type.String(),
  formats: Type.Array(Type.String()),
  builtin: Type.Boolean(),
});

const TemplateDetailSchema = Type.Intersect([
  TemplateSummarySchema,
  Type.Object({
    default_message: Type.String({ description: "Used when a campaign gives no message." }),
    variables: Type.Array(Type.String(), {
      description: "Merge variables the default message uses.",
    }),
  }),
]);

const summary = (
  t: Pick<Template, "id" | "name" | "description" | "formats"> & { occasion: string },
) => ({
  object: "template" as const,
  id: t.id,
  name: t.name,
  occasion: String(t.occasion),
  description: t.description,
  formats: t.formats,
  builtin: !t.id.startsWith("tmpl_"),
});

const tags = ["templates"];
const config = { scope: "campaigns" as const };

export const templatesRoutes: FastifyPluginAsyncTypebox<{ templates: TemplatesService }> = async (
  app,
  { templates },
) => {
  app.get(
    "/v1/templates",
    {
      config,
      schema: {
        tags,
        summary: "List the card designs this account can use",
        response: {
          200: Type.Object({
            object: Type.Literal("list"),
            data: Type.Array(TemplateSummarySchema),
            has_more: Type.Boolean(),
          }),
        },
      },
    },
    async (request) => ({
      object: "list" as const,
      data: (await templates.list(authOf(request).accountId)).map(summary),
      has_more: false,
    }),
  );

  app.get(
    "/v1/templates/:id",
    {
      config,
      schema: {
        tags,
        summary: "Get a card design",
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: TemplateDetailSchema },
      },
    },
    async (request) => {
      const template = await templates.get(authOf(request).accountId, request.params.id);
      return {
        ...summary(template),
        default_message: template.texts.message,
        variables: compileMessage(template.texts.message).variables,
      };
    },
  );
};
