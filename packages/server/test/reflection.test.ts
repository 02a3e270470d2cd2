import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
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

const execFileAsync = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

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

describe("reflection describes what every server serves", () => {
  const fileContaining = async (channel: Channel, definition: typeof ServerReflectionService, symbol: string) => {
    const [response] = await ask(channel, definition, [new ServerReflectionRequest().setFileContainingSymbol(symbol)]);
    expect(response!.getErrorResponse()?.getErrorMessage()).toBeUndefined();
    return response!
      .getFileDescriptorResponse()!
      .getFileDescriptorProtoList_asU8()
      .map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
  };

  it("lists grpc.health.v1.Health and both reflection services, v1 and v1alpha", async () => {
    const t = await startServer();
    for (const definition of [ServerReflectionService, ServerReflectionV1AlphaService]) {
      const [list] = await ask(t.channel, definition, [listServices()]);
      const names = list!
        .getListServicesResponse()!
        .getServiceList()
        .map((s) => s.getName());
      expect(names).toEqual(
        expect.arrayContaining([
          "org.users.v1.UsersService",
          "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection",
        ]),
      );
    }
  });

  it("resolves health, reflection and google.rpc.BadRequest with their dependencies", async () => {
    const t = await startServer();
    for (const definition of [ServerReflectionService, ServerReflectionV1AlphaService]) {
      const health = await fileContaining(t.channel, definition, "grpc.health.v1.Health");
      expect(health.map((f) => f.name)).toContain("grpc/health/v1/health.proto");
      const v1 = await fileContaining(t.channel, definition, "grpc.reflection.v1.ServerReflection");
      expect(v1.map((f) => f.name)).toContain("grpc/reflection/v1/reflection.proto");
      const v1alpha = await fileContaining(t.channel, definition, "grpc.reflection.v1alpha.ServerReflection");
      expect(v1alpha.map((f) => f.name)).toContain("grpc/reflection/v1alpha/reflection.proto");
      const details = await fileContaining(t.channel, definition, "google.rpc.BadRequest");
      const file = details.find((f) => f.name === "google/rpc/error_details.proto");
      expect(file?.messageType.map((m) => m.name)).toContain("BadRequest");
      // Its dependencies resolve by name, so a tool can decode every detail (RetryInfo's duration).
      for (const dependency of file!.dependency) {
        const [byName] = await ask(t.channel, definition, [new ServerReflectionRequest().setFileByFilename(dependency)]);
        const [bytes] = byName!.getFileDescriptorResponse()!.getFileDescriptorProtoList_asU8();
        expect(fromBinary(FileDescriptorProtoSchema, bytes!).name).toBe(dependency);
      }
      expect(file!.dependency).toContain("google/protobuf/duration.proto");
      const status = await fileContaining(t.channel, definition, "google.rpc.Status");
      expect(status.map((f) => f.name)).toContain("google/rpc/status.proto");
    }
  });
});

describe("buf curl against the server's reflection", () => {
  const buf = join(repoRoot, "node_modules/.bin/buf");
  const curl = (...args: string[]) =>
    execFileAsync(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], { timeout: 60_000 }).then((r) => r.stdout);

  it("lists health, calls Health/Check and lists the reflection service's methods", async () => {
    const t = await startServer();
    const base = `http://${t.address}`;
    const services = await curl("--list-services", base);
    expect(services.split("\n")).toEqual(expect.arrayContaining(["grpc.health.v1.Health", "org.users.v1.UsersService"]));
    // Listing methods resolves every listed service's schema (it failed on reflection's own service).
    const methods = await curl("--list-methods", base);
    expect(methods.split("\n")).toEqual(
      expect.arrayContaining([
        "grpc.health.v1.Health/Check",
        "grpc.health.v1.Health/Watch",
        "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      ]),
    );
    const check = await curl("-d", '{"service": "org.users.v1.UsersService"}', `${base}/grpc.health.v1.Health/Check`);
    expect(JSON.parse(check)).toEqual({ status: "SERVING" });
  }, 120_000);
});
