// An OpenTelemetry SDK as production would register it: always-on sampler, batching span
// processor. The exporter drops the batches (counting them) so no network is involved.
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-node";

class DiscardingExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], resultCallback: (result: { code: number }) => void): void {
    this.exported += spans.length;
    resultCallback({ code: 0 }); // ExportResultCode.SUCCESS
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

export interface RegisteredTracing {
  exportedSpans(): number;
  shutdown(): Promise<void>;
}

export function registerTracing(): RegisteredTracing {
  const exporter = new DiscardingExporter();
  const provider = new NodeTracerProvider({
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register();
  return { exportedSpans: () => exporter.exported, shutdown: () => provider.shutdown() };
}
