// Builds the page into dist/app: src/app/main.ts bundled for browsers by esbuild (ESM, minified),
// beside index.html and styles.css. Run after tsup (which empties dist).
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const from = (path) => fileURLToPath(new URL(`../src/app/${path}`, import.meta.url));
const out = fileURLToPath(new URL("../dist/app/", import.meta.url));
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [from("main.ts")],
  outfile: `${out}console.js`,
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
});
for (const file of ["index.html", "styles.css"]) copyFileSync(from(file), `${out}${file}`);
