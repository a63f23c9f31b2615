/**
 * The new-campaign form: what a browser posts (flat string fields) turned into the campaigns
 * service's input, or field errors named as the form names its fields. Parsed at the border like
 * the API's request schema (same bounds), so the service sees only strings of storable text.
 */
import type { FieldError } from "../../errors.ts";
import { FORMATS, OCCASIONS } from "../../modules/campaigns/campaigns.schemas.ts";
import type { CampaignInput } from "../../modules/campaigns/campaigns.service.ts";
import { unstorable, unstorableMessage } from "../../modules/shared/storable-text.ts";

/** The form's fields, with the bounds the API's schema puts on the same values. */
export const FIELDS = {
  name: 200,
  occasion: 40,
  template: 64,
  format: 40,
  message: 5000,
  merge_fields: 2000,
  business_name: 120,
  signature: 200,
  return_line1: 200,
  return_line2: 200,
  return_city: 100,
  return_region: 100,
  return_postal_code: 20,
  return_country: 60,
  photo_id: 64,
  landing_url: 2000,
} as const;

export type FormField = keyof typeof FIELDS;
export type FormValues = Record<FormField, string>;

export const emptyForm = (): FormValues =>
  Object.fromEntries(Object.keys(FIELDS).map((k) => [k, ""])) as FormValues;

/** Where a service error's field (JSON path) is shown on the form. */
const FORM_FIELD_OF: Record<string, FormField> = {
  name: "name",
  occasion: "occasion",
  template: "template",
  format: "format",
  message: "message",
  "template.message": "message",
  "template.text": "template",
  "template.name": "template",
  "template.signature": "signature",
  "template.footer": "template",
  merge_fields: "merge_fields",
  photo_id: "photo_id",
  landing_url: "landing_url",
};

export function formFieldOf(field: string | undefined): FormField | "form" {
  if (!field) return "form";
  const bare = field.replace(/^body[./]/, "").replace(/^\//, "");
  if (bare.startsWith("sender")) {
    if (bare.includes("business_name")) return "business_name";
    if (bare.includes("signature")) return "signature";
    const part = /return_address[./](\w+)/.exec(bare)?.[1];
    const key = `return_${part}`;
    return key in FIELDS ? (key as FormField) : "return_line1";
  }
  return FORM_FIELD_OF[bare] ?? "form";
}

export type FieldErrors = Partial<Record<FormField | "form", string>>;

/** Field errors of a service refusal, one message per form field (the first). */
export function fieldErrorsOf(errors: FieldError[]): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) {
    const at = formFieldOf(e.field);
    out[at] ??= e.message;
  }
  return out;
}

/** Splits the merge_fields box: names separated by commas or spaces. */
export const mergeFieldNames = (text: string) =>
  [...new Set(text.split(/[\s,]+/).filter(Boolean))].slice(0, 51);

const MERGE_FIELD = /^[a-z][A-Za-z0-9]{0,63}$/;

/**
 * Reads the posted form: every known field must be one string (a repeated field is refused, not
 * joined), within its bound and storable. Returns the values as typed (for the form shown again)
 * and the service input when there were no errors.
 */
export function readForm(body: unknown): {
  values: FormValues;
  errors: FieldErrors;
  input?: CampaignInput;
} {
  const values = emptyForm();
  const errors: FieldErrors = {};
  const raw = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  for (const [field, max] of Object.entries(FIELDS) as [FormField, number][]) {
    const value = Object.hasOwn(raw, field) ? raw[field] : "";
    if (typeof value !== "string") {
      errors[field] = "send this field once, as text";
      continue;
    }
    const reason = unstorable(value);
    if (reason) {
      errors[field] = unstorableMessage(reason);
      continue;
    }
    if (value.length > max) {
      // Kept short, so the page shown again is not the huge field.
      values[field] = value.slice(0, max);
      errors[field] = `at most ${max} characters (this has ${value.length})`;
      continue;
    }
    values[field] = field === "message" ? value.replace(/\r\n/g, "\n") : value.trim();
  }
  const v = values;
  const required: FormField[] = ["name", "occasion", "template", "format", "business_name"];
  for (const field of required) if (!v[field] && !errors[field]) errors[field] = "required";
  if (v.occasion && !(OCCASIONS as readonly string[]).includes(v.occasion))
    errors.occasion ??= "choose one of the occasions";
  if (v.format && !(FORMATS as readonly string[]).includes(v.format))
    errors.format ??= "choose one of the formats";
  const mergeFields = mergeFieldNames(v.merge_fields);
  const badName = mergeFields.find((n) => !MERGE_FIELD.test(n));
  if (badName)
    errors.merge_fields ??= `"${badName.slice(0, 40)}" is not a variable name: a lower-case letter, then letters and digits (lastPurchase)`;
  else if (mergeFields.length > 50) errors.merge_fields ??= "at most 50 variables";

  const address = [
    "return_line1",
    "return_line2",
    "return_city",
    "return_region",
    "return_postal_code",
    "return_country",
  ] as const;
  const hasAddress = address.some((f) => v[f]);
  if (hasAddress) {
    if (!v.return_line1) errors.return_line1 ??= "required for a return address";
    if (!v.return_city) errors.return_city ??= "required for a return address";
    v.return_country = v.return_country.toUpperCase();
    if (!/^[A-Z]{2}$/.test(v.return_country))
      errors.return_country ??= "a two-letter country code (US, CA, GB)";
  }
  if (Object.keys(errors).length > 0) return { values, errors };
  const opt = (s: string) => (s ? s : undefined);
  const input: CampaignInput = {
    name: v.name,
    occasion: v.occasion,
    template: v.template,
    format: v.format,
    message: v.message.trim() ? v.message : null,
    merge_fields: mergeFields,
    sender: {
      business_name: v.business_name,
      ...(v.signature ? { signature: v.signature } : {}),
      ...(hasAddress
        ? {
            return_address: {
              line1: v.return_line1,
              ...(opt(v.return_line2) ? { line2: v.return_line2 } : {}),
              city: v.return_city,
              ...(opt(v.return_region) ? { region: v.return_region } : {}),
              ...(opt(v.return_postal_code) ? { postal_code: v.return_postal_code } : {}),
              country: v.return_country,
            },
          }
        : {}),
    },
    photo_id: v.photo_id || null,
    landing_url: v.landing_url || null,
  };
  return { values, errors, input };
}
