// Channel credentials: plaintext on loopback (unless TLS settings are given) or when asked, else
// TLS with the system roots or the given CA, plus a client certificate for mutual TLS.
import { ChannelCredentials } from "@grpc/grpc-js";
import type { ClientOptions } from "../client-options.js";
import type { ResolvedTarget } from "./target.js";

/**
 * Node 26 refuses an IP address as the TLS server name (RFC 6066; a deprecation warning before),
 * and grpc-js sends the target's host there unless `tls.serverName` overrides it: every call to an
 * IP address over TLS would fail with UNAVAILABLE. Said once, at creation, instead.
 */
export function refusesIpServerName(nodeVersion: string = process.versions.node): boolean {
  return Number(nodeVersion.split(".")[0]) >= 26;
}

export function createCredentials(
  options: Pick<ClientOptions, "insecure" | "tls">,
  target: Pick<ResolvedTarget, "loopback" | "ipHost">,
  nodeVersion: string = process.versions.node,
): ChannelCredentials {
  const { tls } = options;
  const insecure = options.insecure ?? (target.loopback && tls === undefined);
  if (insecure) {
    if (tls !== undefined) throw new TypeError("@org/client: `insecure: true` and `tls` exclude each other");
    return ChannelCredentials.createInsecure();
  }
  const pem = (value: string | Uint8Array | undefined) =>
    value === undefined ? null : Buffer.from(typeof value === "string" ? value : value);
  if (target.ipHost !== undefined && tls?.serverName === undefined && refusesIpServerName(nodeVersion)) {
    throw new TypeError(
      `@org/client: TLS to an IP address (${target.ipHost}) needs tls.serverName, a DNS name in the server's certificate: ` +
        `Node ${nodeVersion.split(".")[0]} refuses IP addresses as TLS server names, and grpc-js sends the target's host. ` +
        "Or target a DNS name (dns:///users.example.com:443).",
    );
  }
  if ((tls?.cert === undefined) !== (tls?.key === undefined)) {
    throw new TypeError("@org/client: tls.cert and tls.key go together");
  }
  return ChannelCredentials.createSsl(pem(tls?.ca), pem(tls?.key), pem(tls?.cert));
}
