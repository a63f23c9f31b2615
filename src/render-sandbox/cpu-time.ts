/**
 * CPU time a process has used (user + system, its own and its waited-for children's), in ms, from
 * Linux's /proc; undefined where there is no /proc (then the card limit is wall time alone).
 */
import { readFileSync } from "node:fs";

/** USER_HZ: the unit of /proc/<pid>/stat times; 100 on every Linux Node.js runs on. */
const TICKS_PER_SECOND = 100;

export function processCpuMs(pid: number): number | undefined {
  try {
    // Fields after the ")" that closes the command name: utime is the 12th, stime, cutime, cstime follow.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}
