// The targets of issue 7, as ratios to the bare baseline measured in the same run.
import type { Target } from "./results.js";

export const TARGETS: Target[] = [
  {
    suite: "unary-server",
    config: "org-server",
    kind: "ratio-at-least",
    threshold: 0.75,
    text: "@org/server defaults ≥ 0.75× bare grpc-js (unary)",
  },
  {
    suite: "unary-server",
    config: "org-server-all",
    kind: "ratio-at-least",
    threshold: 0.65,
    text: "@org/server, every middleware on ≥ 0.65× bare grpc-js (unary)",
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
    threshold: 0.85,
    text: "@org/server server streaming, 1 stream ≥ 0.85× bare grpc-js",
  },
  {
    suite: "server-stream-10",
    config: "org-server",
    kind: "ratio-at-least",
    threshold: 0.85,
    text: "@org/server server streaming, 10 streams ≥ 0.85× bare grpc-js",
  },
  {
    suite: "client-stream",
    config: "org-server",
    kind: "ratio-at-least",
    threshold: 0.85,
    text: "@org/server client streaming ≥ 0.85× bare grpc-js",
  },
  {
    suite: "idle-stream-memory",
    config: "org-server",
    kind: "value-at-most",
    threshold: 10,
    text: "@org/server ≤ 10 KiB RSS per idle stream",
  },
];
