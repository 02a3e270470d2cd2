// Channel credentials: plaintext on loopback (unless TLS settings are given) or when asked, else
// TLS with the system roots or the given CA, plus a client certificate for mutual TLS.
import { ChannelCredentials } from "@grpc/grpc-js";
import type { ClientOptions } from "../client-options.js";

export function createCredentials(options: Pick<ClientOptions, "insecure" | "tls">, loopback: boolean): ChannelCredentials {
  const { tls } = options;
  const insecure = options.insecure ?? (loopback && tls === undefined);
  if (insecure) {
    if (tls !== undefined) throw new TypeError("@org/client: `insecure: true` and `tls` exclude each other");
    return ChannelCredentials.createInsecure();
  }
  const pem = (value: string | Uint8Array | undefined) =>
    value === undefined ? null : Buffer.from(typeof value === "string" ? value : value);
  if ((tls?.cert === undefined) !== (tls?.key === undefined)) {
    throw new TypeError("@org/client: tls.cert and tls.key go together");
  }
  return ChannelCredentials.createSsl(pem(tls?.ca), pem(tls?.key), pem(tls?.cert));
}
