// The fixtures of fixtures.ts as protobuf-es messages (for connect-node and the serialisation
// benchmark). fixtures.test.ts checks that both encode to the same bytes.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { User as TsProtoUser } from "@org/api/org/users/v1";
import {
  GetUserResponseSchema,
  StreamUsersResponseSchema,
  type User,
  User_AddressSchema,
  UserSchema,
} from "../gen-es/org/users/v1/users_pb.js";
import { realisticUser, smallUser } from "./fixtures.js";

/** Converts a ts-proto User into the equal protobuf-es message. */
export function toEsUser(user: TsProtoUser): User {
  return create(UserSchema, {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role as number,
    address: user.address === undefined ? undefined : create(User_AddressSchema, user.address),
    tags: [...user.tags],
    labels: { ...user.labels },
    createTime: user.createTime === undefined ? undefined : timestampFromDate(user.createTime),
    updateTime: user.updateTime === undefined ? undefined : timestampFromDate(user.updateTime),
    etag: user.etag,
    loginCount: user.loginCount,
  });
}

export const esSmallUser = toEsUser(smallUser);
export const esRealisticUser = toEsUser(realisticUser);
export const esUnaryResponse = create(GetUserResponseSchema, { user: esSmallUser });
export const esStreamResponse = create(StreamUsersResponseSchema, { user: esSmallUser });
