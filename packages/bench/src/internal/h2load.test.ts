import { describe, expect, it } from "vitest";
import { h2loadArgs, parseH2loadLog, parseH2loadOutput } from "./h2load.js";

// Output of nghttp2 1.52's h2load against a local server (trimmed progress lines).
const OUTPUT = `starting benchmark...
spawning thread #0: 2 total client(s). 20000 total requests
Application protocol: h2c
progress: 100% done

finished in 1.11s, 17949.99 req/s, 2.35MB/s
requests: 20000 total, 20000 started, 19990 done, 19980 succeeded, 10 failed, 10 errored, 0 timeout
status codes: 19980 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 2.61MB (2741116) total, 97.88KB (100226) headers (space savings 96.39%), 1.96MB (2060000) data
                     min         max         mean         sd        +/- sd
time for request:     1.15ms     30.80ms      5.48ms      5.33ms    86.61%
`;

describe("h2load", () => {
  it("builds a request-count run with headers and a log file", () => {
    const args = h2loadArgs({
      url: "http://127.0.0.1:1/svc/M",
      bodyFile: "/tmp/b",
      headers: { "content-type": "application/grpc", te: "trailers" },
      connections: 4,
      streamsPerConnection: 25,
      requests: 1000,
      logFile: "/tmp/l",
    });
    expect(args).toEqual([
      "-c",
      "4",
      "-m",
      "25",
      "-t",
      "1",
      "-d",
      "/tmp/b",
      "-n",
      "1000",
      "-H",
      "content-type: application/grpc",
      "-H",
      "te: trailers",
      "--log-file=/tmp/l",
      "http://127.0.0.1:1/svc/M",
    ]);
  });

  it("builds a timed run and needs one of count or duration", () => {
    const base = { url: "u", bodyFile: "b", headers: {}, connections: 1, streamsPerConnection: 1 };
    expect(h2loadArgs({ ...base, durationSec: 2 })).toContain("-D");
    expect(() => h2loadArgs(base)).toThrow(/requests or durationSec/);
  });

  it("parses the summary", () => {
    expect(parseH2loadOutput(OUTPUT)).toEqual({
      elapsedSec: 1.11,
      reqPerSec: 17949.99,
      total: 20000,
      done: 19990,
      succeeded: 19980,
      failed: 10,
      errored: 10,
      timeout: 0,
      status2xx: 19980,
    });
    expect(parseH2loadOutput(OUTPUT.replace("1.11s", "950.5ms")).elapsedSec).toBeCloseTo(0.9505);
  });

  it("rejects output it does not understand", () => {
    expect(() => parseH2loadOutput("connection refused")).toThrow(/unexpected h2load output/);
  });

  it("reads request durations from the log file", () => {
    expect(parseH2loadLog("1795350526129987\t200\t20192\n1795350526129988\t200\t311\n\n")).toEqual([20192, 311]);
  });
});
