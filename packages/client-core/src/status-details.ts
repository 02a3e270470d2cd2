// Decodes `grpc-status-details-bin` (a google.rpc.Status) into the detail messages clients act on:
// BadRequest, RetryInfo and ErrorInfo; any other kind is kept as its `Any`. Only when an attempt
// fails. The objects have exactly the shapes of nice-grpc-error-details' types (the public type of
// `CallError.errorDetails`), but are read with @org/api's wire reader alone (the web flavour's, so
// a browser page carries one): the library's CommonJS message code and the second copy of
// @bufbuild/protobuf it pulls in were 60 % of a browser bundle (packages/bench, "Browser bundle
// size").
import { BinaryReader, WireType } from "@org/api/wire";
import type { Metadata } from "nice-grpc-common";
import type { Any, BadRequest, BadRequest_FieldViolation, ErrorDetails, ErrorInfo, RetryInfo } from "nice-grpc-error-details";

/** Calls `field` for every field of the message in `bytes`, skipping what it does not read. */
function readMessage(bytes: Uint8Array, field: (reader: BinaryReader, number: number, wireType: WireType) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (!field(reader, number, wireType)) reader.skip(wireType);
  }
}

function decodeAny(bytes: Uint8Array): Any {
  const any: Any = { $type: "google.protobuf.Any", typeUrl: "", value: new Uint8Array(0) };
  readMessage(bytes, (r, n, w) => {
    if (n === 1 && w === WireType.LengthDelimited) any.typeUrl = r.string();
    else if (n === 2 && w === WireType.LengthDelimited) any.value = r.bytes();
    else return false;
    return true;
  });
  return any;
}

function decodeFieldViolation(bytes: Uint8Array): BadRequest_FieldViolation {
  const v: BadRequest_FieldViolation = { $type: "google.rpc.BadRequest.FieldViolation", field: "", description: "" };
  readMessage(bytes, (r, n, w) => {
    if (n === 1 && w === WireType.LengthDelimited) v.field = r.string();
    else if (n === 2 && w === WireType.LengthDelimited) v.description = r.string();
    else return false;
    return true;
  });
  return v;
}

function decodeBadRequest(bytes: Uint8Array): BadRequest {
  const message: BadRequest = { $type: "google.rpc.BadRequest", fieldViolations: [] };
  readMessage(bytes, (r, n, w) => {
    if (n !== 1 || w !== WireType.LengthDelimited) return false;
    message.fieldViolations.push(decodeFieldViolation(r.bytes()));
    return true;
  });
  return message;
}

function decodeRetryInfo(bytes: Uint8Array): RetryInfo {
  const message: RetryInfo = { $type: "google.rpc.RetryInfo", retryDelay: undefined };
  readMessage(bytes, (r, n, w) => {
    if (n !== 1 || w !== WireType.LengthDelimited) return false;
    const duration = { $type: "google.protobuf.Duration" as const, seconds: 0, nanos: 0 };
    readMessage(r.bytes(), (d, dn, dw) => {
      if (dn === 1 && dw === WireType.Varint) duration.seconds = Number(d.int64());
      else if (dn === 2 && dw === WireType.Varint) duration.nanos = d.int32();
      else return false;
      return true;
    });
    message.retryDelay = duration;
    return true;
  });
  return message;
}

function decodeErrorInfo(bytes: Uint8Array): ErrorInfo {
  const message: ErrorInfo = { $type: "google.rpc.ErrorInfo", reason: "", domain: "", metadata: {} };
  readMessage(bytes, (r, n, w) => {
    if (w !== WireType.LengthDelimited) return false;
    if (n === 1) message.reason = r.string();
    else if (n === 2) message.domain = r.string();
    else if (n === 3) {
      let key = "";
      let value = "";
      readMessage(r.bytes(), (e, en, ew) => {
        if (en === 1 && ew === WireType.LengthDelimited) key = e.string();
        else if (en === 2 && ew === WireType.LengthDelimited) value = e.string();
        else return false;
        return true;
      });
      message.metadata[key] = value;
    } else return false;
    return true;
  });
  return message;
}

const decoders: Record<string, (bytes: Uint8Array) => ErrorDetails> = {
  "google.rpc.BadRequest": decodeBadRequest,
  "google.rpc.RetryInfo": decodeRetryInfo,
  "google.rpc.ErrorInfo": decodeErrorInfo,
};

export function decodeStatusDetails(trailers: Metadata | undefined): ErrorDetails[] | undefined {
  const bytes = trailers?.get("grpc-status-details-bin");
  if (bytes === undefined) return undefined;
  try {
    const details: ErrorDetails[] = [];
    readMessage(bytes, (r, n, w) => {
      if (n !== 3 || w !== WireType.LengthDelimited) return false;
      const any = decodeAny(r.bytes());
      const decode = decoders[any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1)];
      details.push(decode === undefined ? any : decode(any.value));
      return true;
    });
    return details;
  } catch {
    return undefined; // malformed details must not hide the status itself
  }
}
