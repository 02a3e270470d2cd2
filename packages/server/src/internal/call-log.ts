/*
 * The one log line per call, written exactly as pino writes it but without pino's generic path
 * (an object per call, a loop over its keys, escaping every string, a Date per line): the
 * method's part of the line is built once, the timestamp once per millisecond, and the pieces
 * pino caches (level prefix, bindings, line end) are read from the logger itself, through
 * pino-internals.ts, the one file that knows where pino keeps them. Used only for
 * the logger @org/server creates (nothing on it can hook, mix in, serialise or redact); a logger
 * brought by the application goes through pino. call-log.test.ts checks the bytes against pino's.
 */
import type { Logger } from "pino";
import { type PinoLineParts, pinoLineParts } from "./pino-internals.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON must escape
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** A JSON string literal of `value`, as pino writes one. */
export function quote(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** The fields of a call's log line, in the order they are written. */
export interface CallLine {
  levelValue: number;
  requestId: string;
  /** `,"method":…,"code":…` — built once per method and code. */
  methodAndCode: string;
  durationMs: number;
  peer: string;
  principal: string | undefined;
  /** Why an UNAUTHENTICATED or PERMISSION_DENIED call was refused (what the client was told). */
  reason?: string | undefined;
  traceId: string | undefined;
  /** Set for calls that are not plain gRPC (`grpc-web`, `grpc-web-text`). */
  protocol?: string | undefined;
}

export class CallLog {
  private lastMs = -1;
  private lastTime = "";
  private readonly pino: PinoLineParts;
  /** `,"msg":"<message>"`. */
  private readonly messagePart: string;

  constructor(logger: Logger, message: string) {
    this.pino = pinoLineParts(logger);
    this.messagePart = `,${quote(this.pino.messageKey)}:${quote(message)}`;
  }

  /** False when the destination wants pino's per-line metadata (pino.multistream): use pino then. */
  get usable(): boolean {
    return !this.pino.needsMetadata();
  }

  /** `,"time":"<ISO 8601>"`, as pino.stdTimeFunctions.isoTime. */
  private time(): string {
    const now = Date.now();
    if (now !== this.lastMs) {
      this.lastMs = now;
      this.lastTime = `,"time":"${new Date(now).toISOString()}"`;
    }
    return this.lastTime;
  }

  write(line: CallLine): void {
    // Read per line: a live logger's bindings and level prefixes can change.
    const p = this.pino;
    let s = `${p.levelPrefix(line.levelValue)}${this.time()}${p.bindings()},"requestId":${quote(line.requestId)}${line.methodAndCode},"durationMs":${line.durationMs},"peer":${quote(line.peer)}`;
    if (line.principal !== undefined) s += `,"principal":${quote(line.principal)}`;
    if (line.reason !== undefined) s += `,"reason":${quote(line.reason)}`;
    if (line.traceId !== undefined) s += `,"traceId":${quote(line.traceId)}`;
    if (line.protocol !== undefined) s += `,"protocol":${quote(line.protocol)}`;
    p.stream().write(s + this.messagePart + p.end());
  }
}
