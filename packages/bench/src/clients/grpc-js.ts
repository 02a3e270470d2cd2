// Bare @grpc/grpc-js client with the ts-proto (de)serialisers: the client baseline.
import { credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import { type GetUserResponse, UsersServiceDefinition } from "@org/api/org/users/v1";
import { smallUser, unaryRequest } from "../internal/fixtures.js";
import { toGrpcJsService } from "../internal/grpc-js-service.js";
import type { Caller } from "./caller.js";

type GetUser = (request: unknown, callback: (err: ServiceError | null, response?: GetUserResponse) => void) => void;

export async function grpcJsCaller(port: number): Promise<Caller> {
  const Client = makeGenericClientConstructor(toGrpcJsService(UsersServiceDefinition), "UsersService");
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  const getUser = (client as unknown as { getUser: GetUser }).getUser.bind(client);
  return {
    call: () =>
      new Promise<boolean>((resolve) =>
        getUser(unaryRequest, (err, response) => resolve(err === null && response?.user?.id === smallUser.id)),
      ),
    close: () => client.close(),
  };
}
