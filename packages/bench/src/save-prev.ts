// Saves the current builds of @org/server and @org/client under a name, so that a later run can
// compare against them in the same interleaved rounds:
//   pnpm --filter @org/bench save-prev before   (after building the code to compare against)
//   pnpm --filter @org/bench bench -- --prev before
// The copies go to packages/{server,client}/node_modules/.org-prev/NAME/ (ignored by git), where
// they resolve the packages' own dependencies.
import { copyFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { prevModule } from "./internal/prev.js";

const name = process.argv.slice(2).find((a) => a !== "--") ?? "";
if (!/^[\w.-]+$/.test(name)) {
  console.error("usage: save-prev NAME");
  process.exit(1);
}
for (const pkg of ["server", "client"] as const) {
  const target = prevModule(pkg, name);
  await mkdir(fileURLToPath(new URL(".", target)), { recursive: true });
  await copyFile(fileURLToPath(new URL(`../../${pkg}/dist/index.js`, import.meta.url)), fileURLToPath(target));
  console.log(`saved @org/${pkg} as ${fileURLToPath(target)}`);
}
