// Size of a web page that calls UsersService through @org/client-web: bundled by esbuild for the
// browser (ESM, minified, tree-shaken), then gzip -9, as connect-es measures its own web clients.
// Prints the compressed total and, from esbuild's metafile, which packages the bytes come from; the
// gzip share of each package is what the compressed bundle loses without that package's code (a
// second build that keeps esbuild's per-module comments tells which output belongs to which module).
// Usage: node dist/bundle-size.js [--json]
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build, type Metafile } from "esbuild";

export interface BundleSize {
  /** Minified bytes. */
  minified: number;
  /** gzip -9 bytes of the minified bundle. */
  gzipped: number;
  /**
   * Per package (or per workspace package dist), largest first: minified bytes, and gzip bytes the
   * page would lose without that package's code (gzip shares do not add up exactly to the total).
   */
  byPackage: Array<{ name: string; bytes: number; gzipBytes: number }>;
  /** Every input file that made it into the bundle. */
  inputs: string[];
}

const PAGE = fileURLToPath(new URL("../bundle-page/users-page.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function packageOf(path: string): string {
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const parts = path.slice(nm + "node_modules/".length).split("/");
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
  }
  const workspace = /packages\/([^/]+)\//.exec(path);
  return workspace ? `@org/${workspace[1]}` : path;
}

const OPTIONS: BuildOptions = {
  entryPoints: [PAGE],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  write: false,
  metafile: true,
  logLevel: "silent",
  absWorkingDir: REPO_ROOT,
};

const gzip = (code: string | Uint8Array) => gzipSync(code, { level: 9 }).length;

/**
 * The gzip bytes each package adds. The same bundle with identifiers and syntax minified but not
 * whitespace carries a `// path` comment before each module's code, which splits it into
 * per-package segments; a package's share is gzip(all) - gzip(all but its own segments), scaled by
 * how much smaller the fully minified bundle compresses (`gzipped / gzip(all)`).
 */
async function gzipShares(gzipped: number): Promise<Map<string, number>> {
  const result = await build({ ...OPTIONS, minify: false, minifyIdentifiers: true, minifySyntax: true, metafile: false });
  const text = result.outputFiles?.[0]?.text ?? "";
  const segments: Array<{ name: string; code: string }> = [];
  let current = { name: "(bundle)", lines: [] as string[] };
  for (const line of text.split("\n")) {
    const marker = /^\s*\/\/ (\S+\.[cm]?[jt]sx?)$/.exec(line);
    if (marker?.[1] === undefined) {
      current.lines.push(line.trim());
      continue;
    }
    segments.push({ name: current.name, code: current.lines.join("\n") });
    current = { name: packageOf(marker[1]), lines: [] };
  }
  segments.push({ name: current.name, code: current.lines.join("\n") });
  const all = gzip(segments.map((s) => s.code).join("\n"));
  const shares = new Map<string, number>();
  for (const name of new Set(segments.map((s) => s.name))) {
    const without = segments
      .filter((s) => s.name !== name)
      .map((s) => s.code)
      .join("\n");
    shares.set(name, Math.round(((all - gzip(without)) * gzipped) / all));
  }
  return shares;
}

export async function measureUsersPage(): Promise<BundleSize> {
  const result = await build(OPTIONS);
  const code = result.outputFiles?.[0]?.contents ?? new Uint8Array();
  const metafile = result.metafile as Metafile;
  const output = Object.values(metafile.outputs)[0];
  const totals = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(path);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  const gzipped = gzip(code);
  const shares = await gzipShares(gzipped);
  return {
    minified: code.length,
    gzipped,
    byPackage: [...totals].map(([name, bytes]) => ({ name, bytes, gzipBytes: shares.get(name) ?? 0 })).sort((a, b) => b.bytes - a.bytes),
    inputs: Object.keys(output?.inputs ?? {}),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = await measureUsersPage();
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(size, null, 2));
  } else {
    console.log(
      `users page via @org/client-web: ${(size.minified / 1000).toFixed(1)} kB minified, ${(size.gzipped / 1000).toFixed(2)} kB gzip -9 (${size.gzipped} bytes)`,
    );
    for (const { name, bytes, gzipBytes } of size.byPackage) {
      console.log(
        `  ${name.padEnd(32)} ${(bytes / 1000).toFixed(1).padStart(6)} kB minified ${(gzipBytes / 1000).toFixed(1).padStart(6)} kB gzip`,
      );
    }
  }
}
