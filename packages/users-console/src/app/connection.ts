// The one line at the top that says whether the page is live, and says so loudly when the service
// cannot be reached (the list and the watch keep retrying meanwhile).
import { UNREACHABLE } from "./problem.js";

export class ConnectionStatus {
  private listDown = false;
  private watchDown = false;
  private watching = false;

  constructor(private readonly element: HTMLElement) {}

  list(ok: boolean): void {
    this.listDown = !ok;
    this.render();
  }

  watch(state: "live" | "down"): void {
    this.watchDown = state === "down";
    this.watching = state === "live";
    this.render();
  }

  get down(): boolean {
    return this.listDown || this.watchDown;
  }

  private render(): void {
    const text = this.down ? UNREACHABLE : this.watching ? "Live: changes appear as they happen." : "Connecting…";
    if (this.element.textContent !== text) this.element.textContent = text;
    this.element.classList.toggle("down", this.down);
  }
}
