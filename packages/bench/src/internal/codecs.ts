// The serialisation contenders for one realistic User: ts-proto (what @org/api generates),
// protobuf-es (what connect-es uses) and JSON (JSON.stringify/parse of the proto3 JSON form).
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { User } from "@org/api/org/users/v1";
import { UserSchema } from "../gen-es/org/users/v1/users_pb.js";
import { realisticUser } from "./fixtures.js";
import { esRealisticUser } from "./fixtures-es.js";

export const CODECS = {
  "ts-proto": "ts-proto binary (@org/api)",
  "protobuf-es": "protobuf-es binary",
  json: "JSON.stringify / JSON.parse",
} as const;

export type CodecId = keyof typeof CODECS;
export type CodecOp = "encode" | "decode";

export interface Codec {
  encode(): unknown;
  decode(): unknown;
  /** Encoded size in bytes. */
  bytes: number;
}

export function codec(id: CodecId): Codec {
  switch (id) {
    case "ts-proto": {
      const encoded = User.encode(realisticUser).finish();
      return { encode: () => User.encode(realisticUser).finish(), decode: () => User.decode(encoded), bytes: encoded.length };
    }
    case "protobuf-es": {
      const encoded = toBinary(UserSchema, esRealisticUser);
      return { encode: () => toBinary(UserSchema, esRealisticUser), decode: () => fromBinary(UserSchema, encoded), bytes: encoded.length };
    }
    case "json": {
      // The JSON-ready object (int64 as string, timestamps as RFC 3339), built once: this measures
      // JSON itself, not ts-proto's toJSON/fromJSON.
      const object = User.toJSON(realisticUser);
      const text = JSON.stringify(object);
      return { encode: () => JSON.stringify(object), decode: () => JSON.parse(text), bytes: Buffer.byteLength(text) };
    }
  }
}
