import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { type Channel, createClient } from "nice-grpc";
import { Status } from "nice-grpc-common";
import { ServerReflectionService } from "nice-grpc-server-reflection";
import { ServerReflectionRequest } from "nice-grpc-server-reflection/lib/proto/grpc/reflection/v1/reflection_pb.js";
import { afterEach, describe, expect, it } from "vitest";
import { ServerReflectionV1AlphaService } from "../src/reflection.js";
import { rejection, startServer } from "./helpers.js";

async function ask(channel: Channel, definition: typeof ServerReflectionService, requests: ServerReflectionRequest[]) {
  const client = createClient(definition, channel);
  async function* send() {
    yield* requests;
  }
  const responses = [];
  for await (const response of client.serverReflectionInfo(send())) responses.push(response);
  return responses;
}

const listServices = () => new ServerReflectionRequest().setListServices("*");

describe("reflection", () => {
  const nodeEnv = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = nodeEnv;
  });

  it("serves v1 and v1alpha by default: list services and the file containing a symbol", async () => {
    const t = await startServer();
    for (const definition of [ServerReflectionService, ServerReflectionV1AlphaService]) {
      const [list, file] = await ask(t.channel, definition, [
        listServices(),
        new ServerReflectionRequest().setFileContainingSymbol("org.users.v1.UsersService"),
      ]);
      const names = list!
        .getListServicesResponse()!
        .getServiceList()
        .map((s) => s.getName());
      expect(names).toContain("org.users.v1.UsersService");
      expect(names).toContain("grpc.reflection.v1alpha.ServerReflection");
      const [bytes] = file!.getFileDescriptorResponse()!.getFileDescriptorProtoList_asU8();
      const proto = fromBinary(FileDescriptorProtoSchema, bytes!);
      expect(proto.name).toBe("org/users/v1/users.proto");
      expect(proto.service.map((s) => s.name)).toEqual(["UsersService"]);
    }
  });

  it("is exempt from auth by default", async () => {
    const t = await startServer({ auth: { verify: () => undefined } });
    const [list] = await ask(t.channel, ServerReflectionService, [listServices()]);
    expect(list!.getListServicesResponse()!.getServiceList().length).toBeGreaterThan(0);
  });

  it("is off when NODE_ENV=production", async () => {
    process.env.NODE_ENV = "production";
    const t = await startServer();
    const err = await rejection(() => ask(t.channel, ServerReflectionService, [listServices()]));
    expect(err.code).toBe(Status.UNIMPLEMENTED);
  });

  it("can be enabled explicitly in production", async () => {
    process.env.NODE_ENV = "production";
    const t = await startServer({ reflection: true });
    const [list] = await ask(t.channel, ServerReflectionService, [listServices()]);
    expect(
      list!
        .getListServicesResponse()!
        .getServiceList()
        .map((s) => s.getName()),
    ).toContain("org.users.v1.UsersService");
  });

  it("can be disabled explicitly", async () => {
    const t = await startServer({ reflection: false });
    const err = await rejection(() => ask(t.channel, ServerReflectionV1AlphaService, [listServices()]));
    expect(err.code).toBe(Status.UNIMPLEMENTED);
  });
});
