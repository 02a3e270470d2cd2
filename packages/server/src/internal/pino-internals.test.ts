// Each piece of pino that call-log.ts reads, checked by name against a real pino logger, so that a
// pino release that moves one fails here, saying which, instead of garbling the log line.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { pinoLineParts } from "./pino-internals.js";

function logger() {
  const lines: string[] = [];
  const log = pino({ level: "debug", timestamp: false, base: { pid: 7, hostname: "h" } }, { write: (s: string) => void lines.push(s) });
  return { log, lines };
}

describe("the pino internals call-log.ts relies on (pino.symbols)", () => {
  it("pino.symbols names every symbol used", () => {
    for (const name of ["lsCacheSym", "chindingsSym", "endSym", "streamSym", "needsMetadataGsym", "messageKeySym"] as const) {
      expect(typeof pino.symbols[name], `pino.symbols.${name}`).toBe("symbol");
    }
  });

  it("lsCacheSym: the cached prefix of each level is what pino starts a line with", () => {
    const { log, lines } = logger();
    const parts = pinoLineParts(log);
    for (const [name, value] of Object.entries(log.levels.values)) {
      expect(parts.levelPrefix(value), `level ${name}`).toBe(`{"level":${value}`);
    }
    log.info("x");
    expect(lines[0]?.startsWith(parts.levelPrefix(30))).toBe(true);
  });

  it("chindingsSym: the bindings string is what pino writes after the level, child bindings included", () => {
    const { log, lines } = logger();
    const child = log.child({ service: "users" });
    expect(pinoLineParts(child).bindings()).toBe(',"pid":7,"hostname":"h","service":"users"');
    child.info("x");
    expect(lines[0]).toBe('{"level":30,"pid":7,"hostname":"h","service":"users","msg":"x"}\n');
  });

  it("endSym and messageKeySym: the line end and the message key", () => {
    const parts = pinoLineParts(logger().log);
    expect(parts.end()).toBe("}\n");
    expect(parts.messageKey).toBe("msg");
  });

  it("streamSym: the destination the logger writes to", () => {
    const { log, lines } = logger();
    pinoLineParts(log).stream().write("raw\n");
    expect(lines).toEqual(["raw\n"]);
  });

  it("needsMetadataGsym: true for pino.multistream, false for a plain destination", () => {
    expect(pinoLineParts(logger().log).needsMetadata()).toBe(false);
    expect(pinoLineParts(pino({}, pino.multistream([{ stream: { write: () => {} } }]))).needsMetadata()).toBe(true);
  });
});
