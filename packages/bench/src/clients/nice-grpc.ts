// Bare nice-grpc client: no middleware.
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { createChannel, createClient } from "nice-grpc";
import { smallUser, unaryRequest } from "../internal/fixtures.js";
import type { Caller } from "./caller.js";

export async function niceGrpcCaller(port: number): Promise<Caller> {
  const channel = createChannel(`127.0.0.1:${port}`);
  const client = createClient(UsersServiceDefinition, channel);
  return {
    call: () =>
      client.getUser(unaryRequest).then(
        (r) => r.user?.id === smallUser.id,
        () => false,
      ),
    close: () => channel.close(),
  };
}
