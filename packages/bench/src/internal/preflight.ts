// One call before the load: proves that a configuration answers the protocol the load generator
// will speak (h2load only sees HTTP statuses). A configuration that does not serve it is reported
// as "not served" instead of failing the run.
import { connect } from "node:http2";
import { parseGrpcWebBody } from "./grpc-web.js";

/** The configuration does not serve the protocol at all (as opposed to failing under load). */
export class NotServedError extends Error {
  override name = "NotServedError";
}

export type UnaryProtocol = "grpc" | "grpc-web";

export function protocolHeaders(protocol: UnaryProtocol): Record<string, string> {
  return protocol === "grpc"
    ? { "content-type": "application/grpc", te: "trailers" }
    : { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" };
}

/** Sends `body` to `path` once and checks a 200 with one message and grpc-status 0 at the end. */
export async function preflight(
  port: number,
  path: string,
  body: Buffer,
  protocol: UnaryProtocol,
  headers: Record<string, string>,
): Promise<void> {
  const session = connect(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  try {
    const { status, contentType, data, trailers } = await new Promise<{
      status: number;
      contentType: string;
      data: Buffer;
      trailers: Record<string, string | string[] | undefined>;
    }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000);
      const req = session.request({ ":method": "POST", ":path": path, ...headers, ...protocolHeaders(protocol) });
      let status = 0;
      let contentType = "";
      let trailers: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      req.on("response", (h) => {
        status = Number(h[":status"]);
        contentType = String(h["content-type"] ?? "");
        trailers = { ...h }; // a trailers-only answer carries grpc-status here
      });
      req.on("trailers", (t) => {
        trailers = { ...t };
      });
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on("close", () => {
        clearTimeout(timer);
        resolve({ status, contentType, data: Buffer.concat(chunks), trailers });
      });
      req.end(body);
    });
    const what = `${protocol} ${path}`;
    if (status !== 200) throw new NotServedError(`${what}: HTTP ${status} ${contentType}`.trim());
    if (protocol === "grpc") {
      if (trailers["grpc-status"] !== "0") throw new Error(`${what}: grpc-status ${String(trailers["grpc-status"])}`);
      return;
    }
    if (!contentType.startsWith("application/grpc-web")) throw new NotServedError(`${what}: answered with content-type "${contentType}"`);
    const web = parseGrpcWebBody(data);
    if (web.trailers === undefined) throw new NotServedError(`${what}: no trailer frame in the response body`);
    if (web.trailers["grpc-status"] !== "0" || web.messages.length !== 1) {
      throw new Error(`${what}: grpc-status ${web.trailers["grpc-status"]}, ${web.messages.length} message(s)`);
    }
  } finally {
    session.close();
  }
}
