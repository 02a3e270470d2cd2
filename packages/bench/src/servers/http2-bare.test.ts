import { connect } from "node:http2";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { ClientError, createChannel, createClient, Status } from "nice-grpc";
import { afterEach, describe, expect, it } from "vitest";
import { unaryRequest, unaryResponse } from "../internal/fixtures.js";
import { NotServedError, preflight } from "../internal/preflight.js";
import { newCounters } from "../internal/workload.js";
import { unaryBody } from "../suites/unary-server.js";
import { startHttp2Bare } from "./http2-bare.js";
import type { RunningServer } from "./running-server.js";

const PATH = "/org.users.v1.UsersService/GetUser";
const running: RunningServer[] = [];
afterEach(async () => {
  while (running.length > 0) await running.pop()?.close();
});

async function start() {
  const counters = newCounters();
  const server = await startHttp2Bare(counters);
  running.push(server);
  return { server, counters };
}

async function clientError(fn: () => Promise<unknown>): Promise<ClientError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ClientError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("bare node:http2 GetUser server (the limit row)", () => {
  it("answers a grpc-js client with the fixture user and counts the call", async () => {
    const { server, counters } = await start();
    const channel = createChannel(`127.0.0.1:${server.port}`);
    try {
      const client = createClient(UsersServiceDefinition, channel);
      expect(await client.getUser(unaryRequest)).toEqual(unaryResponse);
      expect(counters.unaryOk).toBe(1);
      await client.getUser({ id: "someone else" });
      expect(counters.unaryBadRequest).toBe(1);
      const unimplemented = await clientError(() => client.deleteUser({ id: "1" }));
      expect(unimplemented.code).toBe(Status.UNIMPLEMENTED);
    } finally {
      channel.close();
    }
  });

  it("answers a malformed body with INVALID_ARGUMENT in a trailers-only response", async () => {
    const { server, counters } = await start();
    const session = connect(`http://127.0.0.1:${server.port}`);
    session.on("error", () => {});
    try {
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = session.request({ ":method": "POST", ":path": PATH, "content-type": "application/grpc", te: "trailers" });
        req.on("response", (h) => resolve(h));
        req.on("error", reject);
        req.end(Buffer.from([0, 0, 0, 0, 9, 1, 2])); // declares 9 bytes, carries 2
      });
      expect(headers["grpc-status"]).toBe(String(Status.INVALID_ARGUMENT));
      expect(counters.unaryBadRequest).toBe(1);
    } finally {
      session.close();
    }
  });

  it("holds WatchUsers streams open and idle, counting them until the client cancels", async () => {
    const { server, counters } = await start();
    const channel = createChannel(`127.0.0.1:${server.port}`);
    try {
      const client = createClient(UsersServiceDefinition, channel);
      const abort = new AbortController();
      const watch = client.watchUsers({}, { signal: abort.signal })[Symbol.asyncIterator]().next();
      await expect.poll(() => counters.openWatches).toBe(1);
      abort.abort();
      await expect(watch).rejects.toThrow(/aborted/i);
      await expect.poll(() => counters.openWatches).toBe(0);
    } finally {
      channel.close();
    }
  });

  it("passes the gRPC preflight and is reported as not serving gRPC-Web", async () => {
    const { server } = await start();
    await expect(preflight(server.port, PATH, unaryBody(), "grpc", {})).resolves.toBeUndefined();
    const web = preflight(server.port, PATH, unaryBody(), "grpc-web", {});
    await expect(web).rejects.toBeInstanceOf(NotServedError);
    await expect(web).rejects.toThrow(/HTTP 415/);
  });
});
