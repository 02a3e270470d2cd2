import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { ServerReflection, ServerReflectionService } from "nice-grpc-server-reflection";

/** `grpc.reflection.v1alpha`: same messages as v1, only the service name differs. */
export const ServerReflectionV1AlphaService = {
  serverReflectionInfo: {
    ...ServerReflectionService.serverReflectionInfo,
    path: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
  },
} as unknown as typeof ServerReflectionService;

/** Full names of the services described by a FileDescriptorSet. */
export function describedServices(descriptorSet: Uint8Array): Set<string> {
  const set = fromBinary(FileDescriptorSetSchema, descriptorSet);
  const names = new Set<string>();
  for (const file of set.file) {
    for (const service of file.service) names.add(file.package ? `${file.package}.${service.name}` : service.name);
  }
  return names;
}

/** Both reflection services for the given descriptor set, listing `services`. */
export function reflectionServices(descriptorSet: Uint8Array, services: readonly string[]) {
  const described = describedServices(descriptorSet);
  const listed = [
    ...services.filter((s) => described.has(s)),
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
  ];
  const implementation = ServerReflection(descriptorSet, listed);
  return [
    { definition: ServerReflectionService, implementation },
    { definition: ServerReflectionV1AlphaService, implementation },
  ] as const;
}
