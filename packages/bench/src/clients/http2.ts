// A raw node:http2 gRPC client (one connection, gRPC framing by hand, ts-proto decode): the
// reference for what a Node gRPC client could cost without a channel stack.
import { connect, constants } from "node:http2";
import { GetUserRequest, GetUserResponse } from "@org/api/org/users/v1";
import { smallUser, unaryRequest } from "../internal/fixtures.js";
import { frameGrpcMessage, splitGrpcFrames } from "../internal/grpc-frame.js";
import type { Caller } from "./caller.js";

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_TE } = constants;

export async function http2Caller(port: number): Promise<Caller> {
  const session = connect(`http://127.0.0.1:${port}`);
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  const headers = {
    [HTTP2_HEADER_METHOD]: "POST",
    [HTTP2_HEADER_PATH]: "/org.users.v1.UsersService/GetUser",
    [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
    [HTTP2_HEADER_TE]: "trailers",
  };
  return {
    call() {
      // Encoded per call, as any client would.
      const body = frameGrpcMessage(GetUserRequest.encode(unaryRequest).finish());
      return new Promise<boolean>((resolve) => {
        const stream = session.request(headers);
        const chunks: Buffer[] = [];
        let status: string | undefined;
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("trailers", (trailers) => {
          status = trailers["grpc-status"] as string | undefined;
        });
        stream.on("error", () => resolve(false));
        stream.on("end", () => {
          if (status !== "0") return resolve(false);
          const { messages } = splitGrpcFrames(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
          const message = messages[0];
          resolve(message !== undefined && GetUserResponse.decode(message).user?.id === smallUser.id);
        });
        stream.end(body);
      });
    },
    close: () => session.close(),
  };
}
