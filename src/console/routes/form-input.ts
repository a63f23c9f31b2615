/**
 * Reading console form fields and query values. A browser sends strings; anything else (a repeated
 * field becomes an array, a missing one undefined) or anything too long is a field error the page
 * shows beside its input, never a 500 and never a value cut short without a word.
 */
import { type FieldError, validation } from "../../errors.ts";

export type Form = Record<string, unknown> | undefined;

/** Collects field errors of one form, to show them all at once. */
export class FormErrors {
  readonly list: FieldError[] = [];
  add(field: string, message: string) {
    this.list.push({ field, message });
  }
  get any() {
    return this.list.length > 0;
  }
  /** `{ field: message }` for the view (`errors.time_zone`). */
  byField(): Record<string, string> {
    return Object.fromEntries(this.list.map((e) => [e.field ?? "", e.message]));
  }
}

/**
 * The text of `name` (trimmed), "" when absent. A non-string or a value over `max` characters is
 * an error on `errors` (and "" is returned).
 */
export function text(
  form: Form,
  name: string,
  opts: { max: number; errors: FormErrors; label?: string },
): string {
  const raw = form?.[name];
  if (raw === undefined || raw === null) return "";
  if (typeof raw !== "string") {
    opts.errors.add(name, `${opts.label ?? name} must be given once, as text`);
    return "";
  }
  const value = raw.trim();
  if (value.length > opts.max) {
    opts.errors.add(name, `${opts.label ?? name} has at most ${opts.max} characters`);
    return "";
  }
  return value;
}

/** Every value of a repeated field (checkboxes): strings only, at most `maxItems` of `max` chars. */
export function list(
  form: Form,
  name: string,
  opts: { max: number; maxItems: number; errors: FormErrors },
): string[] {
  const raw = form?.[name];
  if (raw === undefined || raw === null || raw === "") return [];
  const values = Array.isArray(raw) ? raw : [raw];
  if (
    values.length > opts.maxItems ||
    values.some((v) => typeof v !== "string" || v.length > opts.max)
  ) {
    opts.errors.add(name, `choose at most ${opts.maxItems} of the options offered`);
    return [];
  }
  return values as string[];
}

/** A query value for a GET page: text up to `max`, else a 400 page naming it. */
export function queryText(query: Form, name: string, max: number): string | undefined {
  const errors = new FormErrors();
  const value = text(query, name, { max, errors });
  if (errors.any) throw validation(errors.list[0]?.message ?? name, errors.list);
  return value === "" ? undefined : value;
}

/** An id in a path: our ids are short words; anything else is no object of ours (404). */
export const ID = /^[A-Za-z0-9_]{1,64}$/;
