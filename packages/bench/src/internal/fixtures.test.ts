import { toBinary } from "@bufbuild/protobuf";
import { GetUserResponse, User } from "@org/api/org/users/v1";
import { describe, expect, it } from "vitest";
import { GetUserResponseSchema, UserSchema } from "../gen-es/org/users/v1/users_pb.js";
import { fixtureSizes, realisticUser, unaryResponse } from "./fixtures.js";
import { esRealisticUser, esUnaryResponse } from "./fixtures-es.js";
import { requestedCount, streamRequestQuery } from "./workload.js";

describe("fixtures", () => {
  it("moves 98-byte messages in the unary benchmarks, as the issue measured", () => {
    expect(fixtureSizes()).toEqual({ requestBytes: 98, responseBytes: 98 });
  });

  it("gives ts-proto and protobuf-es the same messages to encode", () => {
    expect(Buffer.from(toBinary(UserSchema, esRealisticUser))).toEqual(Buffer.from(User.encode(realisticUser).finish()));
    expect(Buffer.from(toBinary(GetUserResponseSchema, esUnaryResponse))).toEqual(
      Buffer.from(GetUserResponse.encode(unaryResponse).finish()),
    );
  });

  it("fills every field kind of the realistic user", () => {
    const u = realisticUser;
    expect(u.address).toBeDefined();
    expect(u.tags.length).toBeGreaterThan(1);
    expect(Object.keys(u.labels).length).toBeGreaterThan(1);
    expect(u.createTime).toBeInstanceOf(Date);
    expect(u.loginCount).toBeGreaterThan(0n);
  });

  it("carries the server-stream length in the request query", () => {
    expect(requestedCount(streamRequestQuery(12_345))).toBe(12_345);
    expect(requestedCount("count=-1")).toBe(0);
    expect(requestedCount("other")).toBe(0);
    expect(requestedCount(undefined)).toBe(0);
  });
});
