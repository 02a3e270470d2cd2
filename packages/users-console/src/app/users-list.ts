// The paged, filtered table of users (ListUsers with page tokens). It keeps the token of every page
// visited so "Previous" works, reloads itself when a live change touches the page, and keeps
// retrying while the service is unreachable.
import { ChangeType, Role, type User, type UserFilter, type WatchUsersResponse } from "@org/api/org/users/v1";
import { isInvalidArgument, isUnavailable, type UsersWebClient } from "@org/client-web";
import { byId, h, show } from "./dom.js";
import { describe, problemNodes } from "./problem.js";

export const PAGE_SIZE = 10;
const RELOAD_WHILE_DOWN_MS = 3_000;

export const ROLE_NAMES: Record<number, string> = {
  [Role.ROLE_UNSPECIFIED]: "None",
  [Role.ROLE_VIEWER]: "Viewer",
  [Role.ROLE_EDITOR]: "Editor",
  [Role.ROLE_ADMIN]: "Admin",
};

export interface UsersListOptions {
  client: UsersWebClient;
  onEdit: (user: User, opener: HTMLElement) => void;
  onDelete: (user: User, opener: HTMLElement) => void;
  /** Each load's outcome: whether the service answered. */
  onReachable: (reachable: boolean) => void;
  /** Where errors other than "unreachable" are shown. */
  problem: HTMLElement;
}

export class UsersList {
  filter: UserFilter = { role: Role.ROLE_UNSPECIFIED, query: "", tags: [] };
  private tokens: string[] = [""];
  private page = 0;
  private nextToken = "";
  private users: User[] = [];
  private loads = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly body = byId<HTMLTableSectionElement>("users-body");
  private readonly empty = byId("users-empty");
  private readonly total = byId("users-total");
  private readonly prev = byId<HTMLButtonElement>("page-prev");
  private readonly next = byId<HTMLButtonElement>("page-next");
  private readonly label = byId("page-label");
  private readonly queryError = byId("filter-query-error");
  private readonly queryInput = byId<HTMLInputElement>("filter-query");

  constructor(private readonly options: UsersListOptions) {
    this.prev.addEventListener("click", () => this.goTo(this.page - 1));
    this.next.addEventListener("click", () => this.goTo(this.page + 1));
    this.prev.disabled = true;
    this.next.disabled = true;
  }

  /** Shows the first page of users matching `filter`. */
  setFilter(filter: UserFilter): Promise<void> {
    this.filter = filter;
    this.tokens = [""];
    this.page = 0;
    return this.load();
  }

  /** Reads the page on screen again. */
  async load(fresh?: string): Promise<void> {
    clearTimeout(this.retryTimer);
    const load = ++this.loads;
    try {
      const response = await this.options.client.listUsers({
        pageSize: PAGE_SIZE,
        pageToken: this.tokens[this.page] ?? "",
        filter: this.filter,
      });
      if (load !== this.loads) return;
      this.options.onReachable(true);
      show(this.options.problem);
      show(this.queryError);
      this.queryInput.removeAttribute("aria-invalid");
      if (response.users.length === 0 && this.page > 0) {
        // The page emptied (users deleted meanwhile): step back instead of showing nothing.
        this.page -= 1;
        return this.load();
      }
      this.users = response.users;
      this.nextToken = response.nextPageToken;
      this.render(response.totalSize, fresh);
    } catch (error) {
      if (load !== this.loads) return;
      if (isUnavailable(error)) {
        this.options.onReachable(false);
        this.retryTimer = setTimeout(() => void this.load(), RELOAD_WHILE_DOWN_MS);
        return;
      }
      this.options.onReachable(true);
      const queryViolation = isInvalidArgument(error)
        ? error.badRequest?.fieldViolations.find((v) => v.field.startsWith("filter."))
        : undefined;
      if (queryViolation) {
        show(this.queryError, `${queryViolation.description}`);
        this.queryInput.setAttribute("aria-invalid", "true");
        return;
      }
      show(this.options.problem, ...problemNodes(describe(error, "loading the users"), error));
    }
  }

  /** A change from WatchUsers: patch the row in place, or read the page again when rows move. */
  applyChange(change: WatchUsersResponse): void {
    const user = change.user;
    if (user === undefined) return;
    const index = this.users.findIndex((u) => u.id === user.id);
    if (change.changeType === ChangeType.CHANGE_TYPE_UPDATED && index >= 0) {
      this.users[index] = user;
      this.body.rows[index]?.replaceWith(this.row(user, true));
    } else if (change.changeType === ChangeType.CHANGE_TYPE_CREATED && this.nextToken === "") {
      // Oldest first: a new user belongs on the last page, which is the one on screen.
      void this.load(user.id);
    } else if (change.changeType !== ChangeType.CHANGE_TYPE_UPDATED) {
      void this.load();
    }
  }

  private goTo(page: number): void {
    if (page < 0 || page >= this.tokens.length + (this.nextToken ? 1 : 0)) return;
    if (page === this.tokens.length) this.tokens.push(this.nextToken);
    this.page = page;
    void this.load();
  }

  private render(totalSize: number, fresh: string | undefined): void {
    this.body.replaceChildren(...this.users.map((user) => this.row(user, user.id === fresh)));
    this.empty.hidden = this.users.length > 0;
    this.total.textContent = `(${totalSize})`;
    const pages = Math.max(1, Math.ceil(totalSize / PAGE_SIZE));
    this.label.textContent = `Page ${this.page + 1} of ${pages}`;
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.nextToken === "";
  }

  private row(user: User, fresh: boolean): HTMLTableRowElement {
    const edit = h("button", { type: "button", "aria-label": `Edit ${user.name}` }, "Edit");
    const remove = h("button", { type: "button", "aria-label": `Delete ${user.name}` }, "Delete");
    edit.addEventListener("click", () => this.options.onEdit(user, edit));
    remove.addEventListener("click", () => this.options.onDelete(user, remove));
    const tags = user.tags.map((tag) => h("span", { class: "tag" }, tag));
    return h(
      "tr",
      { "data-user-id": user.id, ...(fresh ? { class: "fresh" } : {}) },
      h("td", { "data-label": "Name" }, user.name),
      h("td", { "data-label": "Email" }, user.email),
      h("td", { "data-label": "Role" }, ROLE_NAMES[user.role] ?? String(user.role)),
      h("td", { "data-label": "Tags" }, ...tags),
      h("td", { class: "row-actions" }, edit, " ", remove),
    );
  }
}
