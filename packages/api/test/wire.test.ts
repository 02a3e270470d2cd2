// src/wire.ts against @bufbuild/protobuf's reader and writer: the same bytes for every scalar kind
// at its edges, each decoding what the other encodes, nested (fork/join) parts, skipped fields and
// groups, and clear errors for truncated or invalid input.
import * as buf from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { BinaryReader, BinaryWriter, WireType } from "../src/wire.js";

const int32s = [0, 1, -1, 127, 128, 300, 16_383, 16_384, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, -(2 ** 31), -300];
const uint32s = [0, 1, 127, 128, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1];
const int64s = [0n, 1n, -1n, 127n, 128n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 35n)];
const uint64s = [0n, 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n];
const doubles = [0, -0, 1.5, -2.25, Number.MAX_VALUE, Number.MIN_VALUE, Number.POSITIVE_INFINITY, Number.NaN];
const floats = [0, 1.5, -2.25, 3.4028234663852886e38, Number.NEGATIVE_INFINITY];
const strings = ["", "a", "é", "日本語", "emoji 🎉", "x".repeat(300)];

type Kind = [string, readonly unknown[]];
const kinds: Kind[] = [
  ["int32", int32s],
  ["sint32", int32s],
  ["sfixed32", int32s],
  ["uint32", uint32s],
  ["fixed32", uint32s],
  ["int64", int64s],
  ["sint64", int64s],
  ["sfixed64", int64s],
  ["uint64", uint64s],
  ["fixed64", uint64s],
  ["double", doubles],
  ["float", floats],
  ["bool", [true, false]],
  ["string", strings],
  ["bytes", [new Uint8Array(), new Uint8Array([0, 255, 128]), new Uint8Array(200).fill(7)]],
];

type Writer = Record<string, (value: unknown) => unknown> & { uint32(n: number): unknown; finish(): Uint8Array };
type Reader = Record<string, () => unknown>;

describe("BinaryWriter and BinaryReader", () => {
  for (const [kind, values] of kinds) {
    it(`${kind}: the same bytes as @bufbuild/protobuf, and each reads the other's`, () => {
      const ours = new BinaryWriter() as unknown as Writer;
      const theirs = new buf.BinaryWriter() as unknown as Writer;
      for (const [i, value] of values.entries()) {
        ours.uint32(i + 1);
        ours[kind]?.(value);
        theirs.uint32(i + 1);
        theirs[kind]?.(value);
      }
      const bytes = ours.finish();
      expect(bytes).toEqual(theirs.finish());
      const reader = new BinaryReader(bytes) as unknown as Reader;
      const reference = new buf.BinaryReader(bytes) as unknown as Reader;
      for (const [i, value] of values.entries()) {
        expect(reader.uint32?.()).toBe(i + 1);
        reference.uint32?.();
        const read = reader[kind]?.();
        expect(read).toEqual(reference[kind]?.());
        if (kind === "float") expect(read).toBe(Math.fround(value as number));
        else expect(read).toEqual(value);
      }
      expect((reader as unknown as BinaryReader).pos).toBe(bytes.length);
    });
  }

  it("length-prefixes forked parts, nested, like @bufbuild/protobuf", () => {
    const write = (w: BinaryWriter | buf.BinaryWriter) => {
      w.uint32(10).fork().uint32(8).int32(-5).uint32(18).fork().uint32(10).string("inner").join().join();
      w.uint32(26).fork().join();
      return w.finish();
    };
    const bytes = write(new BinaryWriter());
    expect(bytes).toEqual(write(new buf.BinaryWriter()));
    const reader = new BinaryReader(bytes);
    expect(reader.tag()).toEqual([1, WireType.LengthDelimited]);
    const outer = new BinaryReader(reader.bytes());
    expect(outer.tag()).toEqual([1, WireType.Varint]);
    expect(outer.int32()).toBe(-5);
    expect(outer.tag()).toEqual([2, WireType.LengthDelimited]);
    expect(outer.skip(WireType.LengthDelimited)).toEqual(new Uint8Array([7, 10, 5, ...new TextEncoder().encode("inner")]));
    expect(reader.tag()).toEqual([3, WireType.LengthDelimited]);
    expect(reader.bytes()).toEqual(new Uint8Array());
    expect(() => new BinaryWriter().join()).toThrow(/fork stack empty/);
  });

  it("skips every wire type, groups included, as @bufbuild/protobuf does", () => {
    const w = new buf.BinaryWriter();
    w.tag(1, buf.WireType.Varint).int64(-1n);
    w.tag(2, buf.WireType.Bit64).double(1.5);
    w.tag(3, buf.WireType.Bit32).fixed32(7);
    w.tag(4, buf.WireType.LengthDelimited).string("skip me");
    w.tag(5, buf.WireType.StartGroup).tag(1, buf.WireType.Varint).int32(3).tag(5, buf.WireType.EndGroup);
    w.tag(6, buf.WireType.Varint).int32(42);
    const bytes = w.finish();
    const ours = new BinaryReader(bytes);
    const theirs = new buf.BinaryReader(bytes);
    for (let i = 0; i < 5; i++) {
      const [field, type] = ours.tag();
      expect([field, type]).toEqual(theirs.tag());
      expect(ours.skip(type, field)).toEqual(theirs.skip(type as number as buf.WireType, field));
    }
    expect(ours.tag()).toEqual([6, WireType.Varint]);
    expect(ours.int32()).toBe(42);
  });

  it("refuses truncated input, a varint longer than 10 bytes, a bad tag and out-of-range values", () => {
    expect(() => new BinaryReader(new Uint8Array([0x80])).uint32()).toThrow(/premature EOF/);
    expect(() => new BinaryReader(new Uint8Array([3, 97])).string()).toThrow(/premature EOF/);
    expect(() => new BinaryReader(new Uint8Array([1, 2])).fixed32()).toThrow(RangeError);
    expect(() => new BinaryReader(new Uint8Array(11).fill(0x80)).int64()).toThrow(/invalid varint/);
    expect(() => new BinaryReader(new Uint8Array([0])).tag()).toThrow(/illegal tag/);
    expect(() => new BinaryReader(new Uint8Array([8 | 7])).tag()).toThrow(/illegal tag/);
    expect(() => new BinaryWriter().int32(2 ** 31)).toThrow(/invalid int32/);
    expect(() => new BinaryWriter().uint32(-1)).toThrow(/invalid uint32/);
    expect(() => new BinaryWriter().int32(1.5)).toThrow(/invalid int32/);
    expect(() => new BinaryWriter().int64(2n ** 63n)).toThrow(/invalid int64/);
    expect(() => new BinaryWriter().uint64(-1n)).toThrow(/invalid uint64/);
    expect(new BinaryWriter().int64("-9223372036854775808").finish()).toEqual(
      new buf.BinaryWriter().int64("-9223372036854775808").finish(),
    );
  });
});
