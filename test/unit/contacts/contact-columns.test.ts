import { describe, expect, it } from "vitest";
import { type HeaderReport, parseOccasionDate } from "../../../src/csv/index.ts";
import {
  mergeImported,
  presentFields,
  readContactColumns,
} from "../../../src/modules/contacts/contact-columns.ts";
import { fieldsOf, writeOf } from "../../../src/modules/contacts/contact-fields.ts";
import {
  type ContactRow,
  contactRecipient,
  joinNames,
  mailSkipReason,
} from "../../../src/modules/contacts/contacts.repository.ts";
import { mergeContext } from "../../../src/render/merge.ts";

const header = (fields: Record<string, string>): HeaderReport => ({
  columns: Object.entries(fields).map(([h, field]) => ({ header: h, field })),
  delimiter: ",",
  encoding: "utf-8",
});
const H = header({
  Tags: "tags",
  Children: "children",
  "Mail Status": "mailStatus",
  "Do Not Mail": "doNotMail",
  "CRM id": "externalId",
  Partner: "spouseName",
  Notes: "notes",
});

describe("contact columns", () => {
  it.each([
    ["vip; golf", ["vip", "golf"]],
    ["vip, golf ,vip", ["vip", "golf"]],
    ["* myContacts ::: Golf ::: VIP", ["myContacts", "Golf", "VIP"]],
    ["a|b", ["a", "b"]],
    ["", []],
  ])("splits tags %j", (cell, tags) => {
    const read = readContactColumns({ tags: cell }, H);
    expect(read.ok && read.values.tags).toEqual(tags);
  });

  it.each([
    ["Anna, Ben and Cleo", ["Anna", "Ben", "Cleo"]],
    ["Anna & Ben", ["Anna", "Ben"]],
    ["Anna; Ben", ["Anna", "Ben"]],
    ["Anna-Lena / Ben", ["Anna-Lena", "Ben"]],
    ["Alexander", ["Alexander"]],
  ])("splits children %j", (cell, children) => {
    const read = readContactColumns({ children: cell }, H);
    expect(read.ok && read.values.children).toEqual(children);
  });

  it.each([
    [{ mailStatus: "Do Not Mail" }, "do_not_mail"],
    [{ mailStatus: "returned" }, "returned"],
    [{ mailStatus: "Active" }, "active"],
    [{ mailStatus: "" }, undefined],
    [{ doNotMail: "Yes" }, "do_not_mail"],
    [{ doNotMail: "x" }, "do_not_mail"],
    [{ doNotMail: "TRUE" }, "do_not_mail"],
    [{ doNotMail: "no" }, "not_do_not_mail"],
    [{ doNotMail: "" }, undefined],
    [{ mailStatus: "active", doNotMail: "yes" }, "do_not_mail"],
  ])("reads mail status from %j", (extra, status) => {
    const read = readContactColumns(extra, H);
    expect(read.ok && read.values.mailStatus).toBe(status);
  });

  it("refuses what it cannot read, naming the column", () => {
    const read = readContactColumns(
      {
        mailStatus: "maybe",
        doNotMail: "perhaps",
        children: Array.from({ length: 51 }, (_, i) => `c${i}`).join(";"),
        externalId: "x".repeat(201),
      },
      H,
    );
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.errors.map((e) => [e.field, e.column])).toEqual([
      ["externalId", "CRM id"],
      ["children", "Children"],
      ["mailStatus", "Mail Status"],
      ["doNotMail", "Do Not Mail"],
    ]);
  });

  it("an imported row replaces what its file has columns for and keeps the rest", () => {
    const existing = fieldsOf(row({ mail_status: "do_not_mail" }));
    const present = presentFields(header({ Name: "fullName", Tags: "tags", Zip: "postalCode" }));
    expect(present).toMatchObject({ address: true, email: false, birthday: false });
    const merged = mergeImported(
      existing,
      { firstName: "Zoë", lastName: "Ångström", fullName: "Zoë Ångström", custom: { extra: "1" } },
      { tags: [], mailStatus: "not_do_not_mail" },
      present,
    );
    expect(merged).toMatchObject({
      tags: [],
      spouseName: "Sam",
      mailStatus: "active",
      person: {
        email: "zoe@example.com",
        birthday: "--02-29",
        custom: { lastJob: "boiler", extra: "1" },
      },
    });
    expect(merged.person.address).toBeUndefined(); // the file has address columns, this row none
    // A returned address stays returned when a file only says "not do-not-mail".
    const returned = mergeImported(
      fieldsOf(row({ mail_status: "returned" })),
      existing.person,
      { mailStatus: "not_do_not_mail" },
      present,
    );
    expect(returned.mailStatus).toBe("returned");
  });
});

