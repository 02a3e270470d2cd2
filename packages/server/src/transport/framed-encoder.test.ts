import { GetUserResponse, User } from "@org/api/org/users/v1";
import { describe, expect, it } from "vitest";
import { framedEncoder } from "./framed-encoder.js";
import { encodeMessage } from "./framing.js";

/** What the usual path sends: fromPartial, encode, finish, then a prefix in front. */
const usual = (message: Parameters<typeof User.fromPartial>[0]) => encodeMessage(User.encode(User.fromPartial(message)).finish());

describe("framedEncoder", () => {
  const frame = framedEncoder(User)!;

  it("writes the same bytes as encoding then framing, for message after message", () => {
    expect(frame).toBeTypeOf("function");
    const users = [
      { id: "u1", name: "Ada", email: "ada@example.com", tags: ["a", "b"], labels: { team: "core" }, loginCount: 7n },
      {},
      { id: "u2", name: "Ünïcödé 😈", address: { city: "Paris" }, createTime: new Date(1_700_000_000_123) },
    ];
    for (const user of users) expect(frame(user)).toEqual(usual(user));
  });

  it("fills what the handler left out, as nice-grpc does (fromPartial)", () => {
    expect(frame({ name: "only a name" })).toEqual(usual({ name: "only a name" }));
  });

  it("forgets a message whose encoding failed: the next frame is whole", () => {
    const throwing = {
      get name(): string {
        throw new Error("a getter that throws");
      },
    };
    expect(() => frame(throwing)).toThrow("a getter that throws");
    expect(frame({ id: "after" })).toEqual(usual({ id: "after" }));
  });

  it("frames a message larger than the writer keeps, then small ones again", () => {
    const big = { id: "big", tags: Array.from({ length: 20_000 }, (_, i) => `tag-${i}`) };
    const bigFrame = frame(big);
    expect(bigFrame.readUInt32BE(1)).toBe(bigFrame.length - 5);
    expect(bigFrame).toEqual(usual(big));
    expect(frame({ id: "small" })).toEqual(usual({ id: "small" }));
  });

  it("frames for another type with the same writer", () => {
    const other = framedEncoder(GetUserResponse)!;
    const message = { user: { id: "u", name: "Grace" } };
    expect(other(message)).toEqual(encodeMessage(GetUserResponse.encode(GetUserResponse.fromPartial(message)).finish()));
  });

  it("leaves types that do not write with @bufbuild/protobuf's BinaryWriter to the usual path", () => {
    const protobufjsLike = { encode: () => ({ finish: () => new Uint8Array() }), decode: () => ({}) };
    expect(framedEncoder(protobufjsLike)).toBeUndefined();
    expect(framedEncoder(undefined)).toBeUndefined();
  });
});
