// Envoy is not installable here, so deploy/envoy/envoy.yaml is checked for shape: gRPC-Web and CORS
// filters in the right order, the CORS policy @org/client-web needs, HTTP/2 upstream on the
// service's own default port, and no timeout that would cut WatchUsers.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { DEFAULT_GRPC_LISTEN } from "../src/config.js";

const file = fileURLToPath(new URL("../deploy/envoy/envoy.yaml", import.meta.url));
const parsed = parseDocument(readFileSync(file, "utf8"));
// Parsed YAML, checked field by field below.
const config: any = parsed.toJS();
const listener = config.static_resources.listeners[0];
const hcm = listener.filter_chains[0].filters[0].typed_config;
const vhost = hcm.route_config.virtual_hosts[0];
const cluster = config.static_resources.clusters[0];

describe("deploy/envoy/envoy.yaml", () => {
  it("parses", () => {
    expect(parsed.errors).toEqual([]);
  });

  it("runs cors, grpc_web, router in that order", () => {
    expect(hcm["@type"]).toBe("type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
    expect(hcm.http_filters.map((f: { name: string }) => f.name)).toEqual([
      "envoy.filters.http.cors",
      "envoy.filters.http.grpc_web",
      "envoy.filters.http.router",
    ]);
    expect(hcm.http_filters[1].typed_config["@type"]).toBe("type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb");
  });

  it("allows one explicit origin and the headers @org/client-web sends and reads", () => {
    const cors = vhost.typed_per_filter_config["envoy.filters.http.cors"];
    expect(cors["@type"]).toBe("type.googleapis.com/envoy.config.route.v3.CorsPolicy");
    expect(vhost.cors).toBeUndefined(); // the deprecated inline form
    expect(cors.allow_origin_string_match).toEqual([{ exact: expect.stringMatching(/^https?:\/\/[^/*]+$/) }]);
    const allowed = cors.allow_headers.split(/,\s*/);
    for (const h of ["content-type", "x-grpc-web", "x-user-agent", "grpc-timeout", "authorization", "traceparent"])
      expect(allowed).toContain(h);
    const exposed = cors.expose_headers.split(/,\s*/);
    for (const h of ["grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id"]) expect(exposed).toContain(h);
  });

  it("routes UsersService to an HTTP/2 upstream on the service's default port, without a route timeout", () => {
    const route = vhost.routes[0];
    expect(route.match.prefix).toBe("/org.users.v1.UsersService/");
    expect(route.route.cluster).toBe(cluster.name);
    expect(route.route.timeout).toBe("0s");
    expect(route.route.max_stream_duration.grpc_timeout_header_max).toBe("0s");
    expect(hcm.stream_idle_timeout).toBe("0s");
    const options = cluster.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
    expect(options.explicit_http_config.http2_protocol_options).toEqual({});
    const port = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value;
    expect(String(port)).toBe(DEFAULT_GRPC_LISTEN.split(":").at(-1));
  });
});
