// @connectrpc/connect-node serving the gRPC protocol only, over node:http2, with protobuf-es messages.
import { createServer } from "node:http2";
import { create } from "@bufbuild/protobuf";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { BulkCreateUsersResponseSchema, UsersService } from "../gen-es/org/users/v1/users_pb.js";
import { esStreamResponse, esUnaryResponse } from "../internal/fixtures-es.js";
import { isExpectedUnaryRequest, requestedCount, type WorkCounters } from "../internal/workload.js";
import type { RunningServer } from "./running-server.js";

export async function startConnectNode(counters: WorkCounters): Promise<RunningServer> {
  const handler = connectNodeAdapter({
    grpc: true,
    grpcWeb: false,
    connect: false,
    routes(router) {
      router.service(UsersService, {
        async getUser(request) {
          if (isExpectedUnaryRequest(request.id)) counters.unaryOk++;
          else counters.unaryBadRequest++;
          return esUnaryResponse;
        },
        async *streamUsers(request, context) {
          const count = requestedCount(request.filter?.query);
          for (let i = 0; i < count; i++) {
            if (context.signal.aborted) return;
            counters.streamMessages++;
            yield esStreamResponse;
          }
          counters.streamsCompleted++;
        },
        async *watchUsers(_request, { signal }) {
          counters.openWatches++;
          try {
            if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
          } finally {
            counters.openWatches--;
          }
        },
        async bulkCreateUsers(requests) {
          let n = 0;
          for await (const _ of requests) n++;
          counters.clientStreamMessages += n;
          return create(BulkCreateUsersResponseSchema, { createdCount: n });
        },
      });
    },
  });
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("connect-node: no port");
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
