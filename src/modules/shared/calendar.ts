/**
 * Calendar days and the clock, pure. A day is "YYYY-MM-DD" text (a calendar date, no time, no
 * zone), computed in UTC so no host's zone or daylight-saving change can shift it. The clock's
 * only contact with the world is {@link dueDay}: a function of an instant, a time zone and an hour.
 */

const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day written YYYY-MM-DD ("2027-02-29" is not one). */
export function isDay(text: string): boolean {
  const m = DAY.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

function toMs(day: string): number {
  const m = DAY.exec(day);
  if (!m) throw new RangeError(`not a day: ${day}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

const fromMs = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function addDays(day: string, n: number): string {
  return fromMs(toMs(day) + n * DAY_MS);
}

/** The later of two days (YYYY-MM-DD text orders as the calendar does). */
export const laterDay = (a: string, b: string) => (a.localeCompare(b) > 0 ? a : b);
export const earlierDay = (a: string, b: string) => (a.localeCompare(b) < 0 ? a : b);

/** Days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return Math.round((toMs(b) - toMs(a)) / DAY_MS);
}

export const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The day a yearly date falls on in `year`: 29 February is 28 February in other years. */
export function occasionDate(year: number, month: number, day: number): string {
  const d = month === 2 && day === 29 && !isLeapYear(year) ? 28 : day;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** A time zone's canonical IANA name, or undefined when the runtime does not know it. */
export function canonicalTimeZone(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock day and hour (0–23) at `instant` in `timeZone`. */
export function localTime(instant: Date, timeZone: string): { day: string; hour: number } {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      hourCycle: "h23",
    });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    day: `${String(parts.year).padStart(4, "0")}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour),
  };
}

/**
 * The latest day whose send hour has come in the account's zone: today once the wall clock reads
 * `sendHour` or later, yesterday before. On a daylight-saving morning whose send hour does not
 * exist (02:00 skipped), the first hour after it counts; on one where it happens twice, the first.
 */
export function dueDay(instant: Date, timeZone: string, sendHour: number): string {
  const { day, hour } = localTime(instant, timeZone);
  return hour >= sendHour ? day : addDays(day, -1);
}
