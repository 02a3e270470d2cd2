// Bare nice-grpc: no middleware at all.
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { createServer } from "nice-grpc";
import type { WorkCounters } from "../internal/workload.js";
import { niceImplementation } from "./nice-grpc-impl.js";
import type { RunningServer } from "./running-server.js";

export async function startNiceGrpc(counters: WorkCounters): Promise<RunningServer> {
  const server = createServer();
  server.add(UsersServiceDefinition, niceImplementation(counters));
  const port = await server.listen("127.0.0.1:0");
  return { port, close: () => server.shutdown() };
}
