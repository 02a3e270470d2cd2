// Size of a web page that calls UsersService through @org/client-web: bundled by esbuild for the
// browser (ESM, minified, tree-shaken), then gzip -9, as connect-es measures its own web clients.
// Prints the compressed total and, from esbuild's metafile, which packages the bytes come from.
// Usage: node dist/bundle-size.js [--json]
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";

export interface BundleSize {
  /** Minified bytes. */
  minified: number;
  /** gzip -9 bytes of the minified bundle. */
  gzipped: number;
  /** Minified bytes per package (or per workspace package dist), largest first. */
  byPackage: Array<{ name: string; bytes: number }>;
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

export async function measureUsersPage(): Promise<BundleSize> {
  const result = await build({
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
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  const metafile = result.metafile as Metafile;
  const output = Object.values(metafile.outputs)[0];
  const totals = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(path);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return {
    minified: code.length,
    gzipped: gzipSync(code, { level: 9 }).length,
    byPackage: [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
    inputs: Object.keys(output?.inputs ?? {}),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = await measureUsersPage();
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(size, null, 2));
  } else {
    console.log(
      `users page via @org/client-web: ${(size.minified / 1000).toFixed(1)} kB minified, ${(size.gzipped / 1000).toFixed(1)} kB gzip -9`,
    );
    for (const { name, bytes } of size.byPackage) console.log(`  ${name.padEnd(32)} ${(bytes / 1000).toFixed(1).padStart(6)} kB minified`);
  }
}
