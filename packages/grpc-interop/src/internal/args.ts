// `--name=value` flags, the command-line shape every gRPC implementation's interop binaries share.

/** Parses `--name=value` (and bare `--name`, as "true"); anything else is an error naming it. */
export function parseFlags(argv: readonly string[], known: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z_]+)(?:=(.*))?$/s.exec(arg);
    if (!match?.[1] || !known.includes(match[1])) {
      throw new Error(`unknown argument ${JSON.stringify(arg)}; expected ${known.map((k) => `--${k}=…`).join(" ")}`);
    }
    flags.set(match[1], match[2] ?? "true");
  }
  return flags;
}

export function boolFlag(flags: Map<string, string>, name: string): boolean {
  const value = flags.get(name) ?? "false";
  if (value !== "true" && value !== "false") throw new Error(`--${name} must be true or false, got ${JSON.stringify(value)}`);
  return value === "true";
}

export function portFlag(flags: Map<string, string>, name: string, fallback?: number): number {
  const raw = flags.get(name);
  if (raw === undefined && fallback !== undefined) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--${name} must be a port number (0-65535), got ${JSON.stringify(raw)}`);
  return port;
}
