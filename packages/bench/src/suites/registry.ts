// Every suite group the harness can run, in reading order. To add a kind of row, write
// suites/<name>.ts exporting a GroupRunner, list it here and add its id to SUITE_GROUPS (args.ts).
import { startChild } from "../internal/child.js";
import { CODECS, type CodecOp } from "../internal/codecs.js";
import { CLIENT_CONFIGS, configLabel, SERVER_CONFIGS } from "../internal/configs.js";
import type { GroupRunner } from "./group.js";
import { pick, recordPaired } from "./group.js";
import { MEMORY_CONFIGS, memorySample, memorySpec } from "./memory.js";
import { CODEC_IDS, serialisationSample, serialisationSpec } from "./serialisation.js";
import { storeGroup } from "./store.js";
import { STREAMING_CONFIGS, STREAMING_KINDS, streamingSample, streamingSpec } from "./streaming.js";
import { UNARY_CLIENT_CONFIGS, unaryClientSample, unaryClientSpec } from "./unary-client.js";
import { unaryServerGroup } from "./unary-server-group.js";

const unaryClientGroup: GroupRunner = {
  id: "unary-client",
  suites: [{ id: "unary-client", configs: UNARY_CLIENT_CONFIGS }],
  async run({ settings, recorder, round }) {
    const spec = unaryClientSpec(settings);
    for (const c of pick(settings, UNARY_CLIENT_CONFIGS, spec.baseline, round)) {
      await recordPaired(recorder, spec, CLIENT_CONFIGS, c, spec.baseline, round, () => unaryClientSample(c, settings, round));
    }
  },
};

const streamingGroup: GroupRunner = {
  id: "streaming",
  suites: [
    { id: "server-stream-1", configs: STREAMING_CONFIGS },
    { id: "server-stream-10", configs: STREAMING_CONFIGS },
    { id: "client-stream", configs: STREAMING_CONFIGS },
  ],
  async run({ settings, recorder, round }) {
    for (const kind of STREAMING_KINDS) {
      const spec = streamingSpec(kind);
      for (const c of pick(settings, STREAMING_CONFIGS, spec.baseline, round)) {
        await recordPaired(recorder, spec, SERVER_CONFIGS, c, spec.baseline, round, () => streamingSample(kind, c, settings, round));
      }
    }
  },
};

const memoryGroup: GroupRunner = {
  id: "memory",
  suites: [{ id: "idle-stream-memory", configs: MEMORY_CONFIGS }],
  async run({ settings, recorder, round }) {
    const spec = memorySpec(settings);
    for (const c of pick(settings, MEMORY_CONFIGS, spec.baseline, round)) {
      await recorder.sample(spec, c, configLabel(SERVER_CONFIGS, c), round, () => memorySample(c, settings, round));
    }
  },
};

const serialisationGroup: GroupRunner = {
  id: "serialisation",
  suites: [
    { id: "serialisation-encode", configs: CODEC_IDS },
    { id: "serialisation-decode", configs: CODEC_IDS },
  ],
  async run({ settings, recorder, round }) {
    const child = await startChild<unknown>({ script: "codec-main.js", args: [], cpu: settings.serverCpu });
    try {
      for (const op of ["encode", "decode"] as CodecOp[]) {
        const spec = serialisationSpec(op);
        for (const c of pick(settings, CODEC_IDS, spec.baseline, round)) {
          await recorder.sample(spec, c, CODECS[c], round, () => serialisationSample(child, c, op, settings, round));
        }
      }
    } finally {
      await child.stop();
    }
  },
};

export const GROUPS: readonly GroupRunner[] = [
  unaryServerGroup,
  unaryClientGroup,
  streamingGroup,
  memoryGroup,
  serialisationGroup,
  storeGroup,
];
