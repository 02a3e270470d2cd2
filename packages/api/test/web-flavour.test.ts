// The web flavour (`@org/api/web/...`, src/gen-web): the same messages and service definitions as the
// full flavour, wire-compatible both ways, without the JSON methods a browser bundle does not need.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as full from "../src/org/users/v1/index.js";
import { FieldMask as WebFieldMask, Timestamp as WebTimestamp } from "../src/web/google/protobuf/index.js";
import * as web from "../src/web/org/users/v1/index.js";

const user = full.User.create({
  id: "u_1",
  name: "Ada Lovelace",
  email: "ada@example.org",
  role: full.Role.ROLE_ADMIN,
  address: { street: "1 Analytical Way", city: "London", postalCode: "N1", countryCode: "GB" },
  tags: ["math", ""],
  labels: { team: "core" },
  createTime: new Date("1815-12-10T00:00:00.123Z"),
  loginCount: 2n ** 60n + 7n,
});

describe("the web flavour of org.users.v1", () => {
  it("encodes the same bytes as the full flavour and decodes them back", () => {
    const fullBytes = full.User.encode(user).finish();
    expect(web.User.encode(web.User.fromPartial(user)).finish()).toEqual(fullBytes);
    expect(web.User.decode(fullBytes)).toEqual(user);
    const op = web.SyncUsersRequest.fromPartial({ operation: { $case: "delete", value: { id: "u_2" } } });
    expect(full.SyncUsersRequest.decode(web.SyncUsersRequest.encode(op).finish())).toEqual(op);
    expect(op.operation?.$case).toBe("delete");
    const mask = WebFieldMask.fromPartial({ paths: ["name", "address.city"] });
    expect(WebFieldMask.decode(WebFieldMask.encode(mask).finish())).toEqual(mask);
    expect(WebTimestamp.create()).toEqual({ seconds: 0n, nanos: 0 });
  });

  it("has no JSON methods, and keeps encode, decode, create and fromPartial", () => {
    for (const fns of [web.User, web.ListUsersRequest, web.ListUsersResponse, WebTimestamp, WebFieldMask]) {
      expect(Object.keys(fns)).toEqual(expect.arrayContaining(["create", "decode", "encode", "fromPartial"]));
      expect(Object.keys(fns)).not.toContain("fromJSON");
      expect(Object.keys(fns)).not.toContain("toJSON");
    }
    expect(Object.keys(full.User)).toEqual(expect.arrayContaining(["fromJSON", "toJSON"]));
    expect("roleToJSON" in web).toBe(false);
  });

  it("defines the same service but for the methods gRPC-Web cannot call: paths, streaming flags, idempotency levels", () => {
    const shape = (definition: typeof full.UsersServiceDefinition | typeof web.UsersServiceDefinition) =>
      Object.entries(definition.methods).map(([key, m]) => [key, m.name, m.requestStream, m.responseStream, m.options]);
    const callableFromBrowsers = shape(full.UsersServiceDefinition).filter(([, , requestStream]) => !requestStream);
    expect(web.UsersServiceDefinition.fullName).toBe("org.users.v1.UsersService");
    expect(shape(web.UsersServiceDefinition)).toEqual(callableFromBrowsers);
    expect(callableFromBrowsers.map(([key]) => key)).toContain("watchUsers");
    expect(Object.keys(full.UsersServiceDefinition.methods)).toEqual(expect.arrayContaining(["bulkCreateUsers", "syncUsers"]));
    expect(web.UsersServiceDefinition.methods.getUser.options).toEqual({ idempotencyLevel: "NO_SIDE_EFFECTS" });
    expect(web.UsersServiceDefinition.methods.createUser.options).toEqual({ idempotencyLevel: "IDEMPOTENT" });
    expect(web.UsersServiceDefinition.methods.listUsers.requestType).toBe(web.ListUsersRequest);
    expect(web.UsersServiceDefinition.methods.listUsers.responseType).toBe(web.ListUsersResponse);
  });

  it("leaves every streaming-request method of every service out (buf.gen.yaml's exclude_types lists them)", async () => {
    // A new client-streaming or bidi method must be added to the web plugin's exclude_types; this
    // walks every web module so that one forgotten there fails here, naming the method.
    const root = fileURLToPath(new URL("../src/gen-web/", import.meta.url));
    const files = readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const streamingRequests: string[] = [];
    let definitions = 0;
    for (const file of files) {
      const mod: Record<string, unknown> = await import(pathToFileURL(join(root, file)).href);
      for (const value of Object.values(mod)) {
        if (typeof value !== "object" || value === null || !("methods" in value) || !("fullName" in value)) continue;
        definitions++;
        for (const method of Object.values(value.methods as Record<string, { name: string; requestStream: boolean }>)) {
          if (method.requestStream) streamingRequests.push(`${String(value.fullName)}.${method.name}`);
        }
      }
    }
    expect(definitions).toBeGreaterThan(0);
    expect(streamingRequests).toEqual([]);
  });
});
