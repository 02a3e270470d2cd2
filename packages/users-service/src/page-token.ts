// ListUsers page tokens: opaque to clients, tamper-evident (HMAC-SHA256), bound to the filter they
// were issued for, and carrying a keyset cursor (create_time, id) so that users added between two
// page reads neither shift nor repeat entries.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { NormalizedFilter, UserCursor } from "./store/users-repository.js";

/** Why a token was refused; the service turns it into INVALID_ARGUMENT on `page_token`. */
export class InvalidPageTokenError extends Error {
  override readonly name = "InvalidPageTokenError";
}

interface Payload {
  v: 1;
  /** Hash of the filter the token belongs to. */
  f: string;
  /** Cursor: create time (Unix ms) and id of the last user of the previous page. */
  t: number;
  i: string;
}

function filterHash(filter: NormalizedFilter): string {
  return createHash("sha256")
    .update(JSON.stringify([filter.role, filter.query, filter.tags]))
    .digest("base64url")
    .slice(0, 22);
}

export class PageTokenCodec {
  readonly #key: Buffer;

  /** `secret`: at least 32 bytes; random when omitted (tokens then do not outlive the process). */
  constructor(secret: Uint8Array = randomBytes(32)) {
    if (secret.length < 32) throw new RangeError("page token secret must be at least 32 bytes");
    this.#key = Buffer.from(secret);
  }

  encode(filter: NormalizedFilter, cursor: UserCursor): string {
    const payload: Payload = { v: 1, f: filterHash(filter), t: cursor.createTimeMs, i: cursor.id };
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${body}.${this.#sign(body).toString("base64url")}`;
  }

  /** The cursor in `token`; throws InvalidPageTokenError when altered, foreign or for another filter. */
  decode(token: string, filter: NormalizedFilter): UserCursor {
    const [body, signature, ...rest] = token.split(".");
    if (!body || !signature || rest.length > 0) throw new InvalidPageTokenError("malformed page token");
    // Compare the text, not decoded bytes: base64 has spare bits, and any changed character must fail.
    const given = Buffer.from(signature);
    const expected = Buffer.from(this.#sign(body).toString("base64url"));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidPageTokenError("page token was altered or was not issued by this service");
    }
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      throw new InvalidPageTokenError("malformed page token");
    }
    if (payload.v !== 1 || typeof payload.t !== "number" || typeof payload.i !== "string") {
      throw new InvalidPageTokenError("unsupported page token");
    }
    if (payload.f !== filterHash(filter)) {
      throw new InvalidPageTokenError("page token was issued for a different filter");
    }
    return { createTimeMs: payload.t, id: payload.i };
  }

  #sign(body: string): Buffer {
    return createHmac("sha256", this.#key).update(body).digest();
  }
}
