/*
 * CORS for gRPC-Web (Fetch standard, "CORS protocol"). A gRPC-Web call from a page on another
 * origin is never a "simple" request (its content-type is not safelisted), so the browser first
 * sends a preflight: OPTIONS with Origin, Access-Control-Request-Method and -Headers. We answer it
 * for configured origins only, then mark the actual response so that the page may read it and the
 * gRPC headers it needs. Nothing is allowed unless configured.
 */

/** Which browser origins may call the server over gRPC-Web. */
export interface CorsOptions {
  /**
   * Origins allowed to call, each `scheme://host[:port]` exactly as a browser sends it in `Origin`
   * (no path, no trailing slash), or `"*"` for any origin. Default: none (cross-origin calls refused).
   */
  origins?: readonly string[] | "*";
  /**
   * Request headers a page may send in addition to the ones gRPC-Web clients need
   * (`DEFAULT_ALLOWED_HEADERS`), or `"*"` for whatever a preflight asks. Default: `[]`.
   */
  allowedHeaders?: readonly string[] | "*";
  /**
   * Response headers a page may read in addition to `DEFAULT_EXPOSED_HEADERS`
   * (grpc-status, grpc-message, grpc-status-details-bin, x-request-id). Default: `[]`.
   */
  exposedHeaders?: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds. Default: 600 (10 min). */
  maxAgeSeconds?: number;
  /**
   * Let pages send cookies and HTTP authentication (`credentials: "include"`). Not needed for an
   * `authorization` header set by the page itself. Cannot be combined with `origins: "*"`. Default: false.
   */
  allowCredentials?: boolean;
}

/** Request headers a gRPC-Web client (nice-grpc-web, grpc-web, connect-es) or our SDK sends. */
export const DEFAULT_ALLOWED_HEADERS: readonly string[] = [
  "content-type",
  "x-grpc-web",
  "x-user-agent",
  "grpc-timeout",
  "authorization",
  "x-request-id",
  "traceparent",
  "tracestate",
];

/** Response headers every gRPC-Web page must be able to read (a trailers-only answer carries status there). */
export const DEFAULT_EXPOSED_HEADERS: readonly string[] = ["grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id"];

const DEFAULT_MAX_AGE_SECONDS = 600;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * The canonical form of an origin (lowercase, default port dropped), or an error saying why `value`
 * is not one. An origin is `scheme://host[:port]`, with nothing after the host or port.
 */
export function normalizeOrigin(value: string): string {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#@\s]+)$/i.exec(value);
  if (match === null) {
    throw new Error(
      `"${value}" is not an origin: expected scheme://host[:port] with no path, query or trailing slash (e.g. https://app.example.com)`,
    );
  }
  const scheme = (match[1] as string).toLowerCase();
  if (scheme === "http" || scheme === "https") {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`"${value}" is not an origin: "${match[2]}" is not a valid host[:port]`);
    }
    return url.origin;
  }
  const hostPort = (match[2] as string).toLowerCase();
  if (!/^[a-z0-9.-]+(:\d{1,5})?$/.test(hostPort)) {
    throw new Error(`"${value}" is not an origin: "${match[2]}" is not a valid host[:port]`);
  }
  return `${scheme}://${hostPort}`;
}

function headerList(names: readonly string[], what: string): string[] {
  return names.map((name) => {
    const lower = name.trim().toLowerCase();
    if (!HEADER_NAME.test(lower)) throw new Error(`cors.${what}: "${name}" is not a header name`);
    return lower;
  });
}

/** A validated CORS configuration, ready to answer requests. */
export interface CorsPolicy {
  /** Whether a browser on `origin` may call (its own origin is not decided here: see `isSameOrigin`). */
  allows(origin: string): boolean;
  /** Answer to a preflight: status 204 with headers, or 403 with a reason. */
  preflight(request: PreflightRequest): CorsAnswer;
  /** Headers to add to the response of an actual call from an allowed `origin`. */
  responseHeaders(origin: string): Record<string, string>;
}

