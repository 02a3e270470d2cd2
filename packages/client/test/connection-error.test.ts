// What a caller (and the users CLI, which prints `details`) reads when no connection can be made:
// grpc-js's empty "Resolution note:" tail is not part of it (issue 16, point 9).
import { createServer } from "node:net";
import { Status } from "nice-grpc";
import { describe, expect, it, onTestFinished } from "vitest";
import { CallError, createUsersClient } from "../src/index.js";
import { tidyStatusMessage } from "../src/internal/grpc-js-message.js";

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("a connection that cannot be made", () => {
  it("fails unary and streaming calls with UNAVAILABLE and no empty 'Resolution note:'", async () => {
    const port = await closedPort();
    const users = createUsersClient({ target: `127.0.0.1:${port}`, retry: false });
    onTestFinished(() => users.close());
    const unary = await users.getUser({ id: "u1" }).catch((e: unknown) => e);
    const stream = await (async () => {
      for await (const _ of users.streamUsers({})) {
      }
    })().catch((e: unknown) => e);
    for (const error of [unary, stream]) {
      expect(error).toBeInstanceOf(CallError);
      expect((error as CallError).code).toBe(Status.UNAVAILABLE);
      expect((error as CallError).details).toContain("ECONNREFUSED");
      expect((error as CallError).details).not.toContain("Resolution note");
      expect((error as CallError).message).not.toContain("Resolution note");
    }
  });

  it("keeps a resolution note that says something", () => {
    expect(tidyStatusMessage("No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ")).toBe(
      "No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1",
    );
    expect(tidyStatusMessage("No addresses resolved. Resolution note: DNS answered no A record")).toBe(
      "No addresses resolved. Resolution note: DNS answered no A record",
    );
    expect(tidyStatusMessage("user u1 not found")).toBe("user u1 not found");
  });
});
