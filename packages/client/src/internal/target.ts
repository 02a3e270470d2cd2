// Turns the `target` option into a grpc-js target string and tells whether it is loopback-only
// (where plaintext is the default).
import { isIP } from "node:net";

export interface ResolvedTarget {
  /** What grpc-js gets. */
  target: string;
  /** Every address is on this machine. */
  loopback: boolean;
  /** The target names several addresses to balance over. */
  list: boolean;
  /** The first host when every host is an IP address (which TLS cannot send as a server name). */
  ipHost?: string | undefined;
}

const LOOPBACK_NAMES = new Set(["localhost", "ip6-localhost"]);

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** `host` when it is an IP address, else undefined. */
function ipOf(host: string): string | undefined {
  return isIP(unbracket(host)) === 0 ? undefined : unbracket(host);
}

function isLoopbackHost(host: string): boolean {
  const bare = unbracket(host);
  if (LOOPBACK_NAMES.has(bare.toLowerCase())) return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1" || bare === "0:0:0:0:0:0:0:1";
  return false;
}

/** Splits `host:port` / `[v6]:port` into host and port. */
function splitHostPort(address: string): { host: string; port: string } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
  if (match === null) throw new TypeError(`@org/client: expected "host:port", got "${address}"`);
  return { host: match[1] as string, port: match[2] as string };
}

export function resolveTarget(target: string | readonly string[]): ResolvedTarget {
  if (typeof target !== "string") {
    if (target.length === 0) throw new TypeError("@org/client: target list is empty");
    const addresses = target.map(splitHostPort);
    const families = new Set(addresses.map(({ host }) => isIP(host.replace(/^\[|\]$/g, ""))));
    if (families.size !== 1 || families.has(0)) {
      throw new TypeError("@org/client: a target list must be IP addresses of one family (use dns:///name:port for names)");
    }
    const scheme = families.has(4) ? "ipv4" : "ipv6";
    return {
      target: `${scheme}:${addresses.map(({ host, port }) => `${host}:${port}`).join(",")}`,
      loopback: addresses.every(({ host }) => isLoopbackHost(host)),
      list: addresses.length > 1,
      ipHost: ipOf(addresses[0]?.host ?? ""),
    };
  }
  const scheme = /^([a-z0-9+.-]+):/i.exec(target)?.[1]?.toLowerCase();
  if (scheme === "dns") {
    // dns:///name:port or dns://authority/name:port
    const name = target.replace(/^dns:(\/\/[^/]*\/)?/i, "");
    const { host } = splitHostPort(name);
    return { target, loopback: isLoopbackHost(host), list: false, ipHost: ipOf(host) };
  }
  if (scheme === "unix" || scheme === "unix-abstract") return { target, loopback: true, list: false };
  if (scheme === "ipv4" || scheme === "ipv6") {
    const rest = target.slice(scheme.length + 1).split(",");
    return {
      target,
      loopback: rest.every((address) => isLoopbackHost(splitHostPort(address).host)),
      list: rest.length > 1,
      ipHost: ipOf(splitHostPort(rest[0] ?? "").host),
    };
  }
  const { host } = splitHostPort(target);
  return { target, loopback: isLoopbackHost(host), list: false, ipHost: ipOf(host) };
}
