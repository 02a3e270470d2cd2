// Child process: runs one server configuration on 127.0.0.1 and reports its counters.
// Usage (by the harness): node dist/server-main.js <config>
import { fail, send, serveRequests } from "./internal/child-side.js";
import { isServerConfig, type ServerConfigId } from "./internal/configs.js";
import { newCounters } from "./internal/workload.js";
import type { StartServer } from "./servers/running-server.js";

// Imported on demand so that a configuration loads only its own stack (OpenTelemetry in particular).
async function loader(id: ServerConfigId): Promise<StartServer> {
  switch (id) {
    case "grpc-js":
      return (await import("./servers/grpc-js.js")).startGrpcJs;
    case "nice-grpc":
      return (await import("./servers/nice-grpc.js")).startNiceGrpc;
    case "nice-grpc-naive":
      return (await import("./servers/nice-grpc-naive.js")).startNiceGrpcNaive;
    case "org-server":
      return (await import("./servers/org-server.js")).startOrgServer;
    case "org-server-all":
      return (await import("./servers/org-server.js")).startOrgServerAll;
    case "org-server@prev": {
      const { startOrgServer } = await import("./servers/org-server.js");
      return (counters) => startOrgServer(counters, true);
    }
    case "org-server-all@prev": {
      const { startOrgServerAll } = await import("./servers/org-server.js");
      return (counters) => startOrgServerAll(counters, true);
    }
    case "http2-bare":
      return (await import("./servers/http2-bare.js")).startHttp2Bare;
    case "http2-bare-defaults":
      return (await import("./servers/http2-bare-defaults.js")).startHttp2BareDefaults;
    case "http2-bare-all":
      return (await import("./servers/http2-bare-defaults.js")).startHttp2BareAll;
    case "org-server-web": // the same server; the load generator speaks gRPC-Web to it
      return (await import("./servers/org-server.js")).startOrgServer;
    case "connect-node":
      return (await import("./servers/connect-node.js")).startConnectNode;
  }
}

/** What a server child reports. */
export interface ServerStats {
  type: "stats";
  counters: ReturnType<typeof newCounters>;
  okFromMetrics: number | undefined;
  exportedSpans: number | undefined;
  rssBytes: number;
  heapUsedBytes: number;
  cpuUserUs: number;
  cpuSystemUs: number;
}

async function main() {
  const id = process.argv[2] ?? "";
  if (!isServerConfig(id)) throw new Error(`unknown server config "${id}"`);
  const counters = newCounters();
  const server = await (await loader(id))(counters);
  serveRequests(async (message) => {
    if (message.type !== "stats") throw new Error(`unexpected message ${message.type}`);
    if (message.gc === true) {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc === undefined) throw new Error("stats with gc needs --expose-gc");
      gc();
      gc();
    }
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const stats: ServerStats = {
      type: "stats",
      counters: { ...counters },
      okFromMetrics: message.metrics === true ? await server.okFromMetrics?.() : undefined,
      exportedSpans: server.exportedSpans?.(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
    };
    return stats;
  }, server.close);
  send({ type: "ready", port: server.port });
}

main().catch((err: unknown) => {
  fail(err);
  setTimeout(() => process.exit(1), 100);
});
