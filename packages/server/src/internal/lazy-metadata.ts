/*
 * A nice-grpc `Metadata` that builds the real one on first use, so that a call whose handler never
 * touches its request metadata, response header or trailer builds none of them.
 */
import { Metadata, type MetadataValue } from "nice-grpc-common";
import type { RequestMetadata } from "../transport/metadata.js";

/** Request metadata → nice-grpc metadata (what nice-grpc's createCallContext does). */
function toNiceMetadata(request: RequestMetadata): Metadata {
  const metadata = Metadata();
  for (const [key, values] of request.entries) metadata.set(key, values as string[] | Buffer[]);
  return metadata;
}

/** From the request's metadata, or empty (plus `initial` entries) for the response header and trailer. */
export class LazyMetadata implements Metadata {
  private inner: Metadata | undefined = undefined;
  /** Entries to put in an empty metadata when it is built. */
  initial: [string, string][] | undefined = undefined;

  constructor(private readonly source: RequestMetadata | undefined) {}

  /** Whether anything has been read or written yet. */
  get built(): boolean {
    return this.inner !== undefined;
  }

  /** The real metadata, built now if needed. */
  get real(): Metadata {
    if (this.inner === undefined) {
      this.inner = this.source !== undefined ? toNiceMetadata(this.source) : Metadata();
      if (this.initial !== undefined) for (const [key, value] of this.initial) this.inner.set(key, value);
    }
    return this.inner;
  }

  set<Key extends string>(key: Key, value: MetadataValue<Key> | MetadataValue<Key>[]): Metadata {
    this.real.set(key, value);
    return this;
  }
  append<Key extends string>(key: Key, value: MetadataValue<Key>): Metadata {
    this.real.append(key, value);
    return this;
  }
  delete(key: string): void {
    this.real.delete(key);
  }
  get<Key extends string>(key: Key): MetadataValue<Key> | undefined {
    return this.real.get(key);
  }
  getAll<Key extends string>(key: Key): MetadataValue<Key>[] {
    return this.real.getAll(key);
  }
  has(key: string): boolean {
    return this.real.has(key);
  }
  [Symbol.iterator](): IterableIterator<[string, (string | Uint8Array)[]]> {
    return this.real[Symbol.iterator]();
  }
}
