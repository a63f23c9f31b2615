/** What makes a campaign's design consistent: a format its template supports and a message that merges. */
import { AppError, type FieldError } from "../../errors.ts";
import { checkMessageVariables, compileMessage, MessageError } from "../../render/merge.ts";
import type { Template } from "../../render/template-loader.ts";

export function checkDesign(
  template: Template,
  format: string,
  message: string | null,
  mergeFields: string[],
): void {
  const errors: FieldError[] = [];
  if (!(template.formats as string[]).includes(format)) {
    errors.push({
      field: "format",
      message: `template "${template.id}" comes in ${template.formats.join(", ")}, not ${format}`,
    });
  }
  const source = message ?? template.texts.message;
  const field = message === null ? "template.message" : "message";
  try {
    compileMessage(source);
    for (const name of checkMessageVariables(source, mergeFields)) {
      errors.push({
        field,
        message: `unknown variable {{${name}}}: fix its spelling, or list "${name}" in merge_fields if your recipients' CSV has that column`,
      });
    }
  } catch (error) {
    if (!(error instanceof MessageError)) throw error;
    errors.push({ field, message: error.message });
  }
  if (errors.length > 0) {
    throw new AppError("validation", errors.map((e) => `${e.field}: ${e.message}`).join("; "), {
      errors,
    });
  }
}
