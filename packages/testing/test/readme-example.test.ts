import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { isNotFound, Status } from "@org/client";
import { startTestServer } from "@org/testing";
import { ServerError } from "nice-grpc";
import { expect, it } from "vitest";

const ada = { id: "1", name: "Ada", email: "ada@example.org", role: 1, tags: [], labels: {}, etag: "e1", loginCount: 0n };

it("answers GetUser, and NOT_FOUND for an unknown id", async () => {
  // Server and client are closed when the block ends, even if an assertion throws.
  await using t = await startTestServer(
    UsersServiceDefinition,
    {
      async getUser({ id }) {
        if (id !== ada.id) throw new ServerError(Status.NOT_FOUND, `user ${id} not found`);
        return { user: ada };
      },
    },
    { clientOptions: { deadlineMs: 2_000 } },
  );

  const { user } = await t.client.getUser({ id: "1" });
  expect(user?.name).toBe("Ada");

  try {
    await t.client.getUser({ id: "2" });
    expect.unreachable("GetUser of an unknown id must fail");
  } catch (error) {
    if (!isNotFound(error)) throw error;
    expect(error.message).toContain("user 2 not found");
  }
});
