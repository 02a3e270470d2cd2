/**
 * Splits `host:port` (`[::1]:80` for IPv6); throws naming `what` when malformed, with `example` as the
 * form it expected (each setting gets an example of its own: the gRPC port is not the metrics port).
 */
export function splitHostPort(address: string, what: string, example = "0.0.0.0:50051"): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new Error(`${what}: expected host:port (e.g. ${example}), got "${address}"`);
  return { host: match[1] ?? match[2] ?? "", port };
}
