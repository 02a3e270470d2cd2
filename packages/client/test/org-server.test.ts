// Deadline and cancellation propagation through the real @org/server (a devDependency only: the
// published client never depends on it; see package.test.ts).
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { createServer, type OrgServer } from "@org/server";
import { afterEach, describe, expect, it } from "vitest";
import { createUsersClient, isCancelled } from "../src/index.js";
import { cleanupStack, fillUnimplemented, remainingMs, startRawUsersServer, user } from "./support/users-server.js";

const cleanup = cleanupStack();
afterEach(cleanup.run);

describe("through @org/server", () => {
  it("a handler's downstream call inherits the incoming deadline and cancellation, with no code for it", async () => {
    const seen: number[] = [];
    let downstreamCancelled = false;
    const downstream = cleanup.add(
      await startRawUsersServer({
        getUser(call, callback) {
          seen.push(remainingMs(call));
          if (call.request.id === "hang") {
            call.on("cancelled", () => {
              downstreamCancelled = true;
            });
            return;
          }
          callback(null, { user: user("down") });
        },
      }),
    );
    const downstreamClient = cleanup.add(createUsersClient({ target: downstream.address }));

    const upstream: OrgServer = createServer({ handleSignals: false, logLevel: "silent", metrics: false, reflection: false });
    upstream.add(
      UsersServiceDefinition,
      fillUnimplemented({
        // The handler just forwards: deadline and cancellation flow through the incoming-call scope.
        getUser: async (req) => downstreamClient.getUser({ id: req.id }),
      }) as never,
    );
    const port = await upstream.listen("127.0.0.1:0");
    cleanup.add({ [Symbol.asyncDispose]: () => upstream.shutdown() });
    const client = cleanup.add(createUsersClient({ target: `127.0.0.1:${port}` }));

    const { user: got } = await client.getUser({ id: "ok" }, { deadlineMs: 700 });
    expect(got?.id).toBe("down");
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[0]).toBeLessThanOrEqual(700);

    const controller = new AbortController();
    const pending = client.getUser({ id: "hang" }, { signal: controller.signal, deadlineMs: 5_000 }).catch((e: unknown) => e);
    await expect.poll(() => seen.length).toBe(2);
    expect(seen[1]).toBeLessThanOrEqual(5_000);
    expect(seen[1]).toBeGreaterThan(4_000);
    controller.abort();
    expect(isCancelled(await pending)).toBe(true);
    await expect.poll(() => downstreamCancelled).toBe(true);
  });
});
