// Renders results/<name>.md and .svg again from results/<name>.json (after a change to the
// report code): pnpm --filter @org/bench exec node dist/render.js [name]
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { BenchResults } from "./internal/results.js";
import { renderMarkdown } from "./report/markdown.js";
import { renderSvg } from "./report/svg.js";

const name = process.argv[2] ?? "latest";
const base = fileURLToPath(new URL(`../results/${name}`, import.meta.url));
const results = JSON.parse(await readFile(`${base}.json`, "utf8")) as BenchResults;
await writeFile(`${base}.md`, renderMarkdown(results));
await writeFile(`${base}.svg`, renderSvg(results));
console.log(`rendered ${base}.md and ${base}.svg`);