export interface PreflightRequest {
  readonly origin: string | undefined;
  /** Access-Control-Request-Method. */
  readonly method: string | undefined;
  /** Access-Control-Request-Headers, as sent (comma-separated). */
  readonly headers: string | undefined;
}

export interface CorsAnswer {
  readonly status: 204 | 403;
  readonly headers: Record<string, string>;
  /** Why a preflight was refused (for the response body and logs); empty when allowed. */
  readonly reason: string;
}

/** Validate `options` (throws with the field at fault) and build the policy. */
export function createCorsPolicy(options: CorsOptions = {}): CorsPolicy {
  const anyOrigin = options.origins === "*";
  const origins = new Set(options.origins === undefined || options.origins === "*" ? [] : options.origins.map(normalizeOrigin));
  const allowCredentials = options.allowCredentials === true;
  if (anyOrigin && allowCredentials) {
    throw new Error(
      'cors: origins "*" cannot be combined with allowCredentials (any site could make calls with the user\'s cookies); list the origins',
    );
  }
  const anyHeader = options.allowedHeaders === "*";
  const allowedHeaders = new Set(DEFAULT_ALLOWED_HEADERS);
  if (options.allowedHeaders !== undefined && options.allowedHeaders !== "*") {
    for (const name of headerList(options.allowedHeaders, "allowedHeaders")) allowedHeaders.add(name);
  }
  const exposed = [...new Set([...DEFAULT_EXPOSED_HEADERS, ...headerList(options.exposedHeaders ?? [], "exposedHeaders")])].join(", ");
  const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) {
    throw new Error(`cors.maxAgeSeconds: expected an integer >= 0, got ${maxAge}`);
  }

  const allows = (origin: string): boolean => anyOrigin || origins.has(origin);

  // With a fixed "*" the answer is the same for every origin; otherwise it names the origin and
  // caches must key on it.
  const originHeaders = (origin: string): Record<string, string> => {
    const headers: Record<string, string> = anyOrigin
      ? { "access-control-allow-origin": "*" }
      : { "access-control-allow-origin": origin, vary: "Origin" };
    if (allowCredentials) headers["access-control-allow-credentials"] = "true";
    return headers;
  };

  const refuse = (reason: string): CorsAnswer => ({
    status: 403,
    headers: anyOrigin ? {} : { vary: "Origin" },
    reason,
  });

  return {
    allows,
    preflight({ origin, method, headers }) {
      if (origin === undefined) return refuse("not a CORS preflight: no Origin header");
      if (!allows(origin)) return refuse(`origin ${origin} is not allowed to call this server`);
      if (method !== "POST") {
        return refuse(`method ${method ?? "(none)"} is not allowed: gRPC-Web calls use POST`);
      }
      const requested = (headers ?? "")
        .split(",")
        .map((name) => name.trim().toLowerCase())
        .filter((name) => name !== "");
      if (!anyHeader) {
        const refused = requested.filter((name) => !allowedHeaders.has(name));
        if (refused.length > 0) return refuse(`request header(s) not allowed: ${refused.join(", ")}`);
      }
      const answer = originHeaders(origin);
      answer["access-control-allow-methods"] = "POST";
      if (requested.length > 0) answer["access-control-allow-headers"] = requested.join(", ");
      answer["access-control-max-age"] = String(maxAge);
      answer.vary = anyOrigin ? "Access-Control-Request-Headers" : "Origin, Access-Control-Request-Headers";
      return { status: 204, headers: answer, reason: "" };
    },
    responseHeaders(origin) {
      const headers = originHeaders(origin);
      headers["access-control-expose-headers"] = exposed;
      return headers;
    },
  };
}

/**
 * Whether `origin` is the server's own (scheme and authority of the request itself). Browsers send
 * `Origin` on same-origin POSTs too; a page served by this server needs no CORS configuration.
 */
export function isSameOrigin(origin: string, authority: string | undefined, secure: boolean): boolean {
  if (authority === undefined) return false;
  try {
    return new URL(`${secure ? "https" : "http"}://${authority}`).origin === origin;
  } catch {
    return false;
  }
}
