// Turns a ts-proto generic service definition into a @grpc/grpc-js one, with ts-proto
// encode/decode as the (de)serialisers — what a hand-written grpc-js service would do.
import type { ServiceDefinition as GrpcJsServiceDefinition, MethodDefinition } from "@grpc/grpc-js";

interface MessageFns {
  encode(message: any): { finish(): Uint8Array };
  decode(input: Uint8Array): any;
}

interface GenericMethod {
  name: string;
  requestType: MessageFns;
  requestStream: boolean;
  responseType: MessageFns;
  responseStream: boolean;
}

interface GenericService {
  fullName: string;
  methods: Record<string, GenericMethod>;
}

function serializer(type: MessageFns): (value: unknown) => Buffer {
  return (value) => {
    const bytes = type.encode(value).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

export function toGrpcJsService(definition: GenericService): GrpcJsServiceDefinition {
  const service: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    service[key] = {
      path: `/${definition.fullName}/${method.name}`,
      originalName: key,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      requestSerialize: serializer(method.requestType),
      requestDeserialize: (bytes: Buffer) => method.requestType.decode(bytes),
      responseSerialize: serializer(method.responseType),
      responseDeserialize: (bytes: Buffer) => method.responseType.decode(bytes),
    };
  }
  return service as GrpcJsServiceDefinition;
}
