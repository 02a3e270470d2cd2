// Serves the built console (dist/app) to browsers: a fixed set of files read once at start, so a
// request can only ever name one of them (no path from a URL reaches the file system).
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The request fields the handler reads (Node's `http` and `http2` compat requests have them). */
export interface ConsoleRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
}

/** The response calls the handler makes (Node's `http` and `http2` compat responses have them). */
export interface ConsoleResponse {
  writeHead(status: number, headers?: Record<string, string>): unknown;
  end(chunk?: Uint8Array | string): unknown;
}

/** Serves one request for the console; pass it as `@org/server`'s `httpHandler`. */
export type ConsoleHttpHandler = (req: ConsoleRequest, res: ConsoleResponse) => void;

/** Options of {@link consoleHttpHandler}. */
export interface ConsoleHttpHandlerOptions {
  /**
   * Where the page sends its gRPC-Web calls, `scheme://host[:port]`. Default: the page's own origin
   * (served on the service's port: same origin, no CORS). Set it when the page is served elsewhere;
   * that origin must then be allowed by the service's CORS settings.
   */
  apiBaseUrl?: string | undefined;
  /** Folder of the built page. Default: `dist/app` of this package. */
  root?: string | undefined;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json; charset=utf-8",
};

interface ServedFile {
  body: Buffer;
  headers: Record<string, string>;
}

/** The `<meta>` the page reads its API address from (src/app/api-base-url.ts). */
const API_META = '<meta name="users-api-base-url" content="">';

export function consoleHttpHandler(options: ConsoleHttpHandlerOptions = {}): ConsoleHttpHandler {
  const root = options.root ?? fileURLToPath(new URL("./app/", import.meta.url));
  const apiBaseUrl = options.apiBaseUrl === undefined ? undefined : checkedOrigin(options.apiBaseUrl);
  // The page may talk to its own origin and to the API, nothing else; no inline script at all.
  const csp = [
    "default-src 'self'",
    `connect-src 'self'${apiBaseUrl ? ` ${apiBaseUrl}` : ""}`,
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const files = new Map<string, ServedFile>();
  for (const name of readdirSync(root)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type === undefined) continue;
    let body = readFileSync(join(root, name));
    if (name === "index.html" && apiBaseUrl !== undefined) {
      body = Buffer.from(body.toString("utf8").replace(API_META, `<meta name="users-api-base-url" content="${apiBaseUrl}">`));
    }
    files.set(`/${name}`, {
      body,
      headers: {
        "content-type": type,
        "content-length": String(body.length),
        // Small files that change with each build: always revalidate.
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        ...(name.endsWith(".html") ? { "content-security-policy": csp } : {}),
      },
    });
  }
  const index = files.get("/index.html");
  if (index === undefined) throw new Error(`users console: ${join(root, "index.html")} is missing (build @org/users-console first)`);
  files.set("/", index);

  return (req, res) => {
    const path = (req.url ?? "/").split(/[?#]/, 1)[0] ?? "/";
    const file = files.get(path);
    if (file === undefined) {
      plain(res, 404, "not found");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("method not allowed");
      return;
    }
    res.writeHead(200, file.headers);
    res.end(req.method === "HEAD" ? undefined : file.body);
  };
}

function plain(res: ConsoleResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
  res.end(text);
}

function checkedOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`apiBaseUrl: expected scheme://host[:port], got ${JSON.stringify(value)}`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.origin !== value.replace(/\/$/, "")) {
    throw new Error(`apiBaseUrl: expected http(s)://host[:port] with nothing after it, got ${JSON.stringify(value)}`);
  }
  return url.origin;
}
