// CORS in the browser: the console served from another origin (a tiny node:http server on another
// port) calls the users service across origins. Chromium refuses unless the service allows that
// origin (GRPC_WEB_CORS_ORIGINS, read by @org/server): not configured, configured for another
// origin, and configured for this one.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createUsersClient } from "@org/client";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { consoleHttpHandler } from "../src/index.js";
import { type BrowserSession, launchBrowser } from "./support/browser.js";
import { startUsersService, type UsersServiceProcess } from "./support/users-service.js";

// The built page (the handler's default root is beside its own module, here src/).
const builtApp = fileURLToPath(new URL("../dist/app/", import.meta.url));
let browser: BrowserSession;
const cleanups: Array<() => PromiseLike<void> | void> = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.[Symbol.asyncDispose]();
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** The service, with one user, and the console served by a server of its own on another port. */
async function setUp(corsOrigins: (pageOrigin: string) => string | undefined) {
  // The page's server listens first so that its origin can go into the service's settings.
  let handler: ReturnType<typeof consoleHttpHandler> | undefined;
  const pageServer = http.createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  pageServer.listen(0, "127.0.0.1");
  await once(pageServer, "listening");
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        pageServer.close(() => resolve());
        pageServer.closeAllConnections();
      }),
  );
  const pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;

  const allowed = corsOrigins(pageOrigin);
  const service: UsersServiceProcess = await startUsersService(allowed === undefined ? {} : { GRPC_WEB_CORS_ORIGINS: allowed });
  cleanups.push(() => service[Symbol.asyncDispose]());
  handler = consoleHttpHandler({ apiBaseUrl: service.origin, root: builtApp });
  const users = createUsersClient({ target: `127.0.0.1:${service.port}` });
  cleanups.push(() => users.close?.());
  await users.createUser({ user: { name: "Cross Origin", email: "cross@example.org", role: 1 } });

  const page = await browser.page();
  cleanups.push(() => page.context().close());
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  await page.goto(`${pageOrigin}/`);
  return { page, pageOrigin, service, users, consoleErrors };
}

async function expectRefused(page: Page, consoleErrors: string[], name: string): Promise<void> {
  await expect.poll(() => page.locator("#connection").textContent(), { timeout: 20_000 }).toBe("The service is unreachable, retrying…");
  expect(await page.locator("#users-body tr").count()).toBe(0);
  // Chromium says why: the CORS check, not a network failure.
  await expect.poll(() => consoleErrors.some((text) => text.includes("blocked by CORS policy"))).toBe(true);
  await browser.screenshot(page, name);
}

describe("the console on another origin", () => {
  it("is refused when the service allows no origin", async () => {
    const { page, consoleErrors } = await setUp(() => undefined);
    await expectRefused(page, consoleErrors, "cors-refused");
  });

  it("is refused when the service allows another origin only", async () => {
    const { page, consoleErrors } = await setUp(() => "http://127.0.0.1:1,https://console.example.com");
    await expectRefused(page, consoleErrors, "cors-other-origin");
  });

  it("works when the service allows its origin: list, create, live updates", async () => {
    const { page, users, consoleErrors } = await setUp((origin) => origin);
    await expect.poll(() => page.locator("#users-body tr td:first-child").allTextContents(), { timeout: 15_000 }).toEqual(["Cross Origin"]);
    expect(await page.locator("#connection").textContent()).toBe("Connected: changes appear as they happen.");

    const form = page.locator("#user-form");
    await page.getByRole("button", { name: "New user" }).click();
    await form.getByLabel("Name", { exact: true }).fill("From Elsewhere");
    await form.getByLabel("Email", { exact: true }).fill("elsewhere@example.org");
    await page.getByRole("button", { name: "Create" }).click();
    await page.locator("#editor").waitFor({ state: "hidden" });
    expect((await users.listUsers({ filter: { query: "elsewhere@" } })).users.map((u) => u.name)).toEqual(["From Elsewhere"]);

    const { user } = await users.createUser({ user: { name: "Seen Live", email: "live@example.org", role: 1 } });
    await expect.poll(() => page.locator(`tr[data-user-id="${user?.id}"]`).count(), { timeout: 10_000 }).toBe(1);
    expect(consoleErrors.filter((text) => text.includes("CORS"))).toEqual([]);
    await browser.screenshot(page, "cors-allowed");
  });
});
