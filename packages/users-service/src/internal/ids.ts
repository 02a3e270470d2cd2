// UUIDv7 ids (RFC 9562) with a monotonic counter inside one millisecond, so that users created in
// the same millisecond still sort by creation: listing pages keyed on (create_time, id) then never
// skip a user created after the page was read.
import { randomBytes } from "node:crypto";

let lastMs = -1;
let counter = 0;

export function newUserId(nowMs: number = Date.now()): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    counter = randomBytes(2).readUInt16BE(0) & 0x3ff; // leave headroom below 0xfff
  } else {
    counter += 1;
    if (counter > 0xfff) {
      // 4096 ids in one millisecond: borrow the next millisecond rather than lose ordering.
      lastMs += 1;
      counter = 0;
    }
  }
  const bytes = randomBytes(16);
  const ms = BigInt(lastMs);
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A fresh etag: opaque, changes on every write. */
export function newEtag(): string {
  return randomBytes(9).toString("base64url");
}
