// Errors as a person wants to read them: what happened in words, and the request id to copy when
// they report it.
import { CallError, Status } from "@org/client-web";
import { h } from "./dom.js";

export const UNREACHABLE = "The service is unreachable, retrying…";

/** A sentence for `error`; `doing` says what failed ("saving the user"). */
export function describe(error: unknown, doing: string): string {
  if (!(error instanceof CallError)) return `Something went wrong while ${doing}: ${String(error)}`;
  if (error.code === Status.UNAVAILABLE) return `The service is unreachable: ${doing} did not happen. Try again in a moment.`;
  switch (error.code) {
    case Status.DEADLINE_EXCEEDED:
      return `The service took too long while ${doing}; it may or may not have happened. Reload to check.`;
    case Status.PERMISSION_DENIED:
    case Status.UNAUTHENTICATED:
      return `You are not allowed to do this (${error.details}).`;
    case Status.RESOURCE_EXHAUSTED:
      return `The service is busy; try again in a moment (${error.details}).`;
    case Status.INTERNAL:
    case Status.UNKNOWN:
      return `The service failed while ${doing}.`;
    default:
      return `${capitalize(doing)} failed: ${error.details}`;
  }
}

/** Nodes for a problem box: the sentence, then the request id with a copy button, if there is one. */
export function problemNodes(message: string, error?: unknown): Node[] {
  const nodes: Node[] = [h("span", { class: "message" }, message)];
  const requestId = error instanceof CallError ? error.requestId : undefined;
  if (requestId) nodes.push(requestIdNode(requestId));
  return nodes;
}

function requestIdNode(requestId: string): HTMLElement {
  const copy = h("button", { type: "button", class: "copy" }, "Copy request id");
  const status = h("span", { class: "visually-hidden", "aria-live": "polite" });
  copy.addEventListener("click", () => {
    void navigator.clipboard?.writeText(requestId).then(
      () => {
        status.textContent = "Request id copied";
      },
      () => {
        status.textContent = "Copy failed: select the id and copy it";
      },
    );
  });
  return h("span", { class: "request-id" }, "Request id: ", h("code", { "data-request-id": "" }, requestId), " ", copy, status);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
