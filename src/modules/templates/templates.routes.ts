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
  t: Pick<Template, "id" | "name" | "description" | "formats"> & {
    occasion: string;
    builtin?: boolean;
  },
) => ({
  object: "template" as const,
  id: t.id,
  name: t.name,
  occasion: String(t.occasion),
  description: t.description,
  formats: t.formats,
  builtin: t.builtin ?? !t.id.startsWith("tmpl_"),
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
      const template = await templates.show(authOf(request).accountId, request.params.id);
      return {
        ...summary(template),
        default_message: template.texts.message,
        variables: compileMessage(template.texts.message).variables,
      };
    },
  );

  app.post(
    "/v1/templates",
    {
      config,
      schema: {
        tags,
        summary: "Add your own design: template.json plus its Handlebars texts",
        description:
          'multipart/form-data with files named template.json, name.hbs, message.hbs, signature.hbs, footer.hbs; or JSON {"files": {"template.json": {…}, "message.hbs": "Dear {{firstName}}, …"}}. Validated like the built-ins; errors name the field.',
        consumes: ["multipart/form-data", "application/json"],
        response: { 201: TemplateDetailSchema },
      },
    },
    async (request, reply) => {
      const files = new Map<string, Buffer>();
      if (request.isMultipart()) {
        // A design is a few small text files: bounded before anything is buffered.
        const parts = request.files({ limits: { files: 12, fileSize: 256 * 1024 } });
        for await (const part of parts) files.set(part.filename, await part.toBuffer());
      } else {
        const body = request.body as { files?: Record<string, unknown> } | undefined;
        for (const [name, value] of Object.entries(body?.files ?? {})) {
          files.set(name, Buffer.from(typeof value === "string" ? value : JSON.stringify(value)));
        }
      }
      const template = await templates.create(authOf(request).accountId, files);
      return reply
        .code(201)
        .header("location", `/v1/templates/${template.id}`)
        .send({
          ...summary({ ...template, occasion: String(template.occasion), builtin: false }),
          default_message: template.texts.message,
          variables: compileMessage(template.texts.message).variables,
        });
    },
  );
};
