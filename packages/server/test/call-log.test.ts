import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { CallLog, quote } from "../src/internal/call-log.js";

/** A pino logger configured as @org/server creates its own, writing into an array. */
function logger(level: pino.LevelWithSilent = "debug") {
  const lines: string[] = [];
  const log = pino({ level, timestamp: pino.stdTimeFunctions.isoTime }, { write: (s: string) => void lines.push(s) });
  return { log, lines };
}

const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"T"');

describe("the per-call log line", () => {
  const cases = [
    { requestId: "r-1", method: "/org.users.v1.UsersService/GetUser", code: "OK", durationMs: 0.123, peer: "127.0.0.1:5000" },
    {
      requestId: "6f1c2a9e-7b4d-4c6e-9a1f-5d8e2b7c4a10",
      method: "/a.B/C",
      code: "NOT_FOUND",
      durationMs: 12,
      peer: "[::1]:1",
      principal: 'ali"ce\\x',
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    },
    { requestId: "x", method: '/we"ird\n.Svc/M', code: 17, durationMs: 1e-3, peer: "unknown", principal: "é🙂\u0001" },
    {
      requestId: "r-2",
      method: "/a.B/C",
      code: "PERMISSION_DENIED",
      durationMs: 0.5,
      peer: "p",
      principal: "v",
      reason: 'permission denied: v may not call "/a.B/C"\n',
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    },
  ];

  it("is byte-for-byte what pino writes for the same fields", () => {
    for (const c of cases) {
      const viaPino = logger();
      viaPino.log.info(
        {
          requestId: c.requestId,
          method: c.method,
          code: c.code,
          durationMs: c.durationMs,
          peer: c.peer,
          principal: c.principal,
          reason: c.reason,
          traceId: c.traceId,
        },
        "grpc call",
      );
      const fast = logger();
      new CallLog(fast.log, "grpc call").write({
        levelValue: 30,
        requestId: c.requestId,
        methodAndCode: `,"method":${quote(c.method)},"code":${typeof c.code === "number" ? c.code : quote(c.code)}`,
        durationMs: c.durationMs,
        peer: c.peer,
        principal: c.principal,
        reason: c.reason,
        traceId: c.traceId,
      });
      expect(withoutTime(fast.lines[0]!)).toBe(withoutTime(viaPino.lines[0]!));
      expect(JSON.parse(fast.lines[0]!)).toMatchObject({ level: 30, requestId: c.requestId, method: c.method, msg: "grpc call" });
    }
  });

  it("follows the logger's bindings and level prefixes", () => {
    const { log, lines } = logger();
    log.setBindings({ service: "users" });
    new CallLog(log, "grpc call").write({
      levelValue: 40,
      requestId: "r",
      methodAndCode: ',"method":"/a.B/C","code":"UNAVAILABLE"',
      durationMs: 1,
      peer: "p",
      principal: undefined,
      traceId: undefined,
    });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, service: "users", code: "UNAVAILABLE" });
    expect(typeof JSON.parse(lines[0]!).time).toBe("string");
  });

  it("leaves destinations that want pino's per-line metadata to pino", () => {
    const multi = pino({}, pino.multistream([{ stream: { write: () => {} } }]));
    expect(new CallLog(multi, "grpc call").usable).toBe(false);
    expect(new CallLog(logger().log, "grpc call").usable).toBe(true);
  });
});
