// The client side of the standard interop cases, written from grpc/grpc's
// doc/interop-test-descriptions.md, on @org/client. Each case throws an Error saying what differed.
//
// What @org/client cannot observe or control, and how the cases deal with it:
// - the compressed flag of one message: it compresses whole calls (a channel with
//   grpc.default_compression_algorithm), and cannot see whether a response arrived compressed, so
//   server_compressed_* check the payloads only and client_compressed_* compress every message of
//   the compressed call;
// - a call cancelled through its AbortSignal ends with an AbortError on the client (nice-grpc's
//   way of saying the client cancelled), which stands for CANCELLED here.
import { CallError, createClient, Metadata, type OrgClient, Status } from "@org/client";
import { createWebClient } from "@org/client-web";
import type { StreamingInputCallRequest, StreamingOutputCallRequest } from "./gen/grpc/testing/messages.js";
import { type DeepPartial, TestServiceDefinition, UnimplementedServiceDefinition } from "./gen/grpc/testing/test.js";
import { ECHO_INITIAL, ECHO_TRAILING } from "./test-service.js";

/** Where the cases connect and how. */
export interface InteropTarget {
  /** Server host. */
  host: string;
  /** Server port. */
  port: number;
  /**
   * TLS with `ca` as the only root; plaintext when undefined. Over gRPC-Web (fetch) the CA must be
   * trusted by the process (NODE_EXTRA_CA_CERTS) and the server name is the host's.
   */
  tls?: { ca: Uint8Array; serverNameOverride?: string | undefined } | undefined;
  /** `grpc` (HTTP/2, @org/client) by default, or `grpc-web` (fetch, @org/client-web). */
  protocol?: InteropProtocol | undefined;
}

export type InteropProtocol = "grpc" | "grpc-web";

export const CASES = [
  "empty_unary",
  "large_unary",
  "client_compressed_unary",
  "server_compressed_unary",
  "client_streaming",
  "client_compressed_streaming",
  "server_streaming",
  "server_compressed_streaming",
  "ping_pong",
  "empty_stream",
  "timeout_on_sleeping_server",
  "cancel_after_begin",
  "cancel_after_first_response",
  "custom_metadata",
  "status_code_and_message",
  "special_status_message",
  "unimplemented_method",
  "unimplemented_service",
] as const;
export type CaseName = (typeof CASES)[number];

/**
 * The cases gRPC-Web can carry: unary and server-streaming calls (a browser cannot stream a
 * request). custom_metadata and status_code_and_message run their UnaryCall half only there; their
 * FullDuplexCall half needs request streaming.
 */
export const WEB_CASES = [
  "empty_unary",
  "large_unary",
  "server_compressed_unary",
  "server_streaming",
  "server_compressed_streaming",
  "custom_metadata",
  "status_code_and_message",
  "special_status_message",
  "unimplemented_method",
  "unimplemented_service",
] as const satisfies readonly CaseName[];

const GZIP = 2; // grpc-js's compression algorithm number for gzip

interface Clients {
  test: OrgClient<typeof TestServiceDefinition>;
  compressed: OrgClient<typeof TestServiceDefinition>;
  unimplemented: OrgClient<typeof UnimplementedServiceDefinition>;
  /** gRPC-Web: only the unary and server-streaming methods exist. */
  web: boolean;
  close(): void;
}

function connectWeb(target: InteropTarget): Clients {
  const options = {
    baseUrl: `${target.tls ? "https" : "http"}://${target.host}:${target.port}`,
    retry: false as const,
    tracing: false as const,
    deadlineMs: 30_000,
    streamDeadlineMs: 30_000,
  };
  // The web client's type leaves out request-streaming methods; the cases that would call them are
  // not in WEB_CASES, and runCase refuses them before any call.
  const test = createWebClient(TestServiceDefinition, options) as unknown as OrgClient<typeof TestServiceDefinition>;
  return {
    test,
    compressed: test,
    unimplemented: createWebClient(UnimplementedServiceDefinition, options) as unknown as OrgClient<typeof UnimplementedServiceDefinition>,
    web: true,
    close() {},
  };
}

