// The targets of issue 12, as ratios to the reference measured in the same run. Ratio targets are
// judged on the CPU-efficiency ratio (reference CPU per call ÷ ours) where the suite measures CPU:
// it holds still when the machine's speed changes; the throughput ratio is reported beside it.
import type { Target } from "./results.js";

export const TARGETS: Target[] = [
  {
    suite: "unary-server",
    config: "org-server",
    kind: "ratio-at-least",
    threshold: 1.2,
    text: "@org/server defaults ≥ 1.2× bare grpc-js (unary)",
  },
  {
    suite: "unary-server",
    config: "org-server-all",
    kind: "ratio-at-least",
    threshold: 0.9,
    text: "@org/server, every middleware on ≥ 0.9× bare grpc-js (unary)",
  },
  {
    suite: "unary-server",
    config: "org-server-web",
    kind: "ratio-at-least",
    threshold: 0.8,
    text: "@org/server gRPC-Web unary ≥ 0.8× gRPC unary on the same server",
  },
  {
    suite: "unary-client",
    config: "org-client",
    kind: "ratio-at-least",
    threshold: 0.75,
    text: "@org/client defaults ≥ 0.75× bare grpc-js client",
  },
  {
    suite: "server-stream-1",
    config: "org-server",
    kind: "ratio-at-least",
    threshold: 2,
    text: "@org/server server streaming, 1 stream ≥ 2× bare grpc-js",
  },
  {
    suite: "server-stream-10",
    config: "org-server",
    kind: "ratio-at-least",
    threshold: 2,
    text: "@org/server server streaming, 10 streams ≥ 2× bare grpc-js",
  },
  {
    suite: "client-stream",
    config: "org-server",
    kind: "ratio-at-least",
    threshold: 1,
    text: "@org/server client streaming ≥ 1.0× bare grpc-js",
  },
  {
    suite: "idle-stream-memory",
    config: "org-server",
    kind: "value-at-most",
    threshold: 8,
    text: "@org/server ≤ 8 KiB RSS per idle stream",
  },
];
