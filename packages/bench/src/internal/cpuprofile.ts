// Reads a V8 .cpuprofile (node --cpu-prof) into self and total time per function, grouped by
// package, so that a profile of a server under load can be read as a table. Pure; unit-tested.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  name: string;
  /** Share of all samples spent in the function itself. */
  self: number;
  /** Share of all samples with the function on the stack. */
  total: number;
}

/** "nice-grpc", "@grpc/grpc-js", "node:internal", "@org/server", … from a script URL. */
export function packageOf(url: string): string {
  if (url === "") return "(native)";
  if (url.startsWith("node:")) return "node";
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = path.slice(nm + 14).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const pkg = /\/packages\/([^/]+)\//.exec(path);
  return pkg ? `@org/${pkg[1]}` : path;
}

function frameName(f: CallFrame): string {
  const file = f.url.slice(f.url.lastIndexOf("/") + 1);
  return `${f.functionName || "(anonymous)"} ${packageOf(f.url)}/${file}:${f.lineNumber + 1}`;
}

export function analyse(profile: CpuProfile): { functions: FunctionCost[]; packages: FunctionCost[]; samples: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfCount = new Map<number, number>();
  for (const s of profile.samples) selfCount.set(s, (selfCount.get(s) ?? 0) + 1);

  const fnSelf = new Map<string, number>();
  const fnTotal = new Map<string, number>();
  const pkgSelf = new Map<string, number>();
  const pkgTotal = new Map<string, number>();
  let counted = 0;
  for (const [id, count] of selfCount) {
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    if (name === "(idle)" || name === "(program)") continue;
    counted += count;
    const leaf = frameName(node.callFrame);
    fnSelf.set(leaf, (fnSelf.get(leaf) ?? 0) + count);
    const leafPkg = packageOf(node.callFrame.url);
    pkgSelf.set(leafPkg, (pkgSelf.get(leafPkg) ?? 0) + count);
    // Every function and package on this stack, once per stack.
    const seenFn = new Set<string>();
    const seenPkg = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      seenFn.add(frameName(f));
      seenPkg.add(packageOf(f.url));
    }
    for (const f of seenFn) fnTotal.set(f, (fnTotal.get(f) ?? 0) + count);
    for (const p of seenPkg) pkgTotal.set(p, (pkgTotal.get(p) ?? 0) + count);
  }
  const table = (self: Map<string, number>, total: Map<string, number>) =>
    [...total.keys()]
      .map((name) => ({ name, self: (self.get(name) ?? 0) / counted, total: total.get(name)! / counted }))
      .sort((a, b) => b.self - a.self);
  return { functions: table(fnSelf, fnTotal), packages: table(pkgSelf, pkgTotal), samples: counted };
}
