// Suite 4: encode and decode of one realistic User (every field kind), ns per operation, in a
// child pinned to the server core. Lower is better; ratios are to ts-proto, what @org/api uses.
import type { CodecRunResult } from "../codec-main.js";
import type { BenchSettings } from "../internal/args.js";
import type { Child } from "../internal/child.js";
import type { CodecId, CodecOp } from "../internal/codecs.js";
import type { Sample, SuiteSpec } from "../internal/results.js";

export const CODEC_IDS: CodecId[] = ["ts-proto", "protobuf-es", "json"];

export function serialisationSpec(op: CodecOp): SuiteSpec {
  return {
    id: `serialisation-${op}`,
    title: `Serialisation: ${op} a realistic User`,
    description: `${op === "encode" ? "Encoding" : "Decoding"} a User with every field kind (nested, repeated, map, timestamps, int64); ns per operation (lower is better), ratio to ts-proto.`,
    unit: "ns/op",
    higherIsBetter: false,
    baseline: "ts-proto",
    digits: 0,
    extras: [{ key: "bytes", label: "encoded bytes", digits: 0 }],
  };
}

export async function serialisationSample(
  child: Child<unknown>,
  codec: CodecId,
  op: CodecOp,
  settings: BenchSettings,
  round: number,
): Promise<Sample> {
  const r = await child.request<CodecRunResult>(
    { type: "codec", codec, op, durationMs: settings.codec.durationMs },
    settings.codec.durationMs * 10 + 30_000,
  );
  return { round, value: r.nsPerOp, failures: 0, extra: { bytes: r.bytes } };
}
