import { cpus, loadavg, release, totalmem, type } from "node:os";
import type { Machine } from "./results.js";

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? "unknown",
    node: process.version,
    os: `${type()} ${release()}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}

/** One line describing the machine and the date, for the report. */
export function machineLine(m: Machine, date: string): string {
  return `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; ${date}; load average ${m.loadAverageAtStart} at start`;
}
