/*
 * A response message encoded straight into its gRPC frame, for ts-proto message types built on
 * @bufbuild/protobuf's `BinaryWriter`: one writer, reused for every message of the process, gets
 * the 5-byte prefix and then the message (ts-proto's public `encode(message, writer)`), and
 * `finish()` hands back the frame. Encoding the usual way allocates a writer and its first buffer
 * per message, copies the bytes out, then copies them again behind a prefix: per ~100-byte message
 * of a server stream that was about a fifth of the server's CPU (packages/bench "What it took").
 */
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import type { MessageType } from "@org/api/service-definition";
import { PREFIX_BYTES } from "./framing.js";

const EMPTY_PREFIX = new Uint8Array(PREFIX_BYTES);
/** A writer whose buffer grew past this for one message is dropped, so one large response is not kept for good. */
const KEEP_BYTES = 64 * 1024;

let writer = new BinaryWriter();

type Encode = (message: unknown, writer?: BinaryWriter) => unknown;

/**
 * A function that returns `type`'s message as one uncompressed gRPC frame, or `undefined` when
 * `type` does not write with this package's `BinaryWriter` (protobufjs-based ts-proto code, or
 * another copy of @bufbuild/protobuf): those are encoded the usual way.
 */
export function framedEncoder(type: MessageType | undefined): ((message: unknown) => Buffer) | undefined {
  if (type === undefined) return undefined;
  const encode = type.encode as Encode;
  const fromPartial = type.fromPartial;
  try {
    // The writer a type creates on its own tells which writer its code expects.
    const probe = encode.call(type, fromPartial !== undefined ? fromPartial.call(type, {}) : {});
    if (!(probe instanceof BinaryWriter)) return undefined;
  } catch {
    return undefined;
  }
  return (message) => {
    const w = writer;
    try {
      w.raw(EMPTY_PREFIX);
      // Like nice-grpc: fromPartial fills what the handler left out.
      encode.call(type, fromPartial !== undefined ? fromPartial.call(type, message) : message, w);
    } catch (error) {
      w.finish(); // forget the half-written message
      throw error;
    }
    const bytes = w.finish();
    if (bytes.length > KEEP_BYTES) writer = new BinaryWriter();
    const frame = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    frame.writeUInt32BE(bytes.length - PREFIX_BYTES, 1); // the flag byte stays 0: uncompressed
    return frame;
  };
}
