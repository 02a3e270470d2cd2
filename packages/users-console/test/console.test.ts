// The users console in a real browser (Debian's Chromium) against a real users service (its built
// dist, SQLite in a temporary folder): paging, a refused create, create and edit, live updates from
// WatchUsers, a stale edit, delete with confirmation, and the page surviving a service restart.
// Screenshots of the main states land in .test-results/screenshots (git-ignored).
import { createUsersClient, type UsersClient } from "@org/client";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserSession, launchBrowser } from "./support/browser.js";
import { startUsersService, type UsersServiceProcess } from "./support/users-service.js";

let service: UsersServiceProcess;
let browser: BrowserSession;
let users: UsersClient;
let page: Page;

beforeAll(async () => {
  service = await startUsersService();
  browser = await launchBrowser();
  users = createUsersClient({ target: `127.0.0.1:${service.port}` });
  // Twelve users: one full page of ten and a second page of two.
  for (let i = 1; i <= 12; i++) {
    await users.createUser({ user: { name: `Seed ${String(i).padStart(2, "0")}`, email: `seed${i}@example.org`, role: 1 } });
  }
  page = await browser.page();
  await page.goto(`${service.origin}/`);
});

afterAll(async () => {
  await browser?.[Symbol.asyncDispose]();
  users?.close?.();
  await service?.[Symbol.asyncDispose]();
});

/** The names in the table, once it has `count` rows. */
async function rowNames(count: number): Promise<string[]> {
  await expect.poll(() => page.locator("#users-body tr").count(), { timeout: 15_000 }).toBe(count);
  return page.locator("#users-body tr td:first-child").allTextContents();
}

/** Resolves once the page's WatchUsers stream is open on the running service. */
async function watchOpen(): Promise<void> {
  await expect
    .poll(() => service.metric("grpc_server_streams_in_flight", "WatchUsers"), { timeout: 20_000, interval: 200 })
    .toBeGreaterThanOrEqual(1);
}

/** The create/edit form (the filter above it has a role field and an email search too). */
function userForm() {
  return page.locator("#user-form");
}

async function total(): Promise<number> {
  return (await users.listUsers({ pageSize: 1 })).totalSize;
}

