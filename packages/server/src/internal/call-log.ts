/*
 * The one log line per call, written exactly as pino writes it but without pino's generic path
 * (an object per call, a loop over its keys, escaping every string, a Date per line): the
 * method's part of the line is built once, the timestamp once per millisecond, and the pieces
 * pino caches (level prefix, bindings, line end) are read from the logger itself. Used only for
 * the logger @org/server creates (nothing on it can hook, mix in, serialise or redact); a logger
 * brought by the application goes through pino. call-log.test.ts checks the bytes against pino's.
 */
import { type Logger, pino } from "pino";

const { lsCacheSym, chindingsSym, endSym, streamSym, needsMetadataGsym, messageKeySym } = pino.symbols;

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
}

/** The pino internals `asJson` and `write` use (pino.symbols are public API). */
type PinoInternals = Record<symbol, any>;

export class CallLog {
  private lastMs = -1;
  private lastTime = "";
  private readonly internals: PinoInternals;
  /** `,"msg":"<message>"`. */
  private readonly messagePart: string;

  constructor(logger: Logger, message: string) {
    this.internals = logger as unknown as PinoInternals;
    this.messagePart = `,${quote(this.internals[messageKeySym])}:${quote(message)}`;
  }

  /** False when the destination wants pino's per-line metadata (pino.multistream): use pino then. */
  get usable(): boolean {
    return this.internals[streamSym]?.[needsMetadataGsym] !== true;
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
    const i = this.internals;
    let s = `${i[lsCacheSym][line.levelValue]}${this.time()}${i[chindingsSym]},"requestId":${quote(line.requestId)}${line.methodAndCode},"durationMs":${line.durationMs},"peer":${quote(line.peer)}`;
    if (line.principal !== undefined) s += `,"principal":${quote(line.principal)}`;
    if (line.reason !== undefined) s += `,"reason":${quote(line.reason)}`;
    if (line.traceId !== undefined) s += `,"traceId":${quote(line.traceId)}`;
    i[streamSym].write(s + this.messagePart + i[endSym]);
  }
}
