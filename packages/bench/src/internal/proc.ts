// What else the machine was doing during a sample: CPU steal time from /proc/stat (a virtual
// machine whose host lends our cores to others) and the load average from /proc/loadavg.
// Parsing is pure and unit-tested; reading returns undefined where /proc does not exist.
import { readFileSync } from "node:fs";

/** Aggregate CPU jiffies of the "cpu " line of /proc/stat. */
export interface CpuTimes {
  /** Sum of every field (user … guest_nice counted once: guest is already in user). */
  total: number;
  idle: number;
  steal: number;
}

/** Parses the aggregate "cpu" line of /proc/stat (fields: user nice system idle iowait irq softirq steal guest guest_nice). */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split("\n").find((l) => /^cpu\s/.test(l));
  if (line === undefined) throw new Error("no aggregate cpu line in /proc/stat");
  const f = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((v) => Number(v));
  if (f.length < 4 || f.some((v) => !Number.isFinite(v))) throw new Error(`unexpected /proc/stat cpu line: ${line}`);
  // guest and guest_nice (fields 9, 10) are already counted in user and nice.
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, idle: (f[3] ?? 0) + (f[4] ?? 0), steal: f[7] ?? 0 };
}

/** Steal between two snapshots as a percentage of all CPU time; NaN when no time passed. */
export function stealPercent(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  return total > 0 ? ((after.steal - before.steal) / total) * 100 : Number.NaN;
}

/** Busy (not idle, not steal) CPU time of the whole machine between two snapshots, percent. */
export function busyPercent(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  const idle = after.idle - before.idle;
  const steal = after.steal - before.steal;
  return total > 0 ? ((total - idle - steal) / total) * 100 : Number.NaN;
}

/** The 1-minute load average of /proc/loadavg ("0.52 0.58 0.59 1/389 12345"). */
export function parseLoadAvg(text: string): number {
  const first = text.trim().split(/\s+/)[0] ?? "";
  const v = /^\d+(\.\d+)?$/.test(first) ? Number(first) : Number.NaN;
  if (!Number.isFinite(v)) throw new Error(`unexpected /proc/loadavg: ${text}`);
  return v;
}

/** utime + stime of a process, clock ticks, from /proc/<pid>/stat (the command may hold spaces and parentheses). */
export function parsePidStatCpuTicks(text: string): number {
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ": state is field 3, so utime (14) and stime (15) are at indexes 11 and 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error("unexpected /proc/<pid>/stat");
  return utime + stime;
}

export function readCpuTimes(): CpuTimes | undefined {
  try {
    return parseProcStat(readFileSync("/proc/stat", "utf8"));
  } catch {
    return undefined;
  }
}

export function readLoadAvg(): number | undefined {
  try {
    return parseLoadAvg(readFileSync("/proc/loadavg", "utf8"));
  } catch {
    return undefined;
  }
}

/** Steal %, machine busy % and the load average over a sample, for `Sample.extra`. */
export function machineDuring(before: CpuTimes | undefined, after: CpuTimes | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (before !== undefined && after !== undefined) {
    out.stealPct = stealPercent(before, after);
    out.busyPct = busyPercent(before, after);
  }
  const load = readLoadAvg();
  if (load !== undefined) out.load1 = load;
  return out;
}
