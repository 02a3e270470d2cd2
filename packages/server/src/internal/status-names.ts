import { Status } from "nice-grpc-common";

/** `Status[code]` without the reverse-mapping lookup cost of a numeric enum on the hot path. */
export const statusNames: readonly string[] = Array.from({ length: 17 }, (_, code) => Status[code] ?? String(code));

export function statusName(code: number): string {
  return statusNames[code] ?? String(code);
}
