import { connect } from "node:net";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { CallError, Status } from "@org/client";
import type { OrgServerMiddleware } from "@org/server";
import { ServerError } from "nice-grpc";
import { describe, expect, it } from "vitest";
import { startTestServer } from "../src/index.js";

const user = (id: string) => ({
  id,
  name: `User ${id}`,
  email: `${id}@example.org`,
  role: 1,
  tags: [],
  labels: {},
  etag: "e1",
  loginCount: 0n,
});

/** Resolves the error code of a TCP connection attempt to 127.0.0.1:port, or "connected". */
function tcpConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

async function callError(fn: () => Promise<unknown>): Promise<CallError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof CallError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("startTestServer", () => {
  it("serves the implementation on 127.0.0.1 to a typed client; methods left out are UNIMPLEMENTED", async () => {
    await using t = await startTestServer(UsersServiceDefinition, {
      async getUser({ id }) {
        if (id !== "1") throw new ServerError(Status.NOT_FOUND, `user ${id} not found`);
        return { user: user("1") };
      },
    });
    expect(t.address).toBe(`127.0.0.1:${t.port}`);
    expect(t.port).toBeGreaterThan(0);
    const { user: got } = await t.client.getUser({ id: "1" });
    expect(got?.name).toBe("User 1");
    expect((await callError(() => t.client.getUser({ id: "2" }))).code).toBe(Status.NOT_FOUND);
    expect((await callError(() => t.client.deleteUser({ id: "1" }))).code).toBe(Status.UNIMPLEMENTED);
    expect(t.server.state).toBe("serving");
  });

  it("closes server and clients on disposal: the port refuses connections afterwards", async () => {
    let port = 0;
    let client: Awaited<ReturnType<typeof startTestServer<typeof UsersServiceDefinition>>>["client"] | undefined;
    {
      await using t = await startTestServer(UsersServiceDefinition, { getUser: async () => ({ user: user("1") }) });
      port = t.port;
      client = t.newClient();
      await client.getUser({ id: "1" });
      expect(await tcpConnect(port)).toBe("connected");
    }
    expect(await tcpConnect(port)).toBe("ECONNREFUSED");
    // A closed grpc-js channel refuses new calls at once.
    await expect(client!.getUser({ id: "1" })).rejects.toThrow();
  });

  it("tears down when the test body throws", async () => {
    let port = 0;
    const failingTest = async () => {
      await using t = await startTestServer(UsersServiceDefinition, {});
      port = t.port;
      throw new Error("assertion failed in the test");
    };
    await expect(failingTest()).rejects.toThrow("assertion failed in the test");
    expect(port).toBeGreaterThan(0);
    expect(await tcpConnect(port)).toBe("ECONNREFUSED");
  });

  it("applies server options, client options, per-client options and setup", async () => {
    const seen: string[] = [];
    const tagging: OrgServerMiddleware = async function* tag(call, context) {
      seen.push(`${call.method.path} ${context.metadata.get("x-team") ?? "-"}`);
      return yield* call.next(call.request, context);
    };
    await using t = await startTestServer(
      UsersServiceDefinition,
      { getUser: async () => ({ user: user("1") }) },
      {
        serverOptions: { requireDeadline: true },
        clientOptions: { metadata: { "x-team": "users" }, deadlineMs: Number.POSITIVE_INFINITY, retry: false },
        setup: (server) => server.use(tagging),
      },
    );
    // The server requires a deadline and the default client sends none.
    expect((await callError(() => t.client.getUser({ id: "1" }))).code).toBe(Status.INVALID_ARGUMENT);
    const withDeadline = t.newClient({ metadata: { "x-team": "other" }, deadlineMs: 5_000 });
    expect((await withDeadline.getUser({ id: "1" })).user?.id).toBe("1");
    expect(seen).toContain("/org.users.v1.UsersService/GetUser other");
  });

  it("closes once however often it is asked", async () => {
    const t = await startTestServer(UsersServiceDefinition, {});
    await Promise.all([t.close(), t.close(), t[Symbol.asyncDispose]()]);
    expect(t.server.state).toBe("stopped");
    expect(await tcpConnect(t.port)).toBe("ECONNREFUSED");
  });

  it("rejects with the setup's error and leaves nothing listening", async () => {
    let server: { state: string } | undefined;
    await expect(
      startTestServer(
        UsersServiceDefinition,
        {},
        {
          setup: (s) => {
            server = s;
            throw new Error("bad setup");
          },
        },
      ),
    ).rejects.toThrow("bad setup");
    expect(server?.state).toBe("stopped"); // shut down, not left half-started
  });
});
