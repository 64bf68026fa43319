// One budget for every byte the capture holds in memory at once: request bodies being teed and waiting to be
// written, plain response bodies kept for parsing, and the response ring. The relay thread reserves, the
// recorder releases once a line is written, both through one shared counter. When a reservation does not fit,
// that body's log copy is dropped (and its record says so) while the agent's bytes flow on untouched: memory
// stays bounded however many agents send however large bodies, and however far the disk falls behind.

/** Index of the bytes-in-use counter in the shared Int32Array. */
const USED = 0;

export class CaptureBudget {
  private readonly counters: Int32Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly limitBytes: number,
  ) {
    this.counters = new Int32Array(buffer, 0, 1);
  }

  static create(limitBytes: number): CaptureBudget {
    return new CaptureBudget(new SharedArrayBuffer(4), limitBytes);
  }

  /** Takes `bytes` if they fit; false (and nothing taken) when they do not. */
  reserve(bytes: number): boolean {
    for (;;) {
      const used = Atomics.load(this.counters, USED);
      if (used + bytes > this.limitBytes) return false;
      if (Atomics.compareExchange(this.counters, USED, used, used + bytes) === used) return true;
    }
  }

  /** Takes `bytes` whether or not they fit: memory already held (a fixed buffer) that later reservations must see. */
  charge(bytes: number): void {
    Atomics.add(this.counters, USED, bytes);
  }

  release(bytes: number): void {
    Atomics.sub(this.counters, USED, bytes);
  }

  get usedBytes(): number {
    return Atomics.load(this.counters, USED);
  }
}
