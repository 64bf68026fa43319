// Request-body buffers handed back by the recorder once their line is on disk, for the next body's tee.
//
// A fresh buffer for every large body costs the relay's thread a page fault per 4 KiB it first touches while
// copying the body in (most of the tee's cost at MBs), and the memory stays in the process as garbage until a
// collector on the recorder's thread gets to it: at 5 MiB bodies that is tens of MB of RSS no budget counts. Reused,
// a buffer is already mapped, and what the capture holds is the budget plus this pool's bounded idle bytes.

/** Bodies smaller than this take a fresh buffer: their page faults are few, and a round trip is not worth it. */
export const POOLED_BODY_MIN_BYTES = 256 * 1024;
/** At most this many idle bytes wait here (the README's memory figure counts them). */
export const BODY_POOL_LIMIT_BYTES = 16 * 1024 * 1024;
/**
 * A kept buffer serves a body at least this share of its size, so a small body does not pin a large buffer (a fresh
 * buffer is an eighth larger than its body, requestCapture.ts pooledCapacity: this is about three quarters of that body).
 */
const FIT = 2 / 3;
/** Idle this long, the pool lets its buffers go: large bodies come in runs (a session's turns), memory should not stay. */
export const BODY_POOL_IDLE_MS = 2_000;

export class BodyBufferPool {
  private readonly idle: ArrayBuffer[] = [];
  private idleBytes = 0;
  private trim?: ReturnType<typeof setTimeout>;
  /** How many bodies were teed into a buffer from here (tests, and to tell the pool does its job). */
  reuseCount = 0;

  constructor(private readonly limitBytes = BODY_POOL_LIMIT_BYTES) {}

  /** The smallest idle buffer that fits `bytes` closely, taken out of the pool; undefined when none does. */
  take(bytes: number): ArrayBuffer | undefined {
    if (bytes < POOLED_BODY_MIN_BYTES) return undefined;
    let best = -1;
    for (let at = 0; at < this.idle.length; at += 1) {
      const size = this.idle[at].byteLength;
      if (size >= bytes && bytes >= size * FIT && (best < 0 || size < this.idle[best].byteLength)) best = at;
    }
    if (best < 0) return undefined;
    const [buffer] = this.idle.splice(best, 1);
    this.idleBytes -= buffer.byteLength;
    this.reuseCount += 1;
    return buffer;
  }

  /** A buffer nobody reads any more. Past the limit the oldest idle ones are let go to make room. */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength < POOLED_BODY_MIN_BYTES || buffer.byteLength > this.limitBytes) return;
    this.idle.push(buffer);
    this.idleBytes += buffer.byteLength;
    clearTimeout(this.trim);
    this.trim = setTimeout(() => this.letGo(), BODY_POOL_IDLE_MS);
    this.trim.unref?.();
    while (this.idleBytes > this.limitBytes) {
      const oldest = this.idle.shift();
      if (!oldest) break;
      this.idleBytes -= oldest.byteLength;
    }
  }

  /** Drops every idle buffer (after a quiet spell, and when the relay stops). */
  letGo(): void {
    clearTimeout(this.trim);
    this.idle.length = 0;
    this.idleBytes = 0;
  }

  get idleByteCount(): number {
    return this.idleBytes;
  }
}