function connect(target: InteropTarget): Clients {
  if (target.protocol === "grpc-web") return connectWeb(target);
  const base = {
    target: `${target.host}:${target.port}`,
    ...(target.tls
      ? { tls: { ca: target.tls.ca, ...(target.tls.serverNameOverride ? { serverName: target.tls.serverNameOverride } : {}) } }
      : { insecure: true }),
    retry: false as const,
    tracing: false,
    deadlineMs: 30_000,
    streamDeadlineMs: 30_000,
  };
  const clients = {
    test: createClient(TestServiceDefinition, base),
    compressed: createClient(TestServiceDefinition, { ...base, channelOptions: { "grpc.default_compression_algorithm": GZIP } }),
    unimplemented: createClient(UnimplementedServiceDefinition, base),
  };
  return {
    ...clients,
    web: false,
    close() {
      clients.test.close();
      clients.compressed.close();
      clients.unimplemented.close();
    },
  };
}

/** Runs one case against a fresh set of channels; resolves when it passed, rejects saying why not. */
export async function runCase(name: CaseName, target: InteropTarget): Promise<void> {
  if (target.protocol === "grpc-web" && !(WEB_CASES as readonly string[]).includes(name)) {
    throw new Error(`${name} needs request streaming, which gRPC-Web cannot carry; web cases: ${WEB_CASES.join(", ")}`);
  }
  const clients = connect(target);
  try {
    await cases[name](clients);
  } finally {
    clients.close();
  }
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const zeros = (size: number) => ({ type: 0, body: Buffer.alloc(size) });

function checkPayload(payload: { body: Uint8Array } | undefined, size: number, what: string): void {
  check(payload !== undefined, `${what}: no payload`);
  check(payload.body.length === size, `${what}: payload of ${payload.body.length} bytes, expected ${size}`);
  check(
    payload.body.every((b) => b === 0),
    `${what}: payload bytes are not all zero`,
  );
}

async function expectStatus(call: () => Promise<unknown>, code: Status, message?: string): Promise<CallError> {
  let error: unknown;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  check(error !== undefined, `expected status ${Status[code]}, the call succeeded`);
  check(error instanceof CallError, `expected status ${Status[code]}, got ${String(error)}`);
  check(error.code === code, `expected status ${Status[code]}, got ${Status[error.code]}: ${error.details}`);
  if (message !== undefined) {
    check(error.details === message, `expected message ${JSON.stringify(message)}, got ${JSON.stringify(error.details)}`);
  }
  return error;
}

async function expectCancelled(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (error instanceof Error && error.name === "AbortError") return;
    if (error instanceof CallError && error.code === Status.CANCELLED) return;
    throw new Error(`expected the call to end cancelled, got ${String(error)}`);
  }
  throw new Error("expected the call to end cancelled, it succeeded");
}

