// Saved builds of @org/server and @org/client to compare against (see save-prev.ts).

/** Suffix of a configuration id that runs the saved build instead of the current one. */
export const PREV_SUFFIX = "@prev";

export function prevModule(pkg: "server" | "client", name: string): URL {
  return new URL(`../../../${pkg}/node_modules/.org-prev/${name}/index.js`, import.meta.url);
}

/** The saved build chosen for this run (`--prev NAME`, passed to children in BENCH_PREV). */
export function prevName(): string {
  const name = process.env.BENCH_PREV;
  if (name === undefined || name === "") throw new Error("a @prev configuration needs --prev NAME");
  return name;
}
