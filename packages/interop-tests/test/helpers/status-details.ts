// Decodes google.rpc.Status from grpc-status-details-bin with the wire reader only, so raw HTTP/2
// tests check what is actually on the wire rather than what a client library makes of it.
import { BinaryReader, type WireType } from "@bufbuild/protobuf/wire";

export interface DecodedStatus {
  code: number;
  message: string;
  /** type URLs of the details, in order. */
  types: string[];
  fieldViolations: { field: string; description: string }[];
  errorInfo: { reason: string; domain: string } | undefined;
}

function fields(bytes: Uint8Array, visit: (field: number, reader: BinaryReader, wireType: WireType) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (!visit(field, reader, wireType)) reader.skip(wireType);
  }
}

export function decodeStatus(bytes: Uint8Array): DecodedStatus {
  const out: DecodedStatus = { code: 0, message: "", types: [], fieldViolations: [], errorInfo: undefined };
  fields(bytes, (field, reader) => {
    if (field === 1) out.code = reader.int32();
    else if (field === 2) out.message = reader.string();
    else if (field === 3) {
      let typeUrl = "";
      let value: Uint8Array = new Uint8Array();
      fields(reader.bytes(), (f, r) => {
        if (f === 1) typeUrl = r.string();
        else if (f === 2) value = r.bytes();
        else return false;
        return true;
      });
      out.types.push(typeUrl);
      if (typeUrl.endsWith("/google.rpc.BadRequest")) {
        fields(value, (f, r) => {
          if (f !== 1) return false;
          const violation = { field: "", description: "" };
          fields(r.bytes(), (vf, vr) => {
            if (vf === 1) violation.field = vr.string();
            else if (vf === 2) violation.description = vr.string();
            else return false;
            return true;
          });
          out.fieldViolations.push(violation);
          return true;
        });
      } else if (typeUrl.endsWith("/google.rpc.ErrorInfo")) {
        const info = { reason: "", domain: "" };
        fields(value, (f, r) => {
          if (f === 1) info.reason = r.string();
          else if (f === 2) info.domain = r.string();
          else return false;
          return true;
        });
        out.errorInfo = info;
      }
    } else return false;
    return true;
  });
  return out;
}
