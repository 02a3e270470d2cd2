/*
 * Prometheus metrics of the server, recorded into plain numbers and handed to prom-client only
 * when scraped. prom-client's own label children re-validate and re-hash their labels on every
 * inc()/observe(); here a call costs a few additions.
 */
import type { MethodDescriptor } from "nice-grpc-common";
import type { Registry } from "prom-client";
import type { CallControl } from "./call-control.js";
import { statusNames } from "./status-names.js";

/** Upper bounds of the handling-seconds histogram buckets. */
export const HANDLING_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels = { grpc_type: string; grpc_service: string; grpc_method: string };

class CodeStats {
  count = 0;
  sum = 0;
  /** Non-cumulative: buckets[i] counts observations in (bound[i-1], bound[i]]; last is +Inf. */
  readonly buckets = new Float64Array(HANDLING_SECONDS_BUCKETS.length + 1);
}

export class MethodStats {
  started = 0;
  open = 0;
  readonly streaming: boolean;
  readonly labels: Labels;
  readonly byCode: (CodeStats | undefined)[] = [];
  /** gRPC-Web calls finished, by protocol (`grpc-web`, `grpc-web-text`), then by code. */
  web: Map<string, number[]> | undefined = undefined;

  constructor(method: MethodDescriptor) {
    const [, service = "", name = ""] = method.path.split("/");
    const type = method.requestStream
      ? method.responseStream
        ? "bidi_stream"
        : "client_stream"
      : method.responseStream
        ? "server_stream"
        : "unary";
    this.labels = { grpc_type: type, grpc_service: service, grpc_method: name };
    this.streaming = method.requestStream || method.responseStream;
  }

  start(): void {
    this.started++;
    if (this.streaming) this.open++;
  }

  /** Counts a finished call that came over gRPC-Web (besides `finish`, which counts every call). */
  finishWeb(protocol: string, code: number): void {
    const web = (this.web ??= new Map());
    let byCode = web.get(protocol);
    if (byCode === undefined) web.set(protocol, (byCode = []));
    byCode[code] = (byCode[code] ?? 0) + 1;
  }

  finish(code: number, seconds: number): void {
    if (this.streaming) this.open--;
    const stats = (this.byCode[code] ??= new CodeStats());
    stats.count++;
    stats.sum += seconds;
    let i = 0;
    while (i < HANDLING_SECONDS_BUCKETS.length && seconds > HANDLING_SECONDS_BUCKETS[i]!) i++;
    stats.buckets[i]!++;
  }
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** The minimal prom-client metric interface a Registry collects from. */
class ScrapedMetric {
  readonly aggregator = "sum";
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
    private readonly values: () => MetricValue[],
  ) {}
  get() {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator };
  }
  reset() {}
}

/** The server's metrics; servers sharing a registry share one instance. */
export class ServerMetrics {
  private static readonly byRegistry = new WeakMap<Registry, ServerMetrics>();
  private readonly byPath = new Map<string, MethodStats>();
  private readonly controls = new Set<CallControl>();

  static for(registry: Registry, control: CallControl): ServerMetrics {
    let metrics = ServerMetrics.byRegistry.get(registry);
    if (metrics === undefined) {
      metrics = new ServerMetrics(registry);
      ServerMetrics.byRegistry.set(registry, metrics);
    }
    metrics.controls.add(control);
    return metrics;
  }

  private constructor(registry: Registry) {
    const all = () => [...this.byPath.values()];
    const metrics = [
      new ScrapedMetric("grpc_server_started_total", "RPCs started on the server.", "counter", () =>
        all().map((m) => ({ labels: m.labels, value: m.started })),
      ),
      new ScrapedMetric("grpc_server_handled_total", "RPCs completed on the server, by status code.", "counter", () =>
        all().flatMap((m) =>
          m.byCode.flatMap((s, code) =>
            s === undefined ? [] : [{ labels: { ...m.labels, grpc_code: statusNames[code] ?? String(code) }, value: s.count }],
          ),
        ),
      ),
      new ScrapedMetric("grpc_server_handling_seconds", "Time from the start of an RPC to its status, seconds.", "histogram", () =>
        all().flatMap((m) =>
          m.byCode.flatMap((s, code) => {
            if (s === undefined) return [];
            const labels = { ...m.labels, grpc_code: statusNames[code] ?? String(code) };
            const out: MetricValue[] = [];
            let cumulative = 0;
            HANDLING_SECONDS_BUCKETS.forEach((le, i) => {
              cumulative += s.buckets[i]!;
              out.push({ metricName: "grpc_server_handling_seconds_bucket", labels: { ...labels, le }, value: cumulative });
            });
            out.push({ metricName: "grpc_server_handling_seconds_bucket", labels: { ...labels, le: "+Inf" }, value: s.count });
            out.push({ metricName: "grpc_server_handling_seconds_sum", labels, value: s.sum });
            out.push({ metricName: "grpc_server_handling_seconds_count", labels, value: s.count });
            return out;
          }),
        ),
      ),
      new ScrapedMetric(
        "grpc_server_web_handled_total",
        "RPCs completed on the server that came over gRPC-Web, by protocol and status code (also counted in grpc_server_handled_total).",
        "counter",
        () =>
          all().flatMap((m) =>
            [...(m.web ?? [])].flatMap(([protocol, byCode]) =>
              byCode.flatMap((count, code) =>
                count === undefined
                  ? []
                  : [{ labels: { ...m.labels, grpc_protocol: protocol, grpc_code: statusNames[code] ?? String(code) }, value: count }],
              ),
            ),
          ),
      ),
      new ScrapedMetric("grpc_server_streams_in_flight", "Streaming RPCs (client, server or bidi) currently open.", "gauge", () =>
        all()
          .filter((m) => m.streaming)
          .map((m) => ({ labels: m.labels, value: m.open })),
      ),
      new ScrapedMetric("grpc_server_calls_in_flight", "RPCs currently running, all kinds.", "gauge", () => {
        let n = 0;
        for (const control of this.controls) {
          const [single, streams] = control.inFlight;
          n += single + streams;
        }
        return [{ labels: {}, value: n }];
      }),
    ];
    for (const metric of metrics) registry.registerMetric(metric as never);
  }

  forMethod(method: MethodDescriptor): MethodStats {
    let m = this.byPath.get(method.path);
    if (m === undefined) {
      m = new MethodStats(method);
      this.byPath.set(method.path, m);
    }
    return m;
  }
}
