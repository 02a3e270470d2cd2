import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { rejection, startServer } from "./helpers.js";

function get(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
    })
      .on("error", reject)
      .end();
  });
}

describe("metrics", () => {
  it("serves handled totals by method and code, a handling-seconds histogram, in-flight streams and process metrics", async () => {
    const t = await startServer({ metricsListen: "127.0.0.1:0" });
    await t.client.getUser({ id: "1" });
    await t.client.getUser({ id: "2" });
    await rejection(() => t.client.getUser({ id: "missing" }));
    const ac = new AbortController();
    const stream = t.client.watchUsers({}, { signal: ac.signal })[Symbol.asyncIterator]();
    await stream.next();

    const res = await get(`http://127.0.0.1:${t.server.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain/);
    const m = res.body;
    expect(m).toMatch(
      /grpc_server_handled_total\{grpc_type="unary",grpc_service="org.users.v1.UsersService",grpc_method="GetUser",grpc_code="OK"\} 2/,
    );
    expect(m).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="GetUser",grpc_code="NOT_FOUND"\} 1/);
    expect(m).toMatch(/grpc_server_handling_seconds_count\{[^}]*grpc_method="GetUser",grpc_code="OK"\} 2/);
    expect(m).toMatch(/grpc_server_handling_seconds_bucket\{[^}]*grpc_method="GetUser",grpc_code="OK",le="\+Inf"\} 2/);
    expect(m).toMatch(/# TYPE grpc_server_handling_seconds histogram/);
    expect(m).toMatch(/grpc_server_started_total\{grpc_type="unary",grpc_service="org.users.v1.UsersService",grpc_method="GetUser"\} 3/);
    expect(m).toMatch(/grpc_server_streams_in_flight\{grpc_type="server_stream",[^}]*grpc_method="WatchUsers"\} 1/);
    expect(m).toMatch(/grpc_server_calls_in_flight 1/);
    expect(m).toMatch(/process_cpu_user_seconds_total/);
    expect(m).toMatch(/nodejs_eventloop_lag_seconds/);

    ac.abort();
    await rejection(() => stream.next());
    await new Promise((r) => setTimeout(r, 50));
    const after = (await get(`http://127.0.0.1:${t.server.metricsPort}/metrics`)).body;
    expect(after).toMatch(/grpc_server_streams_in_flight\{[^}]*grpc_method="WatchUsers"\} 0/);
    expect(after).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="WatchUsers",grpc_code="CANCELLED"\} 1/);
    expect((await get(`http://127.0.0.1:${t.server.metricsPort}/other`)).status).toBe(404);
  });

  it("serves no HTTP endpoint unless metricsListen is set", async () => {
    const t = await startServer();
    expect(t.server.metricsPort).toBeUndefined();
    await t.client.getUser({ id: "1" });
    expect(await t.server.metricsRegistry.metrics()).toContain('grpc_code="OK"} 1');
  });

  it("closes the endpoint on shutdown", async () => {
    const t = await startServer({ metricsListen: "127.0.0.1:0" });
    const url = `http://127.0.0.1:${t.server.metricsPort}/metrics`;
    await t.server.shutdown();
    await expect(get(url)).rejects.toThrow(/ECONNREFUSED/);
  });
});
