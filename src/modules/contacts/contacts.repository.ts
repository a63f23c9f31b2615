import type { Recipient } from "../../render/card-data.ts";

/**
 * A contact as stored (migrations/0009_contacts.sql). `data` is a Recipient's names, company,
 * address, email, phone, photo and custom fields; the dates, family and mailing state are columns
 * of their own, so the daily run finds the day's birthdays by index and a do-not-mail contact is
 * one WHERE away.
 */
export interface ContactRow {
  id: string;
  account_id: string;
  external_id: string | null;
  /** The Recipient without birthday/anniversary (those are the columns below). */
  data: Recipient;
  birthday_month: number | null;
  birthday_day: number | null;
  /** NULL for a month-day-only date. */
  birthday_year: number | null;
  anniversary_month: number | null;
  anniversary_day: number | null;
  anniversary_year: number | null;
  spouse_name: string | null;
  children: string[];
  tags: string[];
  notes: string | null;
  mail_status: MailStatus;
  photo_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export const MAIL_STATUSES = ["active", "do_not_mail", "returned"] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

/** "2024-03-14", or "--03-14" when the year is unknown; undefined when there is no date. */
export function isoDate(
  year: number | null,
  month: number | null,
  day: number | null,
): string | undefined {
  if (month === null || day === null) return undefined;
  const md = `${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  return year === null ? `--${md}` : `${String(year).padStart(4, "0")}-${md}`;
}

/** "Anna", "Anna and Ben", "Anna, Ben and Cleo". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * The renderer's Recipient for a contact: its stored data, its dates as ISO text, and its extra
 * merge data in `custom` (`spouseName`, `children` as "Anna, Ben and Cleo"), which the merge
 * offers as `{{spouseName}}` and `{{children}}`. The contact's columns win over a custom field of
 * the same name.
 */
export function contactRecipient(row: ContactRow): Recipient {
  const custom: Record<string, string> = { ...row.data.custom };
  if (row.spouse_name) custom.spouseName = row.spouse_name;
  else delete custom.spouseName;
  if (row.children.length > 0) custom.children = joinNames(row.children);
  else delete custom.children;
  const recipient: Recipient = { ...row.data, custom };
  const birthday = isoDate(row.birthday_year, row.birthday_month, row.birthday_day);
  const anniversary = isoDate(row.anniversary_year, row.anniversary_month, row.anniversary_day);
  if (birthday) recipient.birthday = birthday;
  else delete recipient.birthday;
  if (anniversary) recipient.anniversary = anniversary;
  else delete recipient.anniversary;
  return recipient;
}
