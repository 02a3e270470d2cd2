// Child process: times encode/decode of one codec for a while and reports ns per operation.
// Usage (by the harness): node dist/codec-main.js
import { fail, send, serveRequests } from "./internal/child-side.js";
import { type CodecId, type CodecOp, codec } from "./internal/codecs.js";

export interface CodecRunRequest {
  type: "codec";
  codec: CodecId;
  op: CodecOp;
  durationMs: number;
}

export interface CodecRunResult {
  type: "result";
  nsPerOp: number;
  ops: number;
  bytes: number;
}

let sink: unknown;
const BATCH = 1_000;

function time(fn: () => unknown, durationMs: number): { ops: number; ns: number } {
  // A short warm-up so the measured loop runs optimised code.
  for (let i = 0; i < 5 * BATCH; i++) sink = fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(durationMs * 1e6));
  let now = start;
  while (now < end) {
    for (let i = 0; i < BATCH; i++) sink = fn();
    ops += BATCH;
    now = process.hrtime.bigint();
  }
  return { ops, ns: Number(now - start) };
}

serveRequests(
  async (message) => {
    if (message.type !== "codec") throw new Error(`unexpected message ${message.type}`);
    const run = message as unknown as CodecRunRequest;
    const c = codec(run.codec);
    const { ops, ns } = time(run.op === "encode" ? c.encode : c.decode, run.durationMs);
    const result: CodecRunResult = { type: "result", nsPerOp: ns / ops, ops, bytes: c.bytes };
    return result;
  },
  async () => {
    if (sink === Symbol.for("never")) fail("unreachable");
  },
);
send({ type: "ready" });
