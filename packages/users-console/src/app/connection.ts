// The one line at the top that says whether the page is connected, and says so loudly when the
// service cannot be reached (the list and the watch keep retrying meanwhile).
import { UNREACHABLE } from "./problem.js";

export class ConnectionStatus {
  private listOk: boolean | undefined;
  private watchDown = false;

  constructor(private readonly element: HTMLElement) {}

  /** A ListUsers call was answered (`true`) or found the service unreachable. */
  list(ok: boolean): void {
    this.listOk = ok;
    // The list got through: the watch is being (re)opened on the same service.
    if (ok) this.watchDown = false;
    this.render();
  }

  /** The watch delivered something (`live`) or failed and is being reopened (`down`). */
  watch(state: "live" | "down"): void {
    this.watchDown = state === "down";
    this.render();
  }

  private render(): void {
    const down = this.listOk === false || this.watchDown;
    const text = down ? UNREACHABLE : this.listOk ? "Connected: changes appear as they happen." : "Connecting…";
    if (this.element.textContent !== text) this.element.textContent = text;
    this.element.classList.toggle("down", down);
  }
}
