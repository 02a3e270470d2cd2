// Hand-written (not generated): the one reader of service definitions that @org/server and
// @org/client share. nice-grpc accepts two shapes — ts-proto's `{ name, fullName, methods }` (what
// this package generates) and grpc-js's method map `{ key: { path, requestSerialize, … } }` — and
// both packages need the same normalised view of either, without depending on each other.

/** A ts-proto message type, as far as the normaliser uses it. */
export interface MessageType {
  encode(message: unknown): { finish(): Uint8Array };
  decode(input: Uint8Array): unknown;
  fromPartial?(object: unknown): unknown;
}

/** One method of a service definition of either shape. */
export interface NormalizedMethod {
  /** Key of the method in the definition (and in a service implementation). */
  readonly key: string;
  /** `/package.Service/Method`. */
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  /** Method options (ts-proto: `idempotencyLevel`, …); `{}` when the definition has none. */
  readonly options: Record<string, any>;
  /** The ts-proto request type, when the definition is a ts-proto one. */
  readonly requestType: MessageType | undefined;
  /** The ts-proto response type, when the definition is a ts-proto one. */
  readonly responseType: MessageType | undefined;
  requestSerialize(value: unknown): Uint8Array;
  requestDeserialize(bytes: Uint8Array): unknown;
  responseSerialize(value: unknown): Uint8Array;
  responseDeserialize(bytes: Uint8Array): unknown;
}

export interface NormalizedService {
  /** Full service name, `package.Service`. */
  readonly name: string;
  readonly methods: readonly NormalizedMethod[];
}

/** Whether `definition` is ts-proto's shape (`{ name, fullName, methods }`). */
export function isTsProtoDefinition(definition: unknown): definition is { name: string; fullName: string; methods: Record<string, any> } {
  const def = definition as Record<string, unknown> | null;
  return (
    typeof def === "object" && def !== null && typeof def.fullName === "string" && typeof def.methods === "object" && def.methods !== null
  );
}

function serializer(type: MessageType): (value: unknown) => Uint8Array {
  const { fromPartial } = type;
  // Like nice-grpc: fromPartial fills what the caller left out.
  return fromPartial !== undefined
    ? (value) => type.encode(fromPartial.call(type, value)).finish()
    : (value) => type.encode(value).finish();
}

/** The methods and name of a ts-proto or grpc-js service definition. */
export function normalizeServiceDefinition(definition: object): NormalizedService {
  if (isTsProtoDefinition(definition)) {
    const methods = Object.entries(definition.methods).map(([key, m]): NormalizedMethod => {
      const requestType = m.requestType as MessageType;
      const responseType = m.responseType as MessageType;
      return {
        key,
        path: `/${definition.fullName}/${m.name}`,
        requestStream: Boolean(m.requestStream),
        responseStream: Boolean(m.responseStream),
        options: m.options ?? {},
        requestType,
        responseType,
        requestSerialize: serializer(requestType),
        requestDeserialize: (bytes) => requestType.decode(bytes),
        responseSerialize: serializer(responseType),
        responseDeserialize: (bytes) => responseType.decode(bytes),
      };
    });
    return { name: definition.fullName, methods };
  }
  const methods = Object.entries(definition as Record<string, any>).map(
    ([key, m]): NormalizedMethod => ({
      key,
      path: String(m.path),
      requestStream: Boolean(m.requestStream),
      responseStream: Boolean(m.responseStream),
      options: m.options ?? {},
      requestType: undefined,
      responseType: undefined,
      requestSerialize: (value) => m.requestSerialize(value),
      requestDeserialize: (bytes) => m.requestDeserialize(bytes),
      responseSerialize: (value) => m.responseSerialize(value),
      responseDeserialize: (bytes) => m.responseDeserialize(bytes),
    }),
  );
  const first = methods[0];
  if (first === undefined) throw new Error("cannot tell the service name of an empty definition");
  return { name: first.path.slice(1, first.path.lastIndexOf("/")), methods };
}
