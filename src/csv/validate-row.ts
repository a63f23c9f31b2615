import type { PostalAddress } from "../render/card-data.ts";
import { type AddressOutcome, cellOf, pick, readAddress } from "./address.ts";
import { parseDate, parseOccasionDate } from "./dates.ts";
import type { HeaderPlan } from "./header-map.ts";
import { cleanFreeText, splitFullName } from "./names.ts";
import type { Person, RowError } from "./types.ts";

export interface RowContext {
  plan: HeaderPlan;
  defaultCountry: string;
  /** a/b/yyyy reads month first (US files) or day first (most of the world). */
  monthFirst: boolean;
  maxFieldLength: number;
  /** A row with no address at all is kept (without one) instead of rejected. */
  addressOptional: boolean;
  /** See ImportOptions.badDates; `today` (YYYY-MM-DD) for "in the future". */
  badDates: "reject" | "drop";
  today: string;
}

export type RowResult =
  | { ok: true; recipient: Person; warnings: RowError[]; extra?: Record<string, string> }
  | { ok: false; errors: RowError[] };

/**
 * Turns one data row into a recipient (one with an address unless `addressOptional`), or the list
 * of everything the user must fix in it.
 */
export function validateRow(values: string[], ctx: RowContext): RowResult {
  const { plan } = ctx;
  const errors: RowError[] = [];
  const warnings: RowError[] = [];

  for (let i = 0; i < values.length && i < plan.headers.length; i++) {
    const value = values[i] as string;
    const header = plan.headers[i] ?? "";
    if (value.length > ctx.maxFieldLength) {
      errors.push({
        field: fieldOf(plan, i),
        column: header,
        message: `${header || `Column ${i + 1}`} is ${value.length} characters long: shorten it to at most ${ctx.maxFieldLength}.`,
      });
    } else if (value.includes("\0")) {
      // PostgreSQL cannot store U+0000; it is never meant as text (a damaged export, a binary paste).
      errors.push({
        field: fieldOf(plan, i),
        column: header,
        message: `${header || `Column ${i + 1}`} contains a NUL character (an invisible byte 0x00, often left by a damaged export): delete it in the file, or export the file again.`,
      });
    }
  }
  if (errors.length > 0) return { ok: false, errors };

  // Names: a full name as written prints on top; first/last come from their columns or a split.
  const first = pick(values, plan.headers, plan.person.firstName);
  const last = pick(values, plan.headers, plan.person.lastName);
  const full = pick(values, plan.headers, plan.person.fullName);
  let firstName = first.value;
  let lastName = last.value;
  let fullName = full.value;
  if (fullName && (!firstName || !lastName)) {
    const split = splitFullName(fullName);
    firstName ||= split.firstName;
    lastName ||= split.lastName;
    if (!first.value && !last.value) fullName = split.fullName;
  }
  if (!fullName) fullName = [firstName, lastName].filter((s) => s).join(" ");
  if (!firstName) {
    errors.push({
      field: full.column && !first.column ? "fullName" : "firstName",
      column: first.column ?? full.column,
      message: `${first.column ?? full.column ?? "Name"} is empty: add the person's first name or full name.`,
    });
  }

  const address = chooseAddress(values, ctx);
  errors.push(...address.errors);
  warnings.push(...address.warnings);

  const dates: Partial<Record<"birthday" | "anniversary", string>> = {};
  const drop = ctx.badDates === "drop";
  for (const field of ["birthday", "anniversary"] as const) {
    const { value, column } = pick(values, plan.headers, plan.person[field]);
    const parsed = drop
      ? parseOccasionDate(value, ctx.monthFirst, ctx.today)
      : parseDate(value, ctx.monthFirst);
    if (parsed?.ok) dates[field] = parsed.value;
    else if (parsed && drop)
      warnings.push({
        field,
        column,
        message: `${column ?? field} "${value}" ${parsed.reason}: imported without it. Write the real date as 1990-03-14, ${ctx.monthFirst ? "03/14/1990" : "14.03.1990"} or March 14 (--03-14 without the year), or leave it empty.`,
      });
    else if (parsed)
      errors.push({
        field,
        column,
        message: `${column ?? field} "${value}" ${parsed.reason}: write it as 1990-03-14, ${ctx.monthFirst ? "03/14/1990" : "14.03.1990"} or March 14.`,
      });
  }

  if (errors.length > 0 || (!address.address && !(ctx.addressOptional && address.empty)))
    return { ok: false, errors };

  const recipient: Person = { firstName, lastName, fullName, custom: {} };
  if (address.address) recipient.address = address.address;
  const company = pick(values, plan.headers, plan.person.company).value;
  if (company) recipient.company = company;
  const email = pick(values, plan.headers, plan.person.email).value;
  if (email) recipient.email = email;
  const phone = pick(values, plan.headers, plan.person.phone).value;
  if (phone) recipient.phone = phone;
  if (dates.birthday) recipient.birthday = dates.birthday;
  if (dates.anniversary) recipient.anniversary = dates.anniversary;
  const photo = pick(values, plan.headers, plan.person.photo).value;
  if (photo) recipient.photo = photo;
  for (const { index, key } of plan.custom)
    recipient.custom[key] = cleanFreeText(cellOf(values, index));
  const extraFields = Object.entries(plan.extra);
  if (extraFields.length === 0) return { ok: true, recipient, warnings };
  const extra: Record<string, string> = {};
  for (const [field, columns] of extraFields) {
    // Several columns of one field (Tags and Labels): their values join, first column first.
    extra[field] = columns
      .map((i) => cleanFreeText(cellOf(values, i)))
      .filter((v) => v !== "")
      .join("\n");
  }
  return { ok: true, recipient, warnings, extra };
}

/**
 * With several address groups (Outlook's Home and Business), the first complete one in order of
 * preference wins; if none is complete, the first one with anything in it is reported on.
 */
function chooseAddress(
  values: string[],
  ctx: RowContext,
): AddressOutcome & { address?: PostalAddress; empty?: boolean } {
  const { plan } = ctx;
  let firstTouched: AddressOutcome | undefined;
  let firstSeen: AddressOutcome | undefined;
  for (const { group, columns } of plan.addresses) {
    const outcome = readAddress(
      values,
      plan.headers,
      columns,
      ctx.defaultCountry,
      group === "" && plan.combinedAddress,
    );
    if (outcome.address) return outcome;
    firstSeen ??= outcome;
    if (outcome.touched) firstTouched ??= outcome;
  }
  if (firstTouched) return firstTouched;
  if (ctx.addressOptional) return { errors: [], warnings: [], touched: false, empty: true };
  return (
    firstSeen ?? {
      errors: [{ field: "line1", message: "The row has no address: add the mailing address." }],
      warnings: [],
      touched: false,
    }
  );
}

function fieldOf(plan: HeaderPlan, index: number): string {
  const target = plan.targets[index];
  if (!target) return "row";
  if (target.kind === "person") return target.field;
  if (target.kind === "address") return target.part;
  if (target.kind === "custom") return `custom:${target.key}`;
  if (target.kind === "extra") return target.field;
  return "ignore";
}