/** An async queue the client streams from: push, end, or stay open until aborted. */
function requestQueue<T>() {
  const items: T[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  return {
    push(item: T) {
      items.push(item);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = items.shift();
        if (next !== undefined) yield next;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

const PING_PONG = [
  [31415, 27182],
  [9, 8],
  [2653, 1828],
  [58979, 45904],
] as const;

const cases: Record<CaseName, (c: Clients) => Promise<void>> = {
  async empty_unary({ test }) {
    const response = await test.emptyCall({});
    check(Object.keys(response).length === 0, `expected an empty response, got ${JSON.stringify(response)}`);
  },

  async large_unary({ test }) {
    const response = await test.unaryCall({ responseSize: 314159, payload: zeros(271828) });
    checkPayload(response.payload, 314159, "response");
  },

  async client_compressed_unary({ test, compressed }) {
    // The probe: an uncompressed request that claims to be compressed must be refused.
    await expectStatus(
      () => test.unaryCall({ expectCompressed: { value: true }, responseSize: 314159, payload: zeros(271828) }),
      Status.INVALID_ARGUMENT,
    ).catch((error: Error) => {
      throw new Error(`probe (uncompressed request with expect_compressed=true): ${error.message}`);
    });
    const sent = await compressed.unaryCall({ expectCompressed: { value: true }, responseSize: 314159, payload: zeros(271828) });
    checkPayload(sent.payload, 314159, "compressed request's response");
    const plain = await test.unaryCall({ expectCompressed: { value: false }, responseSize: 314159, payload: zeros(271828) });
    checkPayload(plain.payload, 314159, "uncompressed request's response");
  },

  async server_compressed_unary({ test }) {
    for (const value of [true, false]) {
      const response = await test.unaryCall({ responseCompressed: { value }, responseSize: 314159, payload: zeros(271828) });
      checkPayload(response.payload, 314159, `response_compressed=${value}`);
    }
  },

  async client_streaming({ test }) {
    async function* requests(): AsyncGenerator<DeepPartial<StreamingInputCallRequest>> {
      for (const size of [27182, 8, 1828, 45904]) yield { payload: zeros(size) };
    }
    const response = await test.streamingInputCall(requests());
    check(response.aggregatedPayloadSize === 74922, `aggregated_payload_size ${response.aggregatedPayloadSize}, expected 74922`);
  },

  async client_compressed_streaming({ test, compressed }) {
    async function* probe(): AsyncGenerator<DeepPartial<StreamingInputCallRequest>> {
      yield { expectCompressed: { value: true }, payload: zeros(27182) };
    }
    await expectStatus(() => test.streamingInputCall(probe()), Status.INVALID_ARGUMENT).catch((error: Error) => {
      throw new Error(`probe (uncompressed request with expect_compressed=true): ${error.message}`);
    });
    async function* requests(): AsyncGenerator<DeepPartial<StreamingInputCallRequest>> {
      yield { expectCompressed: { value: true }, payload: zeros(27182) };
      // @org/client compresses every message of a call; the spec's second message is uncompressed.
      yield { expectCompressed: { value: true }, payload: zeros(45904) };
    }
    const response = await compressed.streamingInputCall(requests());
    check(response.aggregatedPayloadSize === 73086, `aggregated_payload_size ${response.aggregatedPayloadSize}, expected 73086`);
  },

  async server_streaming({ test }) {
    const sizes = [31415, 9, 2653, 58979];
    let i = 0;
    for await (const response of test.streamingOutputCall({ responseParameters: sizes.map((size) => ({ size })) })) {
      check(i < sizes.length, `more than ${sizes.length} responses`);
      checkPayload(response.payload, sizes[i] ?? -1, `response ${i}`);
      i++;
    }
    check(i === sizes.length, `${i} responses, expected ${sizes.length}`);
  },

  async server_compressed_streaming({ test }) {
    const parameters = [
      { compressed: { value: true }, size: 31415 },
      { compressed: { value: false }, size: 92653 },
    ];
    let i = 0;
    for await (const response of test.streamingOutputCall({ responseParameters: parameters })) {
      check(i < parameters.length, `more than ${parameters.length} responses`);
      checkPayload(response.payload, parameters[i]?.size ?? -1, `response ${i}`);
      i++;
    }
    check(i === parameters.length, `${i} responses, expected ${parameters.length}`);
  },

  async ping_pong({ test }) {
    const requests = requestQueue<DeepPartial<StreamingOutputCallRequest>>();
    const responses = test.fullDuplexCall(requests)[Symbol.asyncIterator]();
    for (const [i, [responseSize, payloadSize]] of PING_PONG.entries()) {
      requests.push({ responseParameters: [{ size: responseSize }], payload: zeros(payloadSize) });
      const next = await responses.next();
      check(!next.done, `the stream ended before response ${i}`);
      checkPayload(next.value.payload, responseSize, `response ${i}`);
    }
    requests.end();
    const last = await responses.next();
    check(last.done === true, "a response after the last ping");
  },

  async empty_stream({ test }) {
    let count = 0;
    for await (const _ of test.fullDuplexCall((async function* () {})())) count++;
    check(count === 0, `${count} responses to an empty stream`);
  },

  async timeout_on_sleeping_server({ test }) {
    const requests = requestQueue<DeepPartial<StreamingOutputCallRequest>>();
    requests.push({ payload: zeros(27182) });
    await expectStatus(async () => {
      for await (const _ of test.fullDuplexCall(requests, { deadlineMs: 1 })) {
        // no response is expected before the deadline
      }
    }, Status.DEADLINE_EXCEEDED);
  },

  async cancel_after_begin({ test }) {
    const controller = new AbortController();
    const requests = requestQueue<DeepPartial<StreamingInputCallRequest>>();
    const call = test.streamingInputCall(requests, { signal: controller.signal });
    controller.abort();
    await expectCancelled(() => call);
  },

  async cancel_after_first_response({ test }) {
    const controller = new AbortController();
    const requests = requestQueue<DeepPartial<StreamingOutputCallRequest>>();
    const responses = test.fullDuplexCall(requests, { signal: controller.signal })[Symbol.asyncIterator]();
    requests.push({ responseParameters: [{ size: 31415 }], payload: zeros(27182) });
    const first = await responses.next();
    check(!first.done, "the stream ended before the first response");
    checkPayload(first.value.payload, 31415, "first response");
    controller.abort();
    await expectCancelled(() => responses.next());
  },

  async custom_metadata({ test, web }) {
    const initial = "test_initial_metadata_value";
    const trailing = new Uint8Array([0xab, 0xab, 0xab]);
    const metadata = () => Metadata({ [ECHO_INITIAL]: initial, [ECHO_TRAILING]: trailing });
    const checkEcho = (header: Metadata | undefined, trailer: Metadata | undefined, what: string) => {
      check(
        header?.get(ECHO_INITIAL) === initial,
        `${what}: initial metadata ${ECHO_INITIAL}=${JSON.stringify(header?.get(ECHO_INITIAL))}`,
      );
      const echoed = trailer?.get(ECHO_TRAILING);
      check(
        echoed !== undefined && Buffer.from(echoed).equals(Buffer.from(trailing)),
        `${what}: trailing metadata ${ECHO_TRAILING}=${echoed === undefined ? "missing" : Buffer.from(echoed).toString("hex")}`,
      );
    };

    let header: Metadata | undefined;
    let trailer: Metadata | undefined;
    const unary = await test.unaryCall(
      { responseSize: 314159, payload: zeros(271828) },
      { metadata: metadata(), onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) },
    );
    checkPayload(unary.payload, 314159, "UnaryCall response");
    checkEcho(header, trailer, "UnaryCall");
    if (web) return;

    header = undefined;
    trailer = undefined;
    async function* one(): AsyncGenerator<DeepPartial<StreamingOutputCallRequest>> {
      yield { responseParameters: [{ size: 314159 }], payload: zeros(271828) };
    }
    let count = 0;
    for await (const response of test.fullDuplexCall(one(), {
      metadata: metadata(),
      onHeader: (h) => (header = h),
      onTrailer: (t) => (trailer = t),
    })) {
      checkPayload(response.payload, 314159, "FullDuplexCall response");
      count++;
    }
    check(count === 1, `FullDuplexCall: ${count} responses, expected 1`);
    checkEcho(header, trailer, "FullDuplexCall");
  },

  async status_code_and_message({ test, web }) {
    const responseStatus = { code: 2, message: "test status message" };
    await expectStatus(() => test.unaryCall({ responseStatus }), Status.UNKNOWN, responseStatus.message);
    if (web) return;
    async function* one(): AsyncGenerator<DeepPartial<StreamingOutputCallRequest>> {
      yield { responseStatus };
    }
    await expectStatus(
      async () => {
        for await (const _ of test.fullDuplexCall(one())) {
          // the status ends the call before any response
        }
      },
      Status.UNKNOWN,
      responseStatus.message,
    );
  },

  async special_status_message({ test }) {
    const message = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";
    await expectStatus(() => test.unaryCall({ responseStatus: { code: 2, message } }), Status.UNKNOWN, message);
  },

  async unimplemented_method({ test }) {
    await expectStatus(() => test.unimplementedCall({}), Status.UNIMPLEMENTED);
  },

  async unimplemented_service({ unimplemented }) {
    await expectStatus(() => unimplemented.unimplementedCall({}), Status.UNIMPLEMENTED);
  },
};
