/*
 * Request ids: random (version 4) UUIDs, each one flat string. Node's `randomUUID()` concatenates
 * hex pairs into a tree of about twenty V8 cons-strings (~650 bytes) that a call keeps for its
 * whole life, or flattens at a cost. Here the 36 characters are written into one reused buffer and
 * read out once; the random bytes come from the same CSPRNG, 128 ids' worth at a time (as Node's own
 * UUID cache does).
 */
import { randomFillSync } from "node:crypto";

/** The header a call's request id travels in, both ways. */
export const REQUEST_ID_HEADER = "x-request-id";

const IDS_PER_FILL = 128;
const random = Buffer.alloc(16 * IDS_PER_FILL);
let nextId = IDS_PER_FILL;
const text = Buffer.alloc(36);
const HEX = Buffer.from("0123456789abcdef", "latin1");
const DASH = 0x2d;

/** A new random UUID, lowercase, `xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx`. */
export function newRequestId(): string {
  if (nextId === IDS_PER_FILL) {
    randomFillSync(random);
    nextId = 0;
  }
  const from = nextId++ * 16;
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[at++] = DASH;
    let byte = random[from + i]!;
    if (i === 6)
      byte = (byte & 0x0f) | 0x40; // version 4
    else if (i === 8) byte = (byte & 0x3f) | 0x80; // RFC 4122 variant
    text[at++] = HEX[byte >> 4]!;
    text[at++] = HEX[byte & 0x0f]!;
  }
  return text.toString("latin1", 0, 36);
}
