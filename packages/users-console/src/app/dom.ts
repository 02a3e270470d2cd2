// The few DOM helpers the console needs (no UI framework: the page is a handful of forms and a table).

/** The element with this id, which the page must have. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`users console: #${id} is missing from index.html`);
  return element as T;
}

/** Creates an element with attributes and children (strings become text, never HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** Shows `element` with these children, or hides it when there are none. */
export function show(element: HTMLElement, ...children: Array<Node | string>): void {
  element.replaceChildren(...children);
  element.hidden = children.length === 0;
}