describe("users console", () => {
  it("is the page the service prints the URL of, and lists users a page at a time", async () => {
    expect(service.banner).toContain(`open the users console at ${service.origin}/`);
    expect(await page.title()).toBe("Users console");
    expect((await rowNames(10))[0]).toBe("Seed 01");
    await expect.poll(() => page.locator("#page-label").textContent()).toBe("Page 1 of 2");
    expect(await page.locator("#users-total").textContent()).toBe("(12)");
    expect(await page.locator("#page-prev").isDisabled()).toBe(true);
    await browser.screenshot(page, "01-list-page-1");

    await page.getByRole("button", { name: "Next page" }).click();
    expect(await rowNames(2)).toEqual(["Seed 11", "Seed 12"]);
    expect(await page.locator("#page-label").textContent()).toBe("Page 2 of 2");
    expect(await page.locator("#page-next").isDisabled()).toBe(true);

    await page.getByRole("button", { name: "Previous page" }).click();
    expect((await rowNames(10))[9]).toBe("Seed 10");

    // The filter goes to the server (ListUsers' filter): one match.
    await page.getByLabel("Name or email contains").fill("seed7@");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    expect(await rowNames(1)).toEqual(["Seed 07"]);
    await page.getByLabel("Name or email contains").fill("");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await rowNames(10);
  });

  it("shows a bad email's violation under the email field, and writes nothing", async () => {
    const before = await total();
    await page.getByRole("button", { name: "New user" }).click();
    // Keyboard: the form opens with the focus in its first field.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("user-name");
    await page.keyboard.type("Bad Email");
    await userForm().getByLabel("Email", { exact: true }).fill("not-an-email");
    await page.getByRole("button", { name: "Create" }).click();

    const error = page.locator("#user-email-error");
    await error.waitFor({ state: "visible" });
    expect(await error.textContent()).toMatch(/^Email .*valid/i);
    expect(await userForm().getByLabel("Email", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    // The message is tied to its field for screen readers, and the focus moved to the field.
    expect(await userForm().getByLabel("Email", { exact: true }).getAttribute("aria-describedby")).toBe("user-email-error");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("user-email");
    expect(await page.locator("#user-name-error").isHidden()).toBe(true);
    // The request id, to quote when reporting it, is shown and copied by its button.
    const requestId = (await page.locator("#user-form-error [data-request-id]").textContent()) ?? "";
    expect(requestId).toMatch(/^[\w-]{8,}$/);
    await page.locator("#user-form-error").getByRole("button", { name: "Copy request id" }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(requestId);
    await browser.screenshot(page, "02-create-bad-email");
    expect(await total()).toBe(before);
    const { users: found } = await users.listUsers({ filter: { query: "not-an-email" } });
    expect(found).toEqual([]);
  });

  it("creates a user, then edits it with a mask of the changed fields", async () => {
    // The form from the previous test is still open with its error; fixing the email saves.
    await userForm().getByLabel("Name", { exact: true }).fill("Grace Hopper");
    await userForm().getByLabel("Email", { exact: true }).fill("grace@example.org");
    await userForm().getByLabel("Role", { exact: true }).selectOption({ label: "Editor" });
    await userForm().getByLabel("Tags").fill("navy, cobol");
    await page.getByRole("button", { name: "Create" }).click();
    await page.locator("#editor").waitFor({ state: "hidden" });

    const { users: found } = await users.listUsers({ filter: { query: "grace@example.org" } });
    expect(found).toHaveLength(1);
    const grace = found[0]!;
    expect(grace).toMatchObject({ name: "Grace Hopper", email: "grace@example.org", role: 2, tags: ["navy", "cobol"] });
    // Oldest first: the 13th user is on page 2.
    await page.getByRole("button", { name: "Next page" }).click();
    expect(await rowNames(3)).toContain("Grace Hopper");

    await page.getByRole("button", { name: "Edit Grace Hopper" }).click();
    expect(await userForm().getByLabel("Email", { exact: true }).inputValue()).toBe("grace@example.org");
    await userForm().getByLabel("Role", { exact: true }).selectOption({ label: "Admin" });
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("#editor").waitFor({ state: "hidden" });
    const row = page.locator(`tr[data-user-id="${grace.id}"]`);
    await expect.poll(() => row.locator("td").nth(2).textContent()).toBe("Admin");
    const { user: saved } = await users.getUser({ id: grace.id });
    expect(saved).toMatchObject({ name: "Grace Hopper", email: "grace@example.org", role: 3, tags: ["navy", "cobol"] });
    expect(saved?.etag).not.toBe(grace.etag);
    await browser.screenshot(page, "03-created-and-edited");
  });

  it("shows a user created through @org/client without a reload (WatchUsers)", async () => {
    await watchOpen();
    const { user } = await users.createUser({ user: { name: "Watched Ada", email: "ada@example.org", role: 1 } });
    // Page 2 is the last page: the new user's row appears there, and the change is announced.
    await expect.poll(() => page.locator(`tr[data-user-id="${user?.id}"]`).count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.locator("#activity").textContent()).toContain("Watched Ada (ada@example.org) was created");
    // A change to a row on screen is patched in place.
    await users.updateUser({ user: { id: user?.id ?? "", name: "Watched Ada L." }, updateMask: ["name"] });
    await expect.poll(() => page.locator(`tr[data-user-id="${user?.id}"] td`).first().textContent()).toBe("Watched Ada L.");
    await browser.screenshot(page, "04-live-update");
  });

  it("refuses an edit of a user someone else changed meanwhile, and shows the current values", async () => {
    const { users: found } = await users.listUsers({ filter: { query: "grace@example.org" } });
    const grace = found[0]!;
    await page.getByRole("button", { name: "Edit Grace Hopper" }).click();
    // Someone else renames her after the form was opened.
    await users.updateUser({ user: { id: grace.id, name: "Rear Admiral Hopper" }, updateMask: ["name"], etag: grace.etag });
    await userForm().getByLabel("Email", { exact: true }).fill("hopper@example.org");
    await page.getByRole("button", { name: "Save" }).click();

    const notice = page.locator("#editor-notice");
    await notice.waitFor({ state: "visible" });
    expect(await notice.textContent()).toContain("changed by someone else");
    expect(await notice.textContent()).toContain("Rear Admiral Hopper");
    expect(await userForm().getByLabel("Name", { exact: true }).inputValue()).toBe("Rear Admiral Hopper");
    expect(await userForm().getByLabel("Email", { exact: true }).inputValue()).toBe("grace@example.org");
    await browser.screenshot(page, "05-stale-edit");
    // Nothing of the stale edit was written.
    expect((await users.getUser({ id: grace.id })).user?.email).toBe("grace@example.org");

    // Saving again from the current values works.
    await userForm().getByLabel("Email", { exact: true }).fill("hopper@example.org");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("#editor").waitFor({ state: "hidden" });
    expect((await users.getUser({ id: grace.id })).user).toMatchObject({ name: "Rear Admiral Hopper", email: "hopper@example.org" });
  });

  it("deletes only after confirmation", async () => {
    const { users: found } = await users.listUsers({ filter: { query: "ada@example.org" } });
    const ada = found[0]!;
    const row = page.locator(`tr[data-user-id="${ada.id}"]`);
    await expect.poll(() => row.locator("td").first().textContent()).toBe("Watched Ada L.");

    await page.getByRole("button", { name: "Delete Watched Ada L." }).click();
    const dialog = page.getByRole("dialog", { name: "Delete user?" });
    await dialog.waitFor({ state: "visible" });
    expect(await dialog.textContent()).toContain("Delete Watched Ada L. (ada@example.org)?");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect((await users.getUser({ id: ada.id })).user?.id).toBe(ada.id);

    await page.getByRole("button", { name: "Delete Watched Ada L." }).click();
    await dialog.getByRole("button", { name: "Delete" }).click();
    await dialog.waitFor({ state: "hidden" });
    await expect.poll(() => row.count()).toBe(0);
    await expect(users.getUser({ id: ada.id })).rejects.toMatchObject({ code: 5 });
  });

  it("says the service is unreachable while it is down, and works again after it restarts", async () => {
    await service.stop();
    const connection = page.locator("#connection");
    await expect.poll(() => connection.textContent(), { timeout: 15_000 }).toBe("The service is unreachable, retrying…");
    await browser.screenshot(page, "06-service-down");

    await service.start();
    await expect.poll(() => connection.textContent(), { timeout: 20_000 }).toBe("Connected: changes appear as they happen.");
    await watchOpen();
    const { user } = await users.createUser({ user: { name: "After Restart", email: "after@example.org", role: 1 } });
    await expect
      .poll(() => page.locator("#activity").textContent(), { timeout: 10_000 })
      .toContain("After Restart (after@example.org) was created");

    // And reads and writes from the page work again.
    await page.getByLabel("Name or email contains").fill("after@");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    expect(await rowNames(1)).toEqual(["After Restart"]);
    await page.getByRole("button", { name: "Edit After Restart" }).click();
    await userForm().getByLabel("Tags").fill("restarted");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("#editor").waitFor({ state: "hidden" });
    expect((await users.getUser({ id: user?.id ?? "" })).user?.tags).toEqual(["restarted"]);
    await browser.screenshot(page, "07-after-restart");
  });

  it("labels every control and works with the keyboard alone", async () => {
    const unlabelled = await page.evaluate(() =>
      [
        ...[...document.querySelectorAll("input, select")].filter((e) => (e as HTMLInputElement).labels?.length === 0),
        ...[...document.querySelectorAll("button")].filter((b) => !(b.getAttribute("aria-label") || b.textContent?.trim())),
      ].map((e) => e.outerHTML),
    );
    expect(unlabelled).toEqual([]);

    // New user → type → Tab through the fields → Enter submits; no mouse.
    await page.focus("#new-user");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("user-name");
    await page.keyboard.type("Keyboard Kay");
    await page.keyboard.press("Tab");
    await page.keyboard.type("kay@example.org");
    await page.keyboard.press("Tab");
    await page.keyboard.press("End"); // the role select: the last option, Admin
    await page.keyboard.press("Tab");
    await page.keyboard.type("keys");
    await page.keyboard.press("Enter");
    await page.locator("#editor").waitFor({ state: "hidden" });
    // The focus goes back to the button that opened the form.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("new-user");
    const { users: found } = await users.listUsers({ filter: { query: "kay@example.org" } });
    expect(found.map((u) => [u.name, u.role, u.tags])).toEqual([["Keyboard Kay", 3, ["keys"]]]);
  });

  it("fits a narrow screen: one card per user, every control reachable", async () => {
    const narrow = await browser.page({ width: 360, height: 740 });
    try {
      await narrow.goto(`${service.origin}/`);
      await expect.poll(() => narrow.locator("#users-body tr").count(), { timeout: 15_000 }).toBe(10);
      const width = await narrow.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(360);
      expect(
        await narrow
          .locator("#users-body td")
          .first()
          .evaluate((td) => getComputedStyle(td).display),
      ).toBe("block");
      await browser.screenshot(narrow, "08-narrow");
    } finally {
      await narrow.context().close();
    }
  });
});
