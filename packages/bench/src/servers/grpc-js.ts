// Bare @grpc/grpc-js serving the ts-proto messages of @org/api: the baseline every ratio uses.
import { once } from "node:events";
import {
  Server,
  ServerCredentials,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import {
  type BulkCreateUsersRequest,
  type BulkCreateUsersResponse,
  type GetUserRequest,
  type GetUserResponse,
  type StreamUsersRequest,
  UsersServiceDefinition,
  type WatchUsersRequest,
} from "@org/api/org/users/v1";
import { unaryResponse } from "../internal/fixtures.js";
import { toGrpcJsService } from "../internal/grpc-js-service.js";
import { bulkResponse, isExpectedUnaryRequest, requestedCount, streamResponse, type WorkCounters } from "../internal/workload.js";
import type { RunningServer } from "./running-server.js";

export const grpcJsService = toGrpcJsService(UsersServiceDefinition);

/** The handlers as someone would write them against grpc-js directly (backpressure respected). */
export function grpcJsImplementation(counters: WorkCounters): UntypedServiceImplementation {
  return {
    getUser(call: ServerUnaryCall<GetUserRequest, GetUserResponse>, callback: sendUnaryData<GetUserResponse>) {
      if (isExpectedUnaryRequest(call.request.id)) counters.unaryOk++;
      else counters.unaryBadRequest++;
      callback(null, unaryResponse);
    },
    async streamUsers(call: ServerWritableStream<StreamUsersRequest, unknown>) {
      const count = requestedCount(call.request.filter?.query);
      for (let i = 0; i < count; i++) {
        if (call.cancelled) return;
        counters.streamMessages++;
        if (!call.write(streamResponse)) await once(call, "drain");
      }
      counters.streamsCompleted++;
      call.end();
    },
    watchUsers(call: ServerWritableStream<WatchUsersRequest, unknown>) {
      counters.openWatches++;
      call.once("cancelled", () => counters.openWatches--);
    },
    bulkCreateUsers(
      call: ServerReadableStream<BulkCreateUsersRequest, BulkCreateUsersResponse>,
      callback: sendUnaryData<BulkCreateUsersResponse>,
    ) {
      let n = 0;
      call.on("data", () => n++);
      call.on("end", () => {
        counters.clientStreamMessages += n;
        callback(null, bulkResponse(n));
      });
    },
  };
}

export async function startGrpcJs(counters: WorkCounters): Promise<RunningServer> {
  const server = new Server();
  server.addService(grpcJsService, grpcJsImplementation(counters));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
