import { describe, expect, it } from "vitest";
import { GetUserRequest, UsersServiceDefinition } from "../src/org/users/v1/index.js";
import { isTsProtoDefinition, normalizeServiceDefinition } from "../src/service-definition.js";

describe("normalizeServiceDefinition", () => {
  it("reads a ts-proto definition: name, paths, streaming flags, options, codecs", () => {
    const service = normalizeServiceDefinition(UsersServiceDefinition);
    expect(isTsProtoDefinition(UsersServiceDefinition)).toBe(true);
    expect(service.name).toBe("org.users.v1.UsersService");
    const byKey = new Map(service.methods.map((m) => [m.key, m]));
    expect(byKey.get("getUser")).toMatchObject({ path: "/org.users.v1.UsersService/GetUser", requestStream: false, responseStream: false });
    expect(byKey.get("getUser")!.options.idempotencyLevel).toBe("NO_SIDE_EFFECTS");
    expect(byKey.get("bulkCreateUsers")).toMatchObject({ requestStream: true, responseStream: false });
    expect(byKey.get("syncUsers")).toMatchObject({ requestStream: true, responseStream: true });
    const getUser = byKey.get("getUser")!;
    // fromPartial fills what is left out, as nice-grpc does.
    expect(getUser.requestDeserialize(getUser.requestSerialize({ id: "u1" }))).toEqual(GetUserRequest.fromPartial({ id: "u1" }));
  });

  it("reads a grpc-js method map the same way", () => {
    const ts = normalizeServiceDefinition(UsersServiceDefinition).methods[0]!;
    const grpcJs = {
      [ts.key]: {
        path: ts.path,
        requestStream: ts.requestStream,
        responseStream: ts.responseStream,
        requestSerialize: (v: unknown) => Buffer.from(ts.requestSerialize(v)),
        requestDeserialize: (b: Buffer) => ts.requestDeserialize(b),
        responseSerialize: (v: unknown) => Buffer.from(ts.responseSerialize(v)),
        responseDeserialize: (b: Buffer) => ts.responseDeserialize(b),
      },
    };
    expect(isTsProtoDefinition(grpcJs)).toBe(false);
    const service = normalizeServiceDefinition(grpcJs);
    expect(service.name).toBe("org.users.v1.UsersService");
    expect(service.methods[0]).toMatchObject({ key: ts.key, path: ts.path, requestType: undefined, options: {} });
  });

  it("refuses an empty method map it cannot name", () => {
    expect(() => normalizeServiceDefinition({})).toThrow(/empty definition/);
  });
});
