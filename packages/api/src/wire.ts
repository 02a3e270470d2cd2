// The protobuf binary wire format, for the web flavour (`@org/api/web/...`) and @org/client-core's
// status-detail decoding: the `BinaryReader`/`BinaryWriter` subset of @bufbuild/protobuf/wire that
// ts-proto's generated code calls, with the same method names and the same bytes on the wire.
// Why not @bufbuild/protobuf in a browser: its reader and writer are classes (no method is
// tree-shaken) with int64 fallbacks for engines without BigInt and configurable text encoders,
// 3.9 kB gzip of a 14.3 kB page (packages/bench, "Browser bundle size"). This one assumes what every
// browser and Node 20+ has: BigInt, DataView's 64-bit accessors, TextEncoder/TextDecoder.
// test/wire.test.ts checks it against @bufbuild/protobuf value by value, both ways.

/** Protobuf wire types (a plain object: a TypeScript enum would add its reverse mapping). */
export const WireType = {
  Varint: 0,
  Bit64: 1,
  LengthDelimited: 2,
  StartGroup: 3,
  EndGroup: 4,
  Bit32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function checkInt(value: number, min: number, max: number, type: string): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`invalid ${type}: ${value}`);
}

/** Reads protobuf binary data. */
export class BinaryReader {
  /** Current position in `buf`. */
  pos = 0;
  /** Number of bytes available. */
  readonly len: number;
  readonly buf: Uint8Array;
  private readonly view: DataView;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.len = buf.length;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Reads a tag: field number and wire type. */
  tag(): [number, WireType] {
    const tag = this.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field <= 0 || wireType > 5) throw new Error(`illegal tag: field no ${field} wire type ${wireType}`);
    return [field, wireType as WireType];
  }

  /** Skips one field of `wireType` and returns its bytes. */
  skip(wireType: WireType | number, fieldNo?: number): Uint8Array {
    const start = this.pos;
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        break;
      case WireType.Bit64:
        this.advance(8);
        break;
      case WireType.Bit32:
        this.advance(4);
        break;
      case WireType.LengthDelimited:
        this.advance(this.uint32());
        break;
      case WireType.StartGroup:
        for (;;) {
          const [field, type] = this.tag();
          if (type === WireType.EndGroup) {
            if (fieldNo !== undefined && field !== fieldNo) throw new Error("invalid end group tag");
            break;
          }
          this.skip(type, field);
        }
        break;
      default:
        throw new Error(`cannot skip wire type ${wireType}`);
    }
    return this.buf.subarray(start, this.pos);
  }

  private advance(bytes: number): number {
    const at = this.pos;
    this.pos += bytes;
    if (this.pos > this.len) throw new RangeError("premature EOF");
    return at;
  }

  /** A varint of up to 10 bytes as an unsigned 64-bit value. */
  private varint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.buf[this.advance(1)] as number;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, value);
    }
    throw new Error("invalid varint");
  }

  uint32(): number {
    // The low 32 bits; the fast path covers every value below 2^28.
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const byte = this.buf[this.advance(1)] as number;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value >>> 0;
    }
    this.pos -= 4;
    return Number(BigInt.asUintN(32, this.varint()));
  }

  int32(): number {
    return this.uint32() | 0;
  }

  sint32(): number {
    const n = this.uint32();
    return (n >>> 1) ^ -(n & 1);
  }

  int64(): bigint {
    return BigInt.asIntN(64, this.varint());
  }

  uint64(): bigint {
    return this.varint();
  }

  sint64(): bigint {
    const n = this.varint();
    return (n >> 1n) ^ -(n & 1n);
  }

  bool(): boolean {
    return this.varint() !== 0n;
  }

  fixed32(): number {
    return this.view.getUint32(this.advance(4), true);
  }

  sfixed32(): number {
    return this.view.getInt32(this.advance(4), true);
  }

  fixed64(): bigint {
    return this.view.getBigUint64(this.advance(8), true);
  }

  sfixed64(): bigint {
    return this.view.getBigInt64(this.advance(8), true);
  }

  float(): number {
    return this.view.getFloat32(this.advance(4), true);
  }

  double(): number {
    return this.view.getFloat64(this.advance(8), true);
  }

  bytes(): Uint8Array {
    const length = this.uint32();
    const start = this.advance(length);
    return this.buf.subarray(start, start + length);
  }

  string(): string {
    return decoder.decode(this.bytes());
  }
}

