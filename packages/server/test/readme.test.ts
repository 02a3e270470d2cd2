import { readFileSync } from "node:fs";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { createChannel } from "nice-grpc";
import { Status } from "nice-grpc-common";
import { describe, expect, it } from "vitest";
import { BUILT_IN_MIDDLEWARE_ORDER, SERVER_ENV_VARS } from "../src/index.js";
import { clientFactory, rejection } from "./helpers.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const example = readFileSync(new URL("./fixtures/readme-example.ts", import.meta.url), "utf8");

describe("README", () => {
  it("shows the tested example verbatim", () => {
    expect(readme).toContain(example.trim());
  });

  it("the example runs: serves, answers errors with codes, leaves out methods as UNIMPLEMENTED", async () => {
    process.env.GRPC_LISTEN = "127.0.0.1:0";
    process.env.LOG_LEVEL = "silent";
    const { server, port } = await import("./fixtures/readme-example.js");
    const channel = createChannel(`127.0.0.1:${port}`);
    try {
      const client = clientFactory.create(UsersServiceDefinition, channel);
      const { user } = await client.createUser({ user: { name: "Ada" } });
      expect((await client.getUser({ id: user!.id })).user?.name).toBe("Ada");
      expect((await rejection(() => client.getUser({ id: "nope" }))).code).toBe(Status.NOT_FOUND);
      expect((await rejection(() => client.createUser({ user: {} }))).code).toBe(Status.INVALID_ARGUMENT);
      expect((await rejection(() => client.deleteUser({ id: "1" }))).code).toBe(Status.UNIMPLEMENTED);
    } finally {
      channel.close();
      await server.shutdown();
      delete process.env.GRPC_LISTEN;
      delete process.env.LOG_LEVEL;
    }
  });

  it("documents every built-in middleware step and every environment variable", () => {
    for (const step of BUILT_IN_MIDDLEWARE_ORDER) expect(readme).toContain(`\`${step}\``);
    for (const name of SERVER_ENV_VARS) expect(readme).toContain(`\`${name}\``);
  });
});
