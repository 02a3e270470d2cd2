// The server unary group: every configuration as a pair with its reference (see unary-server.ts).
// The reference's windows of each pair are recorded as samples of the reference when it is the
// suite's baseline, so its row shows the calls/s it reached beside each candidate.
import { configLabel, SERVER_CONFIGS } from "../internal/configs.js";
import { type GroupRunner, pick } from "./group.js";
import { UNARY_SERVER_CONFIGS, unaryReference, unaryServerSample, unaryServerSpec } from "./unary-server.js";

export const unaryServerGroup: GroupRunner = {
  id: "unary-server",
  suites: [{ id: "unary-server", configs: UNARY_SERVER_CONFIGS }],
  async run({ settings, recorder, round, bodyFile, tmp }) {
    const spec = unaryServerSpec(settings);
    for (const c of pick(settings, UNARY_SERVER_CONFIGS, spec.baseline, round)) {
      if (c === spec.baseline || recorder.notServed(spec, c)) continue;
      const reference = unaryReference(c);
      const referenceLabel = configLabel(SERVER_CONFIGS, reference);
      const taken = await recorder.sample(spec, c, configLabel(SERVER_CONFIGS, c), round, () =>
        unaryServerSample(c, settings, round, bodyFile, tmp),
      );
      if (taken === undefined) continue;
      if (reference === spec.baseline) {
        recorder.add(spec, reference, referenceLabel, {
          ...taken.reference,
          extra: { ...taken.reference.extra, ...pickMachine(taken.candidate.extra) },
        });
      } else {
        recorder.setReference(spec, c, referenceLabel);
      }
    }
  },
};

function pickMachine(extra: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ["stealPct", "busyPct", "load1"]) if (extra[k] !== undefined) out[k] = extra[k];
  return out;
}
