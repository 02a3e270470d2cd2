// The create/edit form. Create sends CreateUser (the client adds a request_id, so a retry cannot
// create twice); edit sends UpdateUser with the mask of the changed fields and the etag the form was
// opened with, so a change made meanwhile by someone else is refused (ABORTED) instead of
// overwritten; the form then shows the current values. BadRequest violations go under their fields.
import type { User } from "@org/api/org/users/v1";
import { type CallError, isAborted, isAlreadyExists, isInvalidArgument, isNotFound, type UsersWebClient } from "@org/client-web";
import { byId, h, show } from "./dom.js";
import { describe, problemNodes } from "./problem.js";
import { changedPaths, formFieldOf, parseTags, type UserValues, valuesOf } from "./user-values.js";
import { ROLE_NAMES } from "./users-list.js";

const FIELDS = ["name", "email", "role", "tags"] as const;
const LABELS: Record<keyof UserValues, string> = { name: "Name", email: "Email", role: "Role", tags: "Tags" };

export class UserForm {
  private editing: User | undefined;
  private opener: HTMLElement | undefined;
  private readonly section = byId("editor");
  private readonly title = byId("editor-title");
  private readonly notice = byId("editor-notice");
  private readonly form = byId<HTMLFormElement>("user-form");
  private readonly formError = byId("user-form-error");
  private readonly save = byId<HTMLButtonElement>("user-save");

  constructor(
    private readonly client: UsersWebClient,
    private readonly onSaved: (user: User, created: boolean) => void,
  ) {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submit();
    });
    byId("user-cancel").addEventListener("click", () => this.close());
    this.section.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
  }

  openCreate(opener: HTMLElement): void {
    this.open(undefined, opener);
  }

  openEdit(user: User, opener: HTMLElement): void {
    this.open(user, opener);
  }

  close(): void {
    this.section.hidden = true;
    this.editing = undefined;
    this.opener?.focus();
  }

  private open(user: User | undefined, opener: HTMLElement): void {
    this.editing = user;
    this.opener = opener;
    this.title.textContent = user ? `Edit ${user.name}` : "New user";
    this.save.textContent = user ? "Save" : "Create";
    this.fill(user ? valuesOf(user) : { name: "", email: "", role: 1, tags: "" });
    this.clearErrors();
    show(this.notice);
    this.section.hidden = false;
    this.input("name").focus();
  }

  private async submit(): Promise<void> {
    const values = this.read();
    const editing = this.editing;
    this.clearErrors();
    this.save.disabled = true;
    this.form.setAttribute("aria-busy", "true");
    try {
      if (editing === undefined) {
        const { user } = await this.client.createUser({
          user: { name: values.name, email: values.email, role: values.role, tags: parseTags(values.tags) },
        });
        if (user) this.saved(user, true);
        return;
      }
      const paths = changedPaths(editing, values);
      if (paths.length === 0) {
        show(this.notice, "Nothing changed.");
        return;
      }
      const { user } = await this.client.updateUser({
        user: { id: editing.id, name: values.name, email: values.email, role: values.role, tags: parseTags(values.tags) },
        updateMask: paths,
        etag: editing.etag,
      });
      if (user) this.saved(user, false);
    } catch (error) {
      await this.failed(error, editing);
    } finally {
      this.save.disabled = false;
      this.form.removeAttribute("aria-busy");
    }
  }

  private saved(user: User, created: boolean): void {
    this.close();
    this.onSaved(user, created);
  }

  private async failed(error: unknown, editing: User | undefined): Promise<void> {
    if (isInvalidArgument(error) && error.badRequest) {
      const elsewhere: string[] = [];
      for (const violation of error.badRequest.fieldViolations) {
        const field = formFieldOf(violation.field);
        if (field) this.fieldError(field, violation.description);
        else elsewhere.push(`${violation.field}: ${violation.description}`);
      }
      const summary = ["Not saved: correct the fields marked above.", ...elsewhere].join(" ");
      show(this.formError, ...problemNodes(summary, error));
      this.form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    if (isAlreadyExists(error)) {
      this.fieldError("email", "is already used by another user");
      this.input("email").focus();
      return;
    }
    if (editing && isAborted(error)) {
      await this.stale(editing, error);
      return;
    }
    if (editing && isNotFound(error)) {
      show(this.notice, ...problemNodes("This user was deleted by someone else; there is nothing to save.", error));
      return;
    }
    show(this.formError, ...problemNodes(describe(error, editing ? "saving the user" : "creating the user"), error));
  }

  /** The etag was stale: load the current user, show what it is now, and edit from there. */
  private async stale(editing: User, error: CallError): Promise<void> {
    let current: User | undefined;
    try {
      current = (await this.client.getUser({ id: editing.id })).user;
    } catch (getError) {
      if (isNotFound(getError)) {
        show(this.notice, ...problemNodes("This user was deleted by someone else while you were editing.", error));
        return;
      }
      show(this.formError, ...problemNodes(describe(getError, "loading the current values"), getError));
      return;
    }
    if (current === undefined || this.editing !== editing) return;
    this.editing = current;
    this.fill(valuesOf(current));
    const now = h(
      "dl",
      { class: "current" },
      h("dt", {}, "Name"),
      h("dd", {}, current.name),
      h("dt", {}, "Email"),
      h("dd", {}, current.email),
      h("dt", {}, "Role"),
      h("dd", {}, ROLE_NAMES[current.role] ?? String(current.role)),
      h("dt", {}, "Tags"),
      h("dd", {}, current.tags.join(", ") || "none"),
    );
    show(
      this.notice,
      h(
        "p",
        {},
        "This user was changed by someone else while you were editing, so your changes were not saved. " +
          "The form now shows the current values; make your changes again and save.",
      ),
      now,
    );
    this.input("name").focus();
  }

  private input(field: keyof UserValues): HTMLInputElement | HTMLSelectElement {
    return byId(`user-${field}`);
  }

  private read(): UserValues {
    return {
      name: this.input("name").value,
      email: this.input("email").value,
      role: Number(this.input("role").value),
      tags: this.input("tags").value,
    };
  }

  private fill(values: UserValues): void {
    this.input("name").value = values.name;
    this.input("email").value = values.email;
    this.input("role").value = String(values.role);
    this.input("tags").value = values.tags;
  }

  private fieldError(field: keyof UserValues, description: string): void {
    const error = byId(`user-${field}-error`);
    // Several violations of one field (e.g. two bad tags) are listed together.
    show(error, error.hidden ? `${LABELS[field]} ${description}` : `${error.textContent}; ${description}`);
    this.input(field).setAttribute("aria-invalid", "true");
  }

  private clearErrors(): void {
    for (const field of FIELDS) {
      show(byId(`user-${field}-error`));
      this.input(field).removeAttribute("aria-invalid");
    }
    show(this.formError);
  }
}
