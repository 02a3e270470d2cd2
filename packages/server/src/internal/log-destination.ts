/*
 * The default log destination: stdout, asynchronous, batched. One write(2) per log line costs more
 * than the rest of a call's logging, so lines are copied into a 32 KiB chunk and a chunk goes to
 * sonic-boom (pino's asynchronous writer) as one Buffer when full, and whenever the destination is
 * flushed: every LOG_FLUSH_MS by the server, on shutdown, and by pino on exit (pino flushes the
 * sonic-boom instance itself, so its flush methods take the pending chunk along first). Copying a
 * line into the chunk costs less than a Buffer per line and sonic-boom's list of them (about 0.4 µs
 * a line); sonic-boom takes Buffers (contentMode "buffer"): in string mode it appends each line to
 * one string and measures it (flattening it) on every write.
 */
import { type DestinationStream, pino } from "pino";

const CHUNK_BYTES = 32 * 1024;
/** UTF-8 bytes one UTF-16 code unit can take at most. */
const MAX_BYTES_PER_UNIT = 3;

/** A destination stream pino writes lines to, with the flush methods pino and the server call. */
export interface BatchedDestination extends DestinationStream {
  flush(cb?: (err?: Error) => void): void;
  flushSync(): void;
}

export function batchedStdout(): BatchedDestination {
  // minLength: sonic-boom starts a write only once a chunk's worth is queued, or when flushed.
  const stdout = pino.destination({ dest: 1, sync: false, minLength: CHUNK_BYTES, maxWrite: 2 * CHUNK_BYTES, contentMode: "buffer" });
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;

  /** Gives the lines collected so far to sonic-boom (which owns the chunk from then on). */
  function handOver(): void {
    if (used === 0) return;
    stdout.write(chunk.subarray(0, used) as unknown as string);
    chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    used = 0;
  }

  const flush = stdout.flush.bind(stdout);
  const flushSync = stdout.flushSync.bind(stdout);
  stdout.flush = (cb?: (err?: Error) => void) => {
    handOver();
    flush(cb);
  };
  stdout.flushSync = () => {
    // At exit: what sonic-boom holds goes first, so that the partial chunk handed over next stays
    // under minLength and is written by this flushSync rather than by an asynchronous write the
    // exiting process would not wait for.
    flushSync();
    handOver();
    flushSync();
  };

  return {
    write(line: string) {
      if (CHUNK_BYTES - used < line.length * MAX_BYTES_PER_UNIT) {
        handOver();
        if (line.length * MAX_BYTES_PER_UNIT > CHUNK_BYTES) {
          stdout.write(Buffer.from(line) as unknown as string);
          return;
        }
      }
      used += chunk.write(line, used);
    },
    flush: (cb?: (err?: Error) => void) => stdout.flush(cb),
    flushSync: () => stdout.flushSync(),
  };
}
