// Decodes `grpc-status-details-bin` (a google.rpc.Status) into the detail messages known to
// nice-grpc-error-details. Done here, only when an attempt fails, instead of in a middleware that
// would wrap every call.
import { BinaryReader } from "@bufbuild/protobuf/wire";
import type { Metadata } from "nice-grpc-common";
import { Any, BadRequest, type ErrorDetails, ErrorInfo, RetryInfo } from "nice-grpc-error-details";

const decoders: Record<string, { decode(bytes: Uint8Array): ErrorDetails }> = {
  "google.rpc.BadRequest": BadRequest,
  "google.rpc.RetryInfo": RetryInfo,
  "google.rpc.ErrorInfo": ErrorInfo,
};

export function decodeStatusDetails(trailers: Metadata | undefined): ErrorDetails[] | undefined {
  const bytes = trailers?.get("grpc-status-details-bin");
  if (bytes === undefined) return undefined;
  try {
    const details: ErrorDetails[] = [];
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field === 3 && wireType === 2) {
        const any = Any.decode(reader.bytes());
        const type = any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
        const decoder = decoders[type];
        details.push(decoder === undefined ? any : decoder.decode(any.value));
      } else {
        reader.skip(wireType);
      }
    }
    return details;
  } catch {
    return undefined; // malformed details must not hide the status itself
  }
}
