import type { PostalAddress, Recipient } from "../render/card-data.ts";
import { type AddressOutcome, cellOf, pick, readAddress } from "./address.ts";
import { parseDate } from "./dates.ts";
import type { HeaderPlan } from "./header-map.ts";
import { cleanFreeText, splitFullName } from "./names.ts";
import type { RowError } from "./types.ts";

export interface RowContext {
  plan: HeaderPlan;
  defaultCountry: string;
  /** a/b/yyyy reads month first (US files) or day first (most of the world). */
  monthFirst: boolean;
  maxFieldLength: number;
}

export type RowResult =
  | { ok: true; recipient: Recipient; warnings: RowError[] }
  | { ok: false; errors: RowError[] };

/** Turns one data row into a Recipient, or the list of everything the user must fix in it. */
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
  for (const field of ["birthday", "anniversary"] as const) {
    const { value, column } = pick(values, plan.headers, plan.person[field]);
    const parsed = parseDate(value, ctx.monthFirst);
    if (parsed?.ok) dates[field] = parsed.value;
    else if (parsed)
      errors.push({
        field,
        column,
        message: `${column ?? field} "${value}" ${parsed.reason}: write it as 1990-03-14, ${ctx.monthFirst ? "03/14/1990" : "14.03.1990"} or March 14.`,
      });
  }

  if (errors.length > 0 || !address.address) return { ok: false, errors };

  const recipient: Recipient = {
    firstName,
    lastName,
    fullName,
    address: address.address,
    custom: {},
  };
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
  return { ok: true, recipient, warnings };
}

/**
 * With several address groups (Outlook's Home and Business), the first complete one in order of
 * preference wins; if none is complete, the first one with anything in it is reported on.
 */
function chooseAddress(
  values: string[],
  ctx: RowContext,
): AddressOutcome & { address?: PostalAddress } {
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
  return (
    firstTouched ??
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
  return "ignore";
}
