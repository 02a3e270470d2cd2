/*
 * The only place @org/server reads pino's internals. `pino.symbols` is exported by pino, but what
 * the logger keeps under each symbol is not documented API: call-log.ts writes the per-call line
 * from these pieces to skip pino's generic path (measured in packages/bench: the log line is the
 * largest single cost of a call). pino-internals.test.ts names each piece and fails, by that name,
 * when a pino release changes it; pino is pinned to an exact version in package.json.
 */
import { type Logger, pino } from "pino";

const { lsCacheSym, chindingsSym, endSym, streamSym, needsMetadataGsym, messageKeySym } = pino.symbols;

type Internals = Record<symbol, unknown>;

/** Where a call log line's pieces come from, read live from one pino logger. */
export interface PinoLineParts {
  /** `{"level":30` for a level value: pino's cached level prefix. */
  levelPrefix(levelValue: number): string;
  /** `,"pid":…,"hostname":…` and the child bindings, as pino writes them after the time. */
  bindings(): string;
  /** What ends a line (`}` and the newline). */
  end(): string;
  /** The key of the message field (`msg`). */
  readonly messageKey: string;
  /** The destination pino writes lines to. */
  stream(): { write(line: string): unknown };
  /** The destination wants pino's per-line metadata (pino.multistream): do not bypass pino. */
  needsMetadata(): boolean;
}

export function pinoLineParts(logger: Logger): PinoLineParts {
  const internals = logger as unknown as Internals;
  return {
    levelPrefix: (levelValue) => (internals[lsCacheSym] as Record<number, string>)[levelValue] as string,
    bindings: () => internals[chindingsSym] as string,
    end: () => internals[endSym] as string,
    messageKey: internals[messageKeySym] as string,
    stream: () => internals[streamSym] as { write(line: string): unknown },
    needsMetadata: () => (internals[streamSym] as Internals | undefined)?.[needsMetadataGsym] === true,
  };
}
