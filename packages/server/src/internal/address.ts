/** Splits `host:port` (`[::1]:80` for IPv6); throws naming `what` when malformed. */
export function splitHostPort(address: string, what: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new Error(`${what}: expected host:port (e.g. 0.0.0.0:9464), got "${address}"`);
  return { host: match[1] ?? match[2] ?? "", port };
}
