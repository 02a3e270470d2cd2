// grpc.health.v1 spoken over raw HTTP/2, so readiness probes depend on no gRPC library.
import { grpcFrame, rawCallOnce } from "./raw-grpc.js";

export const SERVING = 1;
export const NOT_SERVING = 2;

/** Encodes HealthCheckRequest { service }. */
export function encodeHealthCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, "utf8");
  if (name.length === 0) return Buffer.alloc(0);
  if (name.length > 127) throw new Error("service name too long for this encoder");
  return Buffer.concat([Buffer.from([0x0a, name.length]), name]);
}

/** Health.Check over a fresh HTTP/2 session: the serving status number, or the gRPC error code as `{ code }`. */
export async function healthCheck(port: number, service = "", timeoutMs = 2000): Promise<{ status?: number; code: number | undefined }> {
  const response = await rawCallOnce(port, "/grpc.health.v1.Health/Check", grpcFrame(encodeHealthCheckRequest(service)), {
    timeoutMs,
    headers: { "grpc-timeout": `${timeoutMs}m` },
  });
  if (response.grpcStatus !== 0) return { code: response.grpcStatus };
  const message = response.messages[0] ?? Buffer.alloc(0);
  // HealthCheckResponse { status = 1 (varint) }; an empty message means UNKNOWN (0).
  const status = message.length >= 2 && message[0] === 0x08 ? (message[1] as number) : 0;
  return { status, code: 0 };
}
