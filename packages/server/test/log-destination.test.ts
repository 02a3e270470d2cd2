// The default stdout destination batches lines (src/internal/log-destination.ts): none may be lost,
// however the process ends.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));

async function childLines(end: string): Promise<any[]> {
  const script = `
    import { createServer } from "@org/server";
    const server = createServer({ handleSignals: false, logLevel: "info" });
    // Several chunks' worth, the last one partial, with characters UTF-8 takes 2 to 4 bytes for.
    for (let i = 0; i < 3000; i++) server.logger.info({ i, text: "é€😀".repeat(i % 7) }, "line");
    ${end}
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: packageDir, timeout: 20_000 });
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
    .filter((line) => line.msg === "line");
}

describe("default log destination", () => {
  it.each([
    ["process.exit()", "process.exit(0);"],
    ["the event loop running out", ""],
    ["shutdown()", "await server.shutdown();"],
  ])("writes every line, in order, when the process ends by %s", async (_name, end) => {
    const lines = await childLines(end);
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(lines[6].text).toBe("é€😀".repeat(6));
  });
});
