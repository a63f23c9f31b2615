import { describe, expect, it } from "vitest";
import {
  addDays,
  canonicalTimeZone,
  daysBetween,
  dueDay,
  isDay,
  localTime,
  occasionDate,
} from "../../../src/modules/shared/calendar.ts";

describe("the scheduler tick's day: a function of (instant, time zone, send hour)", () => {
  it.each([
    // Pacific/Auckland is UTC+13 in January (NZDT): its midnight is 11:00 UTC the day before.
    ["Pacific/Auckland", 6, "2027-01-14T10:59:00Z", "2027-01-14", "23:59 on the 14th"],
    ["Pacific/Auckland", 6, "2027-01-14T11:00:00Z", "2027-01-14", "midnight, before 06:00"],
    ["Pacific/Auckland", 6, "2027-01-14T16:59:00Z", "2027-01-14", "05:59 on the 15th"],
    ["Pacific/Auckland", 6, "2027-01-14T17:00:00Z", "2027-01-15", "06:00 on the 15th"],
    ["Pacific/Auckland", 0, "2027-01-14T10:59:00Z", "2027-01-14", "send hour 0, 23:59"],
    ["Pacific/Auckland", 0, "2027-01-14T11:00:00Z", "2027-01-15", "send hour 0, midnight"],
    ["Pacific/Auckland", 0, "2027-12-31T11:00:00Z", "2028-01-01", "new year's midnight"],
    // America/Los_Angeles is UTC-8 in January (PST): its midnight is 08:00 UTC.
    ["America/Los_Angeles", 0, "2027-01-15T07:59:00Z", "2027-01-14", "23:59 PST"],
    ["America/Los_Angeles", 0, "2027-01-15T08:00:00Z", "2027-01-15", "midnight PST"],
    ["America/Los_Angeles", 6, "2027-01-15T13:59:00Z", "2027-01-14", "05:59 PST"],
    ["America/Los_Angeles", 6, "2027-01-15T14:00:00Z", "2027-01-15", "06:00 PST"],
    // 14 March 2027: 02:00 PST becomes 03:00 PDT. 06:00 is then 13:00 UTC, not 14:00.
    ["America/Los_Angeles", 6, "2027-03-14T12:59:00Z", "2027-03-13", "05:59 PDT"],
    ["America/Los_Angeles", 6, "2027-03-14T13:00:00Z", "2027-03-14", "06:00 PDT, first day"],
    ["America/Los_Angeles", 2, "2027-03-14T09:59:00Z", "2027-03-13", "01:59 PST, hour 2 skipped"],
    ["America/Los_Angeles", 2, "2027-03-14T10:00:00Z", "2027-03-14", "03:00 PDT counts for 02:00"],
    // 7 November 2027: 02:00 PDT becomes 01:00 PST; 01:00 happens twice.
    ["America/Los_Angeles", 1, "2027-11-07T07:59:00Z", "2027-11-06", "00:59 PDT"],
    ["America/Los_Angeles", 1, "2027-11-07T08:00:00Z", "2027-11-07", "the first 01:00 (PDT)"],
    ["America/Los_Angeles", 6, "2027-11-07T13:59:00Z", "2027-11-06", "05:59 PST"],
    ["America/Los_Angeles", 6, "2027-11-07T14:00:00Z", "2027-11-07", "06:00 PST"],
    // Auckland's own changes: 4 April 2027 (03:00 NZDT → 02:00 NZST), 26 September (02:00 → 03:00).
    ["Pacific/Auckland", 6, "2027-04-03T17:59:00Z", "2027-04-03", "05:59 NZST"],
    ["Pacific/Auckland", 6, "2027-04-03T18:00:00Z", "2027-04-04", "06:00 NZST"],
    ["Pacific/Auckland", 6, "2027-09-25T16:59:00Z", "2027-09-25", "05:59 NZDT"],
    ["Pacific/Auckland", 6, "2027-09-25T17:00:00Z", "2027-09-26", "06:00 NZDT"],
  ])("%s, send hour %i, at %s → %s (%s)", (zone, hour, instant, day) => {
    expect(dueDay(new Date(instant), zone, hour)).toBe(day);
  });

  it("reads the wall clock of the zone, not of the host", () => {
    expect(localTime(new Date("2027-03-14T10:00:00Z"), "America/Los_Angeles")).toEqual({
      day: "2027-03-14",
      hour: 3,
    });
    expect(localTime(new Date("2027-01-14T11:00:00Z"), "Pacific/Auckland")).toEqual({
      day: "2027-01-15",
      hour: 0,
    });
  });
});

describe("calendar days", () => {
  it("falls 29 February on 28 February in other years", () => {
    expect(occasionDate(2027, 2, 29)).toBe("2027-02-28");
    expect(occasionDate(2028, 2, 29)).toBe("2028-02-29");
    expect(occasionDate(2100, 2, 29)).toBe("2100-02-28");
    expect(occasionDate(2000, 2, 29)).toBe("2000-02-29");
  });

  it("counts across the turn of the year", () => {
    expect(addDays("2027-01-03", -10)).toBe("2026-12-24");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2027-02-28", 1)).toBe("2027-03-01");
    expect(daysBetween("2026-12-24", "2027-01-03")).toBe(10);
  });

  it.each(["2027-02-29", "2027-13-01", "2027-00-10", "2027-1-1", "20270101", "2027-04-31"])(
    "refuses %s as a day",
    (text) => expect(isDay(text)).toBe(false),
  );

  it("knows time zones and refuses what is not one", () => {
    expect(canonicalTimeZone("America/New_York")).toBe("America/New_York");
    expect(canonicalTimeZone("Pacific/Auckland")).toBe("Pacific/Auckland");
    for (const bad of [
      "Mars/Olympus",
      "",
      "../etc/passwd",
      "America/New_York; DROP",
      "x".repeat(200),
    ])
      expect(canonicalTimeZone(bad)).toBeUndefined();
  });
});
