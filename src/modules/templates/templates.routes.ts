import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { encodeCursor } from "../../db/cursor.ts";
import { authOf } from "../../http/auth.ts";
import { listOf, PageQuery, pageOf } from "../../http/pagination.ts";
import { compileMessage } from "../../render/merge.ts";
import type { Template } from "../../render/template-loader.ts";
import type { TemplatesService } from "./templates.service.ts";

const TemplateSummarySchema = Type.Object(
  {
    object: Type.Literal("template"),
    id: Type.String(),
    name: Type.String(),
    occasion: Type.String(),
    description: Type.String(),
    formats: Type.Array(Type.String()),
    builtin: Type.Boolean(),
  },
  { $id: "TemplateSummary" },
);

const TemplateDetailSchema = Type.Intersect(
  [
    TemplateSummarySchema,
    Type.Object({
      default_message: Type.String({ description: "Used when a campaign gives no message." }),
      variables: Type.Array(Type.String(), {
        description: "Merge variables the default message uses.",
      }),
    }),
  ],
  { $id: "Template" },
);

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
        summary: "List the card designs this account can use (built-ins first, then its own)",
        querystring: PageQuery,
        response: { 200: listOf(TemplateSummarySchema) },
      },
    },
    async (request) => {
      // Built-ins and stored designs are one list in a fixed order (stored ones are never
      // deleted and new ones come last), so a position is a stable cursor.
      // (Built-in ids have hyphens, which a cursor's id may not: the position is the cursor.)
      const { limit } = request.query;
      const after = pageOf(request.query, "seq").after;
      const start = after ? Number(after.key) + 1 : 0;
      const all = await templates.list(authOf(request).accountId);
      const items = all.slice(start, start + limit);
      const hasMore = all.length > start + limit;
      return {
        object: "list" as const,
        data: items.map(summary),
        has_more: hasMore,
        next_after: hasMore ? encodeCursor(String(start + limit - 1), "template") : null,
      };
    },
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
        documentedBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  files: {
                    type: "object",
                    description:
                      "template.json (an object) and the .hbs texts (strings), by file name.",
                    additionalProperties: true,
                  },
                },
                required: ["files"],
              },
            },
            "multipart/form-data": {
              schema: {
                type: "object",
                description:
                  "One file part per file, named template.json, name.hbs, message.hbs, signature.hbs, footer.hbs.",
                properties: { "template.json": { type: "string", format: "binary" } },
                required: ["template.json"],
              },
            },
          },
        },
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
