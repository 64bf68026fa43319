// A fixed-size shared ring that carries response bytes from the relay to the recorder.
// Copying into preallocated shared memory, instead of allocating (and later freeing) a
// buffer per chunk, keeps the proxy's memory flat on long streams whatever the pace of
// the recorder; if the recorder falls a whole ring behind, the log copy of that response
// stops (and says so) while the agent's bytes keep flowing.
//
// One producer (the relay thread) and one consumer (the recorder). Each segment is an
// 8-byte header (exchange slot, length) followed by its bytes; a segment never wraps.

const CONTROL_BYTES = 8;
const HEADER_BYTES = 8;
/** A slot value that means "the rest of the ring is unused; continue at 0". */
const WRAP_MARKER = 0xffffffff;
const HEAD = 0;
const TAIL = 1;

/** Enough for the recorder to lag a few hundred milliseconds behind a fast stream. */
export const DEFAULT_RING_BYTES = 4 * 1024 * 1024;

export class CaptureRing {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly view: DataView;
  private readonly size: number;
  /** Producer's head, published to the consumer only by publish(). */
  private head = 0;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, 2);
    this.data = new Uint8Array(buffer, CONTROL_BYTES);
    this.view = new DataView(buffer, CONTROL_BYTES);
    this.size = this.data.length;
  }

  static create(bytes = DEFAULT_RING_BYTES): CaptureRing {
    return new CaptureRing(new SharedArrayBuffer(CONTROL_BYTES + bytes));
  }

  /** Producer: appends `chunk` for `slot`; false when the ring has no room (nothing is written then). */
  write(slot: number, chunk: Uint8Array): boolean {
    const largestPiece = Math.floor(this.size / 4);
    if (chunk.length > largestPiece) {
      for (let offset = 0; offset < chunk.length; offset += largestPiece) {
        if (!this.write(slot, chunk.subarray(offset, offset + largestPiece))) return false;
      }
      return true;
    }
    const needed = HEADER_BYTES + chunk.length;
    const untilEnd = this.size - this.head;
    const skipped = untilEnd < needed ? untilEnd : 0;
    const tail = Atomics.load(this.control, TAIL);
    const used = (this.head - tail + this.size) % this.size;
    // One byte stays free so that head === tail always means "empty".
    if (skipped + needed > this.size - used - 1) return false;
    let head = this.head;
    if (skipped) {
      if (untilEnd >= HEADER_BYTES) this.view.setUint32(head, WRAP_MARKER);
      head = 0;
    }
    this.view.setUint32(head, slot);
    this.view.setUint32(head + 4, chunk.length);
    this.data.set(chunk, head + HEADER_BYTES);
    head += needed;
    this.head = head === this.size ? 0 : head;
    return true;
  }

  /** Producer: makes everything written so far visible; returns the position to consume until. */
  publish(): number {
    Atomics.store(this.control, HEAD, this.head);
    return this.head;
  }

  /**
   * Consumer: visits each segment up to `until` (a value publish() returned). The view is
   * only valid during the visit: its space is handed back to the producer right after.
   */
  consume(until: number, visit: (slot: number, bytes: Uint8Array) => void): void {
    let tail = Atomics.load(this.control, TAIL);
    while (tail !== until) {
      if (this.size - tail < HEADER_BYTES || this.view.getUint32(tail) === WRAP_MARKER) {
        tail = 0;
        Atomics.store(this.control, TAIL, tail);
        continue;
      }
      const slot = this.view.getUint32(tail);
      const length = this.view.getUint32(tail + 4);
      const start = tail + HEADER_BYTES;
      try {
        visit(slot, this.data.subarray(start, start + length));
      } finally {
        tail = start + length === this.size ? 0 : start + length;
        Atomics.store(this.control, TAIL, tail);
      }
    }
  }
}
