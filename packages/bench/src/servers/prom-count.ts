import type { Registry } from "prom-client";

interface CollectedMetric {
  get():
    | Promise<{ values: { labels: Record<string, string | number>; value: number }[] }>
    | { values: { labels: Record<string, string | number>; value: number }[] };
}

/** `grpc_server_handled_total{grpc_method="GetUser",grpc_code="OK"}` summed: the server's own count of OK replies. */
export async function handledOk(registry: Pick<Registry, "getSingleMetric">, method = "GetUser"): Promise<number> {
  const metric = registry.getSingleMetric("grpc_server_handled_total") as unknown as CollectedMetric | undefined;
  if (metric === undefined) return Number.NaN;
  const { values } = await metric.get();
  let n = 0;
  for (const v of values) if (v.labels.grpc_method === method && v.labels.grpc_code === "OK") n += v.value;
  return n;
}
