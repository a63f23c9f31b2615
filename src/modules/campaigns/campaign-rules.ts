/** What makes a campaign's design consistent: a format its template supports and a message that merges. */
import { AppError, type FieldError } from "../../errors.ts";
import { checkMessageVariables, MessageError } from "../../render/merge.ts";
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
  // Every text the card prints must merge: the message, and the design's own texts.
  const layout = template.spec.formats[format as keyof typeof template.spec.formats];
  const designTexts = Object.values(layout?.faces ?? {})
    .flatMap((face) => face?.layers ?? [])
    .flatMap((layer) => (layer.type === "text" ? [layer.text] : []));
  const texts: Array<[string, string]> = [
    [message === null ? "template.message" : "message", source],
    ["template.name", template.texts.name],
    ["template.signature", template.texts.signature],
    ["template.footer", template.texts.footer],
    ...designTexts.map((text): [string, string] => ["template.text", text]),
  ];
  for (const [field, text] of texts) {
    try {
      for (const name of checkMessageVariables(text, mergeFields)) {
        errors.push({
          field,
          message: `unknown variable {{${name}}}: fix its spelling, or list "${name}" in merge_fields if your recipients' CSV has that column`,
        });
      }
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
      errors.push({ field, message: error.message });
    }
  }
  if (errors.length > 0) {
    throw new AppError("validation", errors.map((e) => `${e.field}: ${e.message}`).join("; "), {
      errors,
    });
  }
}
