// The handlers of every nice-grpc based configuration (bare, naive assembly, @org/server).
import type { BulkCreateUsersRequest, UsersServiceDefinition } from "@org/api/org/users/v1";
import { ServerError, type ServiceImplementation, Status } from "nice-grpc";
import { unaryResponse } from "../internal/fixtures.js";
import { bulkResponse, isExpectedUnaryRequest, requestedCount, streamResponse, type WorkCounters } from "../internal/workload.js";

type Implementation = ServiceImplementation<typeof UsersServiceDefinition>;

function unimplemented(): never {
  throw new ServerError(Status.UNIMPLEMENTED, "not part of the benchmark");
}

export function niceImplementation(counters: WorkCounters): Implementation {
  return {
    batchGetUsers: async () => unimplemented(),
    listUsers: async () => unimplemented(),
    createUser: async () => unimplemented(),
    updateUser: async () => unimplemented(),
    deleteUser: async () => unimplemented(),
    // biome-ignore lint/correctness/useYield: never yields
    syncUsers: async function* () {
      unimplemented();
    },
    async getUser(request) {
      if (isExpectedUnaryRequest(request.id)) counters.unaryOk++;
      else counters.unaryBadRequest++;
      return unaryResponse;
    },
    async *streamUsers(request, { signal }) {
      const count = requestedCount(request.filter?.query);
      for (let i = 0; i < count; i++) {
        if (signal.aborted) return;
        counters.streamMessages++;
        yield streamResponse; // nice-grpc waits for 'drain' when grpc-js buffers
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
    async bulkCreateUsers(requests: AsyncIterable<BulkCreateUsersRequest>) {
      let n = 0;
      for await (const _ of requests) n++;
      counters.clientStreamMessages += n;
      return bulkResponse(n);
    },
  };
}
