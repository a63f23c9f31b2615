import { AppError, notFound } from "../../errors.ts";
import {
  listBuiltinTemplates,
  loadBuiltinTemplate,
  type Template,
  TemplateError,
  type TemplateSummary,
} from "../../render/template-loader.ts";

/**
 * Card designs an account can use: the built-ins in templates/ (shared by every account) and,
 * later, the account's own uploads.
 */
export function createTemplatesService() {
  return {
    async list(_accountId: string): Promise<TemplateSummary[]> {
      return listBuiltinTemplates();
    },

    /** The template, or 404 when the account cannot use it. */
    async get(_accountId: string, id: string): Promise<Template> {
      try {
        return await loadBuiltinTemplate(id);
      } catch (error) {
        if (error instanceof TemplateError && error.field === "template")
          throw notFound(`Template "${id}"`);
        throw error;
      }
    },

    /** Like get, but as a 400 naming the field, for a campaign that refers to a template. */
    async resolve(accountId: string, id: string, field = "template"): Promise<Template> {
      try {
        return await this.get(accountId, id);
      } catch (error) {
        if (error instanceof AppError && error.kind === "not_found") {
          const known = (await this.list(accountId)).map((t) => t.id).join(", ");
          throw new AppError("validation", `Unknown template "${id}". Use one of: ${known}.`, {
            errors: [{ field, message: `unknown template; known: ${known}` }],
          });
        }
        throw error;
      }
    },
  };
}

export type TemplatesService = ReturnType<typeof createTemplatesService>;
