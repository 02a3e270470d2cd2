// The web flavour (`@org/api/web/...`, src/gen-web): the same messages and service definitions as the
// full flavour, wire-compatible both ways, without the JSON methods a browser bundle does not need.
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

  it("defines the same service: paths, streaming flags, idempotency levels", () => {
    const shape = (definition: typeof full.UsersServiceDefinition | typeof web.UsersServiceDefinition) =>
      Object.entries(definition.methods).map(([key, m]) => [key, m.name, m.requestStream, m.responseStream, m.options]);
    expect(web.UsersServiceDefinition.fullName).toBe("org.users.v1.UsersService");
    expect(shape(web.UsersServiceDefinition)).toEqual(shape(full.UsersServiceDefinition));
    expect(web.UsersServiceDefinition.methods.getUser.options).toEqual({ idempotencyLevel: "NO_SIDE_EFFECTS" });
    expect(web.UsersServiceDefinition.methods.createUser.options).toEqual({ idempotencyLevel: "IDEMPOTENT" });
    expect(web.UsersServiceDefinition.methods.listUsers.requestType).toBe(web.ListUsersRequest);
    expect(web.UsersServiceDefinition.methods.listUsers.responseType).toBe(web.ListUsersResponse);
  });
});
