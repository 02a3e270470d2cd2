import { describe, expect, it } from "vitest";
import { busyPercent, parseLoadAvg, parsePidStatCpuTicks, parseProcStat, readCpuTimes, readLoadAvg, stealPercent } from "./proc.js";

const STAT_BEFORE = `cpu  1000 10 500 8000 100 0 40 200 300 0
cpu0 500 5 250 4000 50 0 20 100 150 0
cpu1 500 5 250 4000 50 0 20 100 150 0
intr 123
`;
const STAT_AFTER = `cpu  1600 10 700 8400 100 0 40 350 500 0
cpu0 800 5 350 4200 50 0 20 175 250 0
`;

describe("/proc parsing", () => {
  it("reads the aggregate cpu line, guest time not counted twice", () => {
    expect(parseProcStat(STAT_BEFORE)).toEqual({ total: 1000 + 10 + 500 + 8000 + 100 + 40 + 200, idle: 8100, steal: 200 });
  });

  it("gives steal and busy time as percentages of the CPU time between snapshots", () => {
    const before = parseProcStat(STAT_BEFORE);
    const after = parseProcStat(STAT_AFTER);
    // Δtotal = 600 + 200 + 400 + 150 = 1350; Δsteal 150; Δidle 400
    expect(stealPercent(before, after)).toBeCloseTo((150 / 1350) * 100, 10);
    expect(busyPercent(before, after)).toBeCloseTo((800 / 1350) * 100, 10);
    expect(stealPercent(before, before)).toBeNaN();
  });

  it("accepts kernels without steal fields and rejects what is not /proc/stat", () => {
    expect(parseProcStat("cpu 1 2 3 4\n")).toEqual({ total: 10, idle: 4, steal: 0 });
    expect(() => parseProcStat("intr 1 2 3\n")).toThrow(/no aggregate cpu line/);
    expect(() => parseProcStat("cpu 1 x 3 4\n")).toThrow(/unexpected/);
  });

  it("reads the 1-minute load average", () => {
    expect(parseLoadAvg("0.52 0.58 0.59 1/389 12345\n")).toBe(0.52);
    expect(() => parseLoadAvg("")).toThrow(/loadavg/);
  });

  it("reads utime + stime of a process whose name holds spaces and parentheses", () => {
    const line = "4242 (node (bench) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 731 129 0 0 20 0 11 0 5000 1000000 2000";
    expect(parsePidStatCpuTicks(line)).toBe(860);
    expect(() => parsePidStatCpuTicks("1 (x) S")).toThrow(/stat/);
  });

  it("reads this machine's /proc when there is one", () => {
    const cpu = readCpuTimes();
    if (process.platform !== "linux") {
      expect(cpu).toBeUndefined();
      return;
    }
    expect(cpu!.total).toBeGreaterThan(0);
    expect(readLoadAvg()).toBeGreaterThanOrEqual(0);
  });
});
