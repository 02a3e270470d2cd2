// What every server configuration does per call, and the counters the harness reads to check
// success on the server side (h2load only sees HTTP 200; a gRPC error travels in the trailers).
import type { BulkCreateUsersResponse, StreamUsersResponse } from "@org/api/org/users/v1";
import { smallUser, unaryRequest } from "./fixtures.js";

/** Counters a server child reports to the harness. */
export interface WorkCounters {
  /** Unary GetUser calls answered with the expected user after reading the expected request. */
  unaryOk: number;
  /** Unary calls whose request was not the expected one. */
  unaryBadRequest: number;
  /** Messages written on server streams. */
  streamMessages: number;
  /** Server streams that wrote every requested message. */
  streamsCompleted: number;
  /** Messages read from client streams. */
  clientStreamMessages: number;
  /** Idle WatchUsers streams currently open. */
  openWatches: number;
}

export function newCounters(): WorkCounters {
  return { unaryOk: 0, unaryBadRequest: 0, streamMessages: 0, streamsCompleted: 0, clientStreamMessages: 0, openWatches: 0 };
}

export const streamResponse: StreamUsersResponse = { user: smallUser };

/** The server-streaming request asks for `count` messages through the filter's query string. */
export function streamRequestQuery(count: number): string {
  return `count=${count}`;
}

/** Messages a StreamUsers call asks for; 0 when the query is not one of ours. */
export function requestedCount(query: string | undefined): number {
  if (query === undefined || !query.startsWith("count=")) return 0;
  const n = Number(query.slice(6));
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

export function isExpectedUnaryRequest(id: string): boolean {
  return id === unaryRequest.id;
}

export function bulkResponse(count: number): BulkCreateUsersResponse {
  return { createdCount: count, failures: [], createdIds: [] };
}
