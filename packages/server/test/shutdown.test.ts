import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { createChannel } from "nice-grpc";
import { Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { callLines, clientFactory, hangAborts, rejection, startServer, waitFor, waitForInFlight } from "./helpers.js";

async function firstMessage(iterable: AsyncIterable<unknown>): Promise<{ first: unknown; rest: Promise<unknown> }> {
  const it = iterable[Symbol.asyncIterator]();
  const first = await it.next();
  const rest = (async () => {
    while (!(await it.next()).done);
  })().then(
    () => undefined,
    (err: unknown) => err,
  );
  return { first: first.value, rest };
}

describe("graceful shutdown", () => {
  it("lets in-flight unary calls finish, ends streams with UNAVAILABLE, refuses new calls", async () => {
    const t = await startServer();
    const { rest: stream } = await firstMessage(t.client.watchUsers({}));
    const unary = t.client.getUser({ id: "slow:400" });
    await waitForInFlight(t.server, 2); // the stream and the unary call are in their handlers
    const stopping = t.server.shutdown();
    expect(t.server.state).toBe("draining");

    const streamErr: any = await stream;
    expect(streamErr?.code).toBe(Status.UNAVAILABLE);
    expect(streamErr?.details).toBe("server is shutting down");

    const fresh = t.newClient();
    const refused = await rejection(() => fresh.getUser({ id: "1" }));
    expect(refused.code).toBe(Status.UNAVAILABLE);

    expect((await unary).user?.id).toBe("slow:400");
    await stopping;
    expect(t.server.state).toBe("stopped");
    const codes = callLines(t.logs)
      .map((l) => `${l.method.split("/")[2]}:${l.code}`)
      .sort();
    expect(codes).toEqual(["GetUser:OK", "WatchUsers:UNAVAILABLE"]);
  });

  it("cuts what is left after the grace period", async () => {
    const t = await startServer({ shutdownGraceMs: 300 });
    hangAborts.length = 0;
    const hanging = rejection(() => t.client.getUser({ id: "hang" }));
    await waitForInFlight(t.server, 1);
    const started = Date.now();
    await t.server.shutdown();
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5000);
    expect((await hanging).code).toBe(Status.UNAVAILABLE);
    await waitFor(() => hangAborts.length === 1);
    expect(hangAborts[0]!.aborted).toBe(true);
  });

  it("shutdown() is idempotent and works before listen", async () => {
    const t = await startServer();
    await Promise.all([t.server.shutdown(), t.server.shutdown()]);
    expect(t.server.state).toBe("stopped");
  });
});

describe("signals", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "%s: in-flight calls complete OK, an open stream ends with UNAVAILABLE, the process exits 0",
    async (signal) => {
      const fixture = fileURLToPath(new URL("./fixtures/signal-server.mjs", import.meta.url));
      const child = spawn(process.execPath, [fixture], { env: { ...process.env, GRACE_MS: "5000" }, stdio: ["ignore", "pipe", "inherit"] });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      try {
        const lines: any[] = [];
        const rl = createInterface({ input: child.stdout! });
        rl.on("line", (line) => lines.push(JSON.parse(line)));
        await waitFor(() => lines.some((l) => l.msg === "grpc server listening"), 10_000, "child to listen");
        const port = lines.find((l) => l.msg === "grpc server listening").port;
        const channel = createChannel(`127.0.0.1:${port}`);
        const client = clientFactory.create(UsersServiceDefinition, channel);

        const { rest: stream } = await firstMessage(client.watchUsers({}));
        const unary = client.getUser({ id: "slow:1000" });
        await new Promise((r) => setTimeout(r, 300)); // let the unary call reach the child's handler
        const signalledAt = Date.now();
        child.kill(signal);

        const streamErr: any = await stream;
        expect(streamErr?.code).toBe(Status.UNAVAILABLE);
        expect(Date.now() - signalledAt).toBeLessThan(5000);
        expect((await unary).user?.id).toBe("slow:1000");
        expect(await exited).toBe(0);
        channel.close();
        expect(lines.some((l) => l.msg === "signal received: shutting down" && l.signal === signal)).toBe(true);
        expect(lines.some((l) => l.msg === "server stopped")).toBe(true);
      } finally {
        child.kill("SIGKILL");
      }
    },
  );
});
