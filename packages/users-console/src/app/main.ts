// The users console: wires the list, the live updates, the forms and the delete dialog to one
// @org/client-web client that talks to the service that served the page.
import { ChangeType, Role } from "@org/api/org/users/v1";
import { createUsersWebClient } from "@org/client-web";
import { apiBaseUrl } from "./api-base-url.js";
import { ConnectionStatus } from "./connection.js";
import { DeleteDialog } from "./delete-dialog.js";
import { byId, h } from "./dom.js";
import { LiveUpdates } from "./live-updates.js";
import { UserForm } from "./user-form.js";
import { UsersList } from "./users-list.js";

const client = createUsersWebClient({ baseUrl: apiBaseUrl() });
const connection = new ConnectionStatus(byId("connection"));
const activity = byId<HTMLOListElement>("activity");
const MAX_ACTIVITY = 20;

const list = new UsersList({
  client,
  problem: byId("problem"),
  onReachable: (reachable) => connection.list(reachable),
  onEdit: (user, opener) => form.openEdit(user, opener),
  onDelete: (user, opener) => dialog.open(user, opener),
});
const form = new UserForm(client, (user, created) => {
  note(`${created ? "You created" : "You saved"} ${user.name}`);
  void list.load(created ? user.id : undefined);
});
const dialog = new DeleteDialog(client, (user) => {
  note(`You deleted ${user.name}`);
  void list.load();
});
const live = new LiveUpdates({
  client,
  filter: () => list.filter,
  onChange: (change) => {
    list.applyChange(change);
    const user = change.user;
    if (user) note(`${user.name} (${user.email}) ${CHANGE_WORDS[change.changeType] ?? "changed"}`);
  },
  onLive: () => connection.watch("live"),
  onDown: () => connection.watch("down"),
  onReopen: () => void list.load(),
});

const CHANGE_WORDS: Partial<Record<ChangeType, string>> = {
  [ChangeType.CHANGE_TYPE_CREATED]: "was created",
  [ChangeType.CHANGE_TYPE_UPDATED]: "was updated",
  [ChangeType.CHANGE_TYPE_DELETED]: "was deleted",
};

function note(text: string): void {
  const time = new Date().toLocaleTimeString();
  activity.prepend(h("li", {}, h("time", {}, time), ` ${text}`));
  while (activity.children.length > MAX_ACTIVITY) activity.lastElementChild?.remove();
}

byId<HTMLFormElement>("filter").addEventListener("submit", (event) => {
  event.preventDefault();
  const query = byId<HTMLInputElement>("filter-query").value.trim();
  const role = Number(byId<HTMLSelectElement>("filter-role").value) as Role;
  void list.setFilter({ query, role, tags: [] }).then(() => live.restart());
});
byId("new-user").addEventListener("click", (event) => form.openCreate(event.currentTarget as HTMLElement));

void list.setFilter({ query: "", role: Role.ROLE_UNSPECIFIED, tags: [] });
live.restart();
