// Command line of `pnpm --filter @org/bench bench [-- options]`. Pure; unit-tested.

export const SUITE_GROUPS = ["unary-server", "unary-client", "streaming", "serialisation", "memory", "store"] as const;
export type SuiteGroup = (typeof SUITE_GROUPS)[number];

export interface BenchSettings {
  mode: "full" | "quick";
  rounds: number;
  /** Rounds may grow up to this many while a ratio's spread is wider than `spreadLimit`. */
  maxRounds: number;
  /** Relative width (max − min) / median of a ratio above which more rounds are run. */
  spreadLimit: number;
  groups: SuiteGroup[];
  /** Only these configuration ids (baselines are always kept); undefined for all. */
  configs: string[] | undefined;
  /** Name of a saved build (save-prev) to run as extra "@prev" configurations. */
  prev: string | undefined;
  /** Results file names without extension, under results/: "latest" or "quick". */
  outName: string;
  serverCpu: number;
  loadCpu: number;
  /** measureSec is per side of a pair, split into `windows` alternating windows (even, ≥ 2). */
  unary: { warmupSec: number; measureSec: number; windows: number; connections: number; streamsPerConnection: number };
  /** measureMs is per side of a pair, split into `windows` alternating windows (even, ≥ 2). */
  client: { warmupMs: number; measureMs: number; concurrency: number; windows: number };
  /** measureSec is per side of a pair, split into `windows` alternating windows (even, ≥ 2). */
  stream: { warmupMessages: number; measureSec: number; windows: number };
  memory: { streams: number; connections: number };
  codec: { durationMs: number };
}

export const USAGE = `Usage: bench [--quick] [--rounds N] [--only ${SUITE_GROUPS.join(",")}] [--configs ID,...] [--prev NAME] [--out NAME]
  --quick    1 round, short runs; writes results/quick.* (not committed)
  --rounds   rounds of interleaved runs (default 5, quick 1)
  --max-rounds  grow to at most N rounds while a ratio's spread is wide (default 2 × rounds, quick: rounds)
  --spread   relative width (max − min) / median that counts as wide (default 0.1)
  --only     run only these suite groups
  --configs  only these configurations (e.g. org-server,nice-grpc); baselines always run
  --prev     also run the build saved with \`save-prev NAME\` (ids org-server@prev, org-server-all@prev, org-client@prev)
  --out      results file name without extension (default latest, quick: quick)`;

export function parseArgs(argv: readonly string[]): BenchSettings {
  let quick = false;
  let rounds: number | undefined;
  let maxRounds: number | undefined;
  let spreadLimit = 0.1;
  let groups: SuiteGroup[] = [...SUITE_GROUPS];
  let outName: string | undefined;
  let configs: string[] | undefined;
  let prev: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    switch (arg) {
      case "--":
        break;
      case "--quick":
        quick = true;
        break;
      case "--rounds": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`--rounds expects an integer 1–50\n${USAGE}`);
        rounds = n;
        break;
      }
      case "--max-rounds": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`--max-rounds expects an integer 1–50\n${USAGE}`);
        maxRounds = n;
        break;
      }
      case "--spread": {
        const n = Number(value());
        if (!Number.isFinite(n) || n <= 0 || n > 1) throw new Error(`--spread expects a number in (0, 1]\n${USAGE}`);
        spreadLimit = n;
        break;
      }
      case "--only": {
        const list = value()
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        for (const g of list) {
          if (!(SUITE_GROUPS as readonly string[]).includes(g)) throw new Error(`--only: unknown suite group "${g}"\n${USAGE}`);
        }
        groups = list as SuiteGroup[];
        break;
      }
      case "--configs":
        configs = value()
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case "--prev": {
        const v = value();
        if (!/^[\w.-]+$/.test(v)) throw new Error(`--prev expects a plain name\n${USAGE}`);
        prev = v;
        break;
      }
      case "--out": {
        const v = value();
        if (!/^[\w.-]+$/.test(v)) throw new Error(`--out expects a plain file name\n${USAGE}`);
        outName = v;
        break;
      }
      default:
        throw new Error(`unknown argument "${arg}"\n${USAGE}`);
    }
  }
  const r = rounds ?? (quick ? 1 : 5);
  const max = Math.max(r, maxRounds ?? (quick ? r : Math.min(50, 2 * r)));
  return quick
    ? {
        mode: "quick",
        rounds: r,
        maxRounds: max,
        spreadLimit,
        groups,
        configs,
        prev,
        outName: outName ?? "quick",
        serverCpu: 0,
        loadCpu: 1,
        unary: { warmupSec: 1, measureSec: 2, windows: 4, connections: 4, streamsPerConnection: 25 },
        client: { warmupMs: 1_000, measureMs: 2_000, concurrency: 100, windows: 4 },
        stream: { warmupMessages: 20_000, measureSec: 1.5, windows: 4 },
        memory: { streams: 10_000, connections: 10 },
        codec: { durationMs: 300 },
      }
    : {
        mode: "full",
        rounds: r,
        maxRounds: max,
        spreadLimit,
        groups,
        configs,
        prev,
        outName: outName ?? "latest",
        serverCpu: 0,
        loadCpu: 1,
        unary: { warmupSec: 2, measureSec: 5, windows: 8, connections: 4, streamsPerConnection: 25 },
        client: { warmupMs: 2_000, measureMs: 5_000, concurrency: 100, windows: 6 },
        stream: { warmupMessages: 50_000, measureSec: 3, windows: 6 },
        memory: { streams: 10_000, connections: 10 },
        codec: { durationMs: 1_000 },
      };
}
