/*
 * `grpc-timeout` (PROTOCOL-HTTP2.md): TimeoutValue is at most 8 ASCII digits, TimeoutUnit one of
 * H M S m u n. Anything else is a malformed request: INVALID_ARGUMENT, not INTERNAL.
 */

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };
const TIMEOUT = /^(\d{1,8})([HMSmun])$/;

/** A parsed timeout in ms, or the reason it is invalid. */
export type ParsedTimeout = { ok: true; ms: number } | { ok: false; message: string };

/** Parses a `grpc-timeout` header value into milliseconds (fractions kept). */
export function parseTimeout(value: string): ParsedTimeout {
  const match = TIMEOUT.exec(value);
  if (match === null) {
    return {
      ok: false,
      message: `invalid grpc-timeout ${JSON.stringify(value.slice(0, 40))}: expected 1-8 digits and a unit (H, M, S, m, u, n)`,
    };
  }
  return { ok: true, ms: Number(match[1]) * UNIT_MS[match[2]!]! };
}

/** Formats milliseconds as a `grpc-timeout` value (the largest unit that keeps 8 digits). */
export function formatTimeout(ms: number): string {
  const units: [string, number][] = [
    ["m", 1],
    ["S", 1000],
    ["M", 60_000],
    ["H", 3_600_000],
  ];
  if (ms < 1) return `${Math.max(0, Math.ceil(ms * 1e6))}n`;
  for (const [unit, size] of units) {
    const value = Math.ceil(ms / size);
    if (value < 1e8) return `${value}${unit}`;
  }
  return "99999999H";
}