describe("a contact as a card's recipient", () => {
  it("joins children's names and carries spouse and dates into the merge", () => {
    expect(joinNames([])).toBe("");
    expect(joinNames(["Anna"])).toBe("Anna");
    expect(joinNames(["Anna", "Ben"])).toBe("Anna and Ben");
    expect(joinNames(["Anna", "Ben", "Cleo"])).toBe("Anna, Ben and Cleo");
    const recipient = contactRecipient(row());
    expect(recipient).toMatchObject({
      birthday: "--02-29",
      anniversary: "2001-06-01",
      custom: { spouseName: "Sam", children: "Anna, Ben and Cleo", lastJob: "boiler" },
    });
    const ctx = mergeContext({ recipient, sender: { businessName: "Acme" } });
    expect(ctx).toMatchObject({
      spouseName: "Sam",
      children: "Anna, Ben and Cleo",
      lastJob: "boiler",
    });
    expect(
      mergeContext({ recipient: { ...recipient, custom: {} }, sender: { businessName: "Acme" } }),
    ).toMatchObject({ spouseName: "", children: "" });
  });

  it("says why a contact gets no card", () => {
    expect(mailSkipReason(row())).toBeUndefined();
    expect(mailSkipReason(row({ mail_status: "returned" }))).toBe("returned");
    const { address: _gone, ...noAddress } = row().data;
    expect(mailSkipReason(row({ data: noAddress }))).toBe("no_address");
    expect(() => contactRecipient(row({ data: noAddress }))).toThrow(/no address/);
  });

  it("writes dates as columns and leaves empty custom values out", () => {
    const w = writeOf("ct_1", fieldsOf(row()), null);
    expect(w).toMatchObject({
      birthday_year: null,
      birthday_month: 2,
      birthday_day: 29,
      anniversary_year: 2001,
      anniversary_month: 6,
      anniversary_day: 1,
    });
    expect(w.data).not.toHaveProperty("birthday");
    const withEmpty = fieldsOf(row());
    withEmpty.person.custom = { a: "", b: "x" };
    expect(writeOf("ct_1", withEmpty, null).data.custom).toEqual({ b: "x" });
    expect(w.dedupe_key).toMatch(/^[\w-]{16}$/);
  });
});

describe("occasion dates", () => {
  const today = "2026-05-01";
  it.each([
    ["1900-01-01", /placeholder/],
    ["01/01/1900", /placeholder/],
    ["1.1.1970", /placeholder/],
    ["0001-01-01", /placeholder/],
    ["1899-12-30", /placeholder/],
    ["1899-12-31", /placeholder/],
    ["9999-12-31", /placeholder/],
    ["2027-01-01", /in the future/],
    ["2026-05-02", /in the future/],
    ["2023-02-29", /not a leap year/],
    ["February 31", /no day 31 in February/],
    ["2001-13-01", /no month 13/],
  ])("refuses %s", (raw, why) => {
    const r = parseOccasionDate(raw, true, today);
    expect(r?.ok).toBe(false);
    expect(r?.ok === false && r.reason).toMatch(why);
  });

  it.each([
    ["2024-02-29", "2024-02-29"],
    ["--02-29", "--02-29"],
    ["March 14", "--03-14"],
    ["2026-05-01", "2026-05-01"],
    ["03/14/1990", "1990-03-14"],
  ])("reads %s", (raw, value) => {
    expect(parseOccasionDate(raw, true, today)).toEqual({ ok: true, value });
  });
});

function row(over: Partial<ContactRow> = {}): ContactRow {
  return {
    id: "ct_1",
    account_id: "acc_1",
    external_id: "crm-1",
    data: {
      firstName: "Zoë",
      lastName: "Ångström",
      fullName: "Zoë Ångström",
      email: "zoe@example.com",
      address: {
        line1: "12 Elm St",
        city: "Boston",
        region: "MA",
        postalCode: "02134",
        country: "US",
      },
      custom: { lastJob: "boiler" },
    },
    birthday_month: 2,
    birthday_day: 29,
    birthday_year: null,
    anniversary_month: 6,
    anniversary_day: 1,
    anniversary_year: 2001,
    spouse_name: "Sam",
    children: ["Anna", "Ben", "Cleo"],
    tags: ["vip"],
    notes: null,
    mail_status: "active",
    photo_id: null,
    dedupe_key: null,
    created_at: new Date(),
    updated_at: new Date(),
    ...over,
  };
}
