// Debian's Chromium (provisioned by scripts/provision-peers.mjs) driven by playwright-core, which
// downloads no browser of its own. Headless; one browser per test file, a fresh page per test.
import { accessSync, constants, mkdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

/** Screenshots go here: a test artifact, git-ignored (`.test-results/`), never committed. */
export const screenshotDir = fileURLToPath(new URL("../../.test-results/screenshots/", import.meta.url));

function chromiumPath(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, "chromium");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new Error("chromium is not on PATH: run `node scripts/provision-peers.mjs` (apt-get install chromium)");
}

export interface BrowserSession extends AsyncDisposable {
  browser: Browser;
  /** A new page (own context: no shared storage); closed with the session. */
  page(options?: { width?: number; height?: number }): Promise<Page>;
  /** Writes `<name>.png` of the page into {@link screenshotDir}. */
  screenshot(page: Page, name: string): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserSession> {
  mkdirSync(screenshotDir, { recursive: true });
  // --no-sandbox: the tests may run as root (CI containers), where Chromium's sandbox refuses to start.
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ["--no-sandbox"] });
  return {
    browser,
    async page(options = {}) {
      const context = await browser.newContext({
        viewport: { width: options.width ?? 1100, height: options.height ?? 900 },
        // The console's "Copy request id" button writes the clipboard; the tests read it back.
        permissions: ["clipboard-read", "clipboard-write"],
      });
      return context.newPage();
    },
    async screenshot(page, name) {
      await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
    },
    async [Symbol.asyncDispose]() {
      await browser.close();
    },
  };
}
