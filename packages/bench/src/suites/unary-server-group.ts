// The server unary group: every configuration as a pair with its reference (see unary-server.ts).
import { SERVER_CONFIGS } from "../internal/configs.js";
import { type GroupRunner, pick, recordPaired } from "./group.js";
import { UNARY_SERVER_CONFIGS, unaryReference, unaryServerSample, unaryServerSpec } from "./unary-server.js";

export const unaryServerGroup: GroupRunner = {
  id: "unary-server",
  suites: [{ id: "unary-server", configs: UNARY_SERVER_CONFIGS }],
  async run({ settings, recorder, round, bodyFile, tmp }) {
    const spec = unaryServerSpec(settings);
    for (const c of pick(settings, UNARY_SERVER_CONFIGS, spec.baseline, round)) {
      await recordPaired(recorder, spec, SERVER_CONFIGS, c, unaryReference(c), round, () =>
        unaryServerSample(c, settings, round, bodyFile, tmp),
      );
    }
  },
};
