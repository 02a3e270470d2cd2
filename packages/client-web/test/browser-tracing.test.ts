// Tracing in a real browser (Debian's Chromium, provisioned by scripts/provision-peers.mjs, driven by
// playwright-core): a page that registers an OpenTelemetry web SDK the usual way (WebTracerProvider
// with its W3C propagator, and the fetch instrumentation, as @opentelemetry/auto-instrumentations-web
// does) gets `traceparent` on every call of @org/client-web without passing the client anything,
// because the client calls the page's `fetch` when it makes a call. A page without an SDK sends none.
// The page is bundled by esbuild and served by the same @org/server that answers its calls.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { UsersServiceDefinition } from "@org/api/org/users/v1";
import { startTestServer, type TestServer } from "@org/testing";
import { build } from "esbuild";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const here = fileURLToPath(new URL(".", import.meta.url));

/** The page: `window.callUsers(withSdk)` makes one GetUser call and returns the spans it ended. */
const PAGE_SOURCE = `
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { FetchInstrumentation } from "@opentelemetry/instrumentation-fetch";
import { InMemorySpanExporter, SimpleSpanProcessor, WebTracerProvider } from "@opentelemetry/sdk-trace-web";
import { createUsersWebClient } from "../dist/index.js";

window.callUsers = async (withSdk) => {
  const exporter = new InMemorySpanExporter();
  if (withSdk) {
    new WebTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
    registerInstrumentations({ instrumentations: [new FetchInstrumentation()] });
  }
  const users = createUsersWebClient({ baseUrl: location.origin });
  const { user } = await users.getUser({ id: "u_1" });
  // The fetch instrumentation ends its span once the response body has been read.
  for (let i = 0; i < 50 && withSdk && exporter.getFinishedSpans().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const spans = exporter.getFinishedSpans().map((s) => ({ name: s.name, traceId: s.spanContext().traceId, spanId: s.spanContext().spanId }));
  return { name: user?.name, spans };
};
`;

/** Debian's Chromium on PATH, as scripts/provision-peers.mjs leaves it. */
function chromiumPath(): string {
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("chromium is not on PATH: run `node scripts/provision-peers.mjs` (apt-get install chromium)");
  }
}

let browser: Browser;
let server: TestServer<typeof UsersServiceDefinition>;
let pageScript: string;
const traceparents: Array<string | undefined> = [];

beforeAll(async () => {
  const bundled = await build({
    stdin: { contents: PAGE_SOURCE, resolveDir: here, loader: "ts", sourcefile: "tracing-page.ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  pageScript = bundled.outputFiles[0]?.text ?? "";
  server = await startTestServer(
    UsersServiceDefinition,
    {
      getUser: async ({ id }, context) => {
        traceparents.push(context.metadata.get("traceparent"));
        return { user: { id, name: "Traced", email: "traced@example.org" } };
      },
    },
    {
      serverOptions: {
        // The page and its script, from the origin its calls go to (same origin: no CORS involved).
        httpHandler: (req, res) => {
          const script = req.url === "/page.js";
          res.writeHead(200, { "content-type": script ? "text/javascript" : "text/html" });
          res.end(script ? pageScript : '<!doctype html><script type="module" src="/page.js"></script>');
        },
      },
    },
  );
  browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ["--no-sandbox"] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function callFromPage(withSdk: boolean): Promise<{ name: string; spans: Array<{ name: string; traceId: string; spanId: string }> }> {
  const page = await browser.newPage();
  try {
    await page.goto(`http://${server.address}/`);
    await page.waitForFunction(() => "callUsers" in window);
    return await page.evaluate((sdk) => (window as unknown as { callUsers(sdk: boolean): Promise<never> }).callUsers(sdk), withSdk);
  } finally {
    await page.close();
  }
}

describe("@org/client-web in Chromium with an OpenTelemetry web SDK", () => {
  it("sends the fetch span's traceparent on a call when the page registered the SDK and its fetch instrumentation", async () => {
    traceparents.length = 0;
    const { name, spans } = await callFromPage(true);
    expect(name).toBe("Traced");
    const fetchSpan = spans.find((s) => s.name.startsWith("HTTP POST") || s.name === "POST");
    expect(fetchSpan, JSON.stringify(spans)).toBeDefined();
    expect(traceparents).toEqual([`00-${fetchSpan?.traceId}-${fetchSpan?.spanId}-01`]);
  }, 60_000);

  it("sends no trace context from a page without an SDK", async () => {
    traceparents.length = 0;
    const { name, spans } = await callFromPage(false);
    expect(name).toBe("Traced");
    expect(spans).toEqual([]);
    expect(traceparents).toEqual([undefined]);
  }, 60_000);
});
