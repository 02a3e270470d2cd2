/*
 * Base64 for `application/grpc-web-text` bodies. The request decoder is incremental: a body arrives
 * in chunks that may split a base64 quad anywhere, and PROTOCOL-WEB lets a sender flush "whenever
 * the runtime needs to", so padding may also appear inside the body, between independently encoded
 * pieces (`AAAAAAFh` + `gAAAAA8=` style concatenation). The response encoder encodes each write on
 * its own, with its own padding, which the same rule makes valid for every reader.
 */

/** A body that is not base64. `offset` counts base64 characters from the start of the body. */
export class Base64DecodeError extends Error {
  override readonly name = "Base64DecodeError";
  constructor(
    readonly offset: number,
    detail: string,
  ) {
    super(`request body is not valid base64 at character ${offset}: ${detail}`);
  }
}

const PAD = 0x3d; // "="
const INVALID = -1;
const SEXTETS = new Int8Array(256).fill(INVALID);
for (const [i, c] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].entries()) {
  SEXTETS[c.charCodeAt(0)] = i;
}

/**
 * Decodes a stream of base64 chunks into bytes. Each `push` returns the bytes completed by that
 * chunk (a view into a fresh buffer, empty when the chunk only added to a partial quad); `end`
 * returns what an unpadded final quad holds and throws when the body stopped mid-quad.
 */
export class Base64StreamDecoder {
  /** Sextets of the quad in progress, most significant first. */
  private bits = 0;
  /** Data characters of the quad in progress (0–3). */
  private count = 0;
  /** `=` still owed by a quad that was closed with one `=` of two. */
  private owedPadding = 0;
  private consumed = 0;

  push(chunk: Uint8Array): Uint8Array {
    const out = new Uint8Array(Math.floor(((this.count + chunk.length) * 3) / 4));
    let o = 0;
    let bits = this.bits;
    let count = this.count;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      const sextet = SEXTETS[c] as number;
      if (sextet !== INVALID) {
        if (this.owedPadding !== 0) this.fail(i, 'expected "=" to finish the padded quad');
        bits = (bits << 6) | sextet;
        if (++count === 4) {
          out[o++] = bits >>> 16;
          out[o++] = (bits >>> 8) & 0xff;
          out[o++] = bits & 0xff;
          bits = 0;
          count = 0;
        }
      } else if (c === PAD) {
        if (this.owedPadding !== 0) {
          this.owedPadding = 0;
        } else if (count === 2) {
          out[o++] = (bits >>> 4) & 0xff;
          this.owedPadding = 1;
          bits = 0;
          count = 0;
        } else if (count === 3) {
          out[o++] = (bits >>> 10) & 0xff;
          out[o++] = (bits >>> 2) & 0xff;
          bits = 0;
          count = 0;
        } else {
          this.fail(i, `"=" after ${count} character(s) of a quad`);
        }
      } else {
        this.fail(i, `byte 0x${c.toString(16).padStart(2, "0")} is not in the base64 alphabet`);
      }
    }
    this.bits = bits;
    this.count = count;
    this.consumed += chunk.length;
    return out.subarray(0, o);
  }

  /** The end of the body: a final quad may be unpadded (`QQ` for one byte); anything else half-done throws. */
  end(): Uint8Array {
    const { bits, count } = this;
    this.bits = 0;
    this.count = 0;
    if (this.owedPadding !== 0) this.fail(0, 'the body ends inside padding (expected one more "=")');
    if (count === 0) return new Uint8Array(0);
    if (count === 1) this.fail(0, "the body ends with a single character of a quad");
    if (count === 2) return Uint8Array.of((bits >>> 4) & 0xff);
    return Uint8Array.of((bits >>> 10) & 0xff, (bits >>> 2) & 0xff);
  }

  private fail(index: number, detail: string): never {
    throw new Base64DecodeError(this.consumed + index, detail);
  }
}

/** One response write in text mode: standard base64 with its own padding. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
