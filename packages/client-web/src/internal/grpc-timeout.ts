// `grpc-timeout` as PROTOCOL-HTTP2 defines it: at most 8 digits and a unit. Browsers cannot send
// HTTP/2 deadlines any other way, so the remaining time of each attempt goes in this header.
export function encodeGrpcTimeout(remainingMs: number): string {
  const ms = Math.max(1, Math.ceil(remainingMs));
  if (ms < 100_000_000) return `${ms}m`;
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 100_000_000) return `${seconds}S`;
  return `${Math.min(99_999_999, Math.ceil(seconds / 3600))}H`;
}
