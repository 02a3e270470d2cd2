/*
 * The server span of a call, as nice-grpc-opentelemetry's server middleware makes it (same name,
 * kind, attributes, events and status), without its per-call cost: no async generator bound to
 * the context at every step, no per-call attribute objects (built once per method and peer),
 * the W3C context read straight from the request metadata. The tracing step of core.ts runs the
 * rest of the call inside `context.with(span context)`.
 */
import { isIP } from "node:net";
import {
  type Attributes,
  type Context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from "@opentelemetry/api";
import { isAbortError } from "abort-controller-x";
import { ServerError, Status } from "nice-grpc-common";
import type { RequestMetadata as GrpcMetadata } from "../transport/metadata.js";
import { statusNames } from "./status-names.js";

/** Reads W3C (or any configured propagator's) fields from the request metadata. */
const grpcMetadataGetter: TextMapGetter<GrpcMetadata> = {
  get(carrier, key) {
    // As nice-grpc's Metadata.get: the first value, repeated string values joined with ", ".
    const values = carrier.get(key);
    if (values.length === 0) return undefined;
    return typeof values[0] === "string" ? values.join(", ") : undefined;
  },
  keys(carrier) {
    return Object.keys(carrier.getMap());
  },
};

/** `net.peer.*` attributes of a peer string (`ip:port`), as nice-grpc-opentelemetry sets them. */
export function peerAttributes(peer: string): Attributes {
  const colon = peer.lastIndexOf(":");
  if (colon === -1) return { "net.peer.name": peer };
  const host = peer.slice(0, colon);
  const port = +peer.slice(colon + 1);
  if (Number.isNaN(port)) return { "net.peer.name": peer };
  if (isIP(host) !== 0) return { "net.peer.ip": host, "net.peer.port": port };
  return { "net.peer.name": host, "net.peer.port": port };
}

const statusAttributes: Attributes[] = statusNames.map((name, code) => ({ "rpc.grpc.status_code": code, "rpc.grpc.status_text": name }));

/** Attribute sets kept per method, by peer (a client keeps its address for a connection's life). */
const MAX_PEERS_PER_METHOD = 1024;

/** Tracing of one method. */
export class MethodTracing {
  readonly spanName: string;
  private readonly methodAttributes: Attributes;
  private readonly byPeer = new Map<string, Attributes>();

  constructor(path: string) {
    const [, service = "", method = ""] = path.split("/");
    this.spanName = path.slice(1);
    this.methodAttributes = { "rpc.system": "grpc", "rpc.service": service, "rpc.method": method };
  }

  private attributes(peer: string): Attributes {
    let attributes = this.byPeer.get(peer);
    if (attributes === undefined) {
      if (this.byPeer.size >= MAX_PEERS_PER_METHOD) this.byPeer.clear();
      attributes = { ...this.methodAttributes, ...peerAttributes(peer) };
      this.byPeer.set(peer, attributes);
    }
    return attributes;
  }

  /** Starts the call's SERVER span, continuing the trace in the request metadata. */
  start(metadata: GrpcMetadata | undefined, peer: string): { span: Span; context: Context } {
    const parent = metadata === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, metadata, grpcMetadataGetter);
    const span = tracer.startSpan(this.spanName, { kind: SpanKind.SERVER, attributes: this.attributes(peer) }, parent);
    return { span, context: trace.setSpan(parent, span) };
  }
}

const tracer = trace.getTracer("@org/server");

/** A `message` event per request or response message of a stream. */
export function messageEvent(span: Span, type: "SENT" | "RECEIVED", id: number): void {
  span.addEvent("message", { "message.type": type, "message.id": id });
}

/** Request messages of a traced stream, with a RECEIVED event each. */
export async function* receivedEvents<T>(requests: AsyncIterable<T>, span: Span): AsyncGenerator<T> {
  let id = 0;
  for await (const request of requests) {
    messageEvent(span, "RECEIVED", ++id);
    yield request;
  }
}

/** Ends the span with the call's outcome: `error` is what the client will see (or undefined for OK). */
export function endSpan(span: Span, error: unknown, failed: boolean): void {
  let code: number = Status.OK;
  let message = "";
  if (failed) {
    if (error instanceof ServerError) {
      code = error.code;
      message = error.details;
    } else if (isAbortError(error)) {
      code = Status.CANCELLED;
      message = "The operation was cancelled";
    } else {
      code = Status.UNKNOWN;
      message = "Unknown server error occurred";
      span.recordException(error as Error);
    }
  }
  span.setAttributes(statusAttributes[code] ?? { "rpc.grpc.status_code": code });
  if (code !== Status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: `${statusNames[code] ?? code}: ${message}` });
  span.end();
}