/** Writes protobuf binary data; `fork()`/`join()` length-prefix a nested message. */
export class BinaryWriter {
  private chunks: Uint8Array[] = [];
  private buf: number[] = [];
  private readonly stack: Array<{ chunks: Uint8Array[]; buf: number[] }> = [];

  /** Returns everything written and resets the writer. */
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    this.chunks = [];
    return out;
  }

  /** Starts a length-delimited part; `join()` ends it. */
  fork(): this {
    this.flush();
    this.stack.push({ chunks: this.chunks, buf: this.buf });
    this.chunks = [];
    this.buf = [];
    return this;
  }

  /** Ends the part `fork()` started and writes it with its length. */
  join(): this {
    const part = this.finish();
    const outer = this.stack.pop();
    if (outer === undefined) throw new Error("invalid state, fork stack empty");
    this.chunks = outer.chunks;
    this.buf = outer.buf;
    return this.bytes(part);
  }

  private flush(): void {
    if (this.buf.length > 0) {
      this.chunks.push(new Uint8Array(this.buf));
      this.buf = [];
    }
  }

  /** Writes bytes as they are. */
  raw(chunk: Uint8Array): this {
    this.flush();
    this.chunks.push(chunk);
    return this;
  }

  tag(fieldNo: number, type: WireType): this {
    return this.uint32(((fieldNo << 3) | type) >>> 0);
  }

  private varint(value: bigint): this {
    let v = BigInt.asUintN(64, value);
    while (v > 0x7fn) {
      this.buf.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.buf.push(Number(v));
    return this;
  }

  uint32(value: number): this {
    checkInt(value, 0, 0xffffffff, "uint32");
    let v = value;
    while (v > 0x7f) {
      this.buf.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    this.buf.push(v);
    return this;
  }

  int32(value: number): this {
    checkInt(value, -0x80000000, 0x7fffffff, "int32");
    return value < 0 ? this.varint(BigInt(value)) : this.uint32(value);
  }

  sint32(value: number): this {
    checkInt(value, -0x80000000, 0x7fffffff, "int32");
    return this.uint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  int64(value: bigint | number | string): this {
    return this.varint(int64(value, true));
  }

  uint64(value: bigint | number | string): this {
    return this.varint(int64(value, false));
  }

  sint64(value: bigint | number | string): this {
    const n = int64(value, true);
    return this.varint((n << 1n) ^ (n >> 63n));
  }

  bool(value: boolean): this {
    this.buf.push(value ? 1 : 0);
    return this;
  }

  private fixed(bytes: number, set: (view: DataView) => void): this {
    const chunk = new Uint8Array(bytes);
    set(new DataView(chunk.buffer));
    for (const byte of chunk) this.buf.push(byte);
    return this;
  }

  fixed32(value: number): this {
    checkInt(value, 0, 0xffffffff, "uint32");
    return this.fixed(4, (v) => v.setUint32(0, value, true));
  }

  sfixed32(value: number): this {
    checkInt(value, -0x80000000, 0x7fffffff, "int32");
    return this.fixed(4, (v) => v.setInt32(0, value, true));
  }

  fixed64(value: bigint | number | string): this {
    const n = int64(value, false);
    return this.fixed(8, (v) => v.setBigUint64(0, n, true));
  }

  sfixed64(value: bigint | number | string): this {
    const n = int64(value, true);
    return this.fixed(8, (v) => v.setBigInt64(0, n, true));
  }

  float(value: number): this {
    return this.fixed(4, (v) => v.setFloat32(0, value, true));
  }

  double(value: number): this {
    return this.fixed(8, (v) => v.setFloat64(0, value, true));
  }

  bytes(value: Uint8Array): this {
    this.uint32(value.byteLength);
    return this.raw(value);
  }

  string(value: string): this {
    return this.bytes(encoder.encode(value));
  }
}

/** A 64-bit integer from what ts-proto passes (a bigint or its decimal string), range-checked. */
function int64(value: bigint | number | string, signed: boolean): bigint {
  const n = BigInt(value);
  if (n !== (signed ? BigInt.asIntN(64, n) : BigInt.asUintN(64, n))) throw new Error(`invalid ${signed ? "int64" : "uint64"}: ${value}`);
  return n;
}
