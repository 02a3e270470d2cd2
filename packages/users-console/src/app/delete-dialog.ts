// Delete with confirmation: a modal <dialog> (focus moves into it, Escape cancels), then DeleteUser
// with the etag the list showed, so a user changed meanwhile is not deleted unseen.
import type { User } from "@org/api/org/users/v1";
import { isAborted, isNotFound, type UsersWebClient } from "@org/client-web";
import { byId, show } from "./dom.js";
import { describe, problemNodes } from "./problem.js";

export class DeleteDialog {
  private user: User | undefined;
  private opener: HTMLElement | undefined;
  private readonly dialog = byId<HTMLDialogElement>("confirm-delete");
  private readonly text = byId("confirm-delete-text");
  private readonly error = byId("confirm-delete-error");
  private readonly yes = byId<HTMLButtonElement>("confirm-delete-yes");

  constructor(
    private readonly client: UsersWebClient,
    private readonly onDeleted: (user: User) => void,
  ) {
    this.dialog.querySelector("form")?.addEventListener("submit", (event) => {
      if (event.submitter === this.yes) {
        event.preventDefault();
        void this.confirm();
      }
    });
    this.dialog.addEventListener("close", () => {
      this.user = undefined;
      this.opener?.focus();
    });
  }

  open(user: User, opener: HTMLElement): void {
    this.user = user;
    this.opener = opener;
    this.text.textContent = `Delete ${user.name} (${user.email})? This cannot be undone.`;
    show(this.error);
    this.yes.disabled = false;
    this.dialog.showModal();
  }

  private async confirm(): Promise<void> {
    const user = this.user;
    if (user === undefined) return;
    this.yes.disabled = true;
    try {
      await this.client.deleteUser({ id: user.id, etag: user.etag });
    } catch (error) {
      if (!isNotFound(error)) {
        this.yes.disabled = false;
        const message = isAborted(error)
          ? "This user was changed by someone else since the list was shown; it was not deleted. Check the new values first."
          : describe(error, "deleting the user");
        show(this.error, ...problemNodes(message, error));
        return;
      }
      // Already gone: what the person wanted.
    }
    this.dialog.close();
    this.onDeleted(user);
  }
}
