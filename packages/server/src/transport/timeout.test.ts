import { describe, expect, it } from "vitest";
import { formatTimeout, parseTimeout } from "./timeout.js";

describe("parseTimeout", () => {
  it.each([
    ["1H", 3_600_000],
    ["2M", 120_000],
    ["3S", 3000],
    ["250m", 250],
    ["1500u", 1.5],
    ["2000000n", 2],
    ["99999999S", 99_999_999_000],
    ["0m", 0],
  ])("parses %s", (value, ms) => {
    expect(parseTimeout(value)).toEqual({ ok: true, ms });
  });

  it.each(["abc", "12x", "", "S", "123456789S", "1.5S", "-1S", " 1S", "1s", "1 S"])("refuses %j", (value) => {
    const parsed = parseTimeout(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain("invalid grpc-timeout");
  });
});

describe("formatTimeout", () => {
  it("round-trips through parseTimeout within a unit", () => {
    for (const ms of [0.0005, 1, 999, 100_000, 100_000_000, 10 ** 12]) {
      const parsed = parseTimeout(formatTimeout(ms));
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(parsed.ms).toBeGreaterThanOrEqual(ms);
    }
  });
});
