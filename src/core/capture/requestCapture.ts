// The log copy of a request body, taken as the body streams through to the upstream.

import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { bodyText, decodeContent, parseJson } from './bodyDecode';
import { POOLED_BODY_MIN_BYTES, type BodyBufferPool } from './bodyPool';
import type { CaptureBudget } from './captureBudget';
import { TEE_CAP_BYTES } from '../limits';
import type { Extracted } from '../records';
import { extract } from '../wire/wire';
import { type Wire } from '../wire/common';

export interface CapturedRequestBody {
  request: unknown;
  extract: Extracted | null;
  request_bytes: number;
  truncated?: boolean;
  note?: string;
}

/** Why a request body's log copy was dropped. */
export type TeeOverflow = 'cap' | 'budget';

/**
 * A pass-through stream that keeps a bounded copy of what flows through it. When the body's length is announced
 * (content-length, as agents send it), the copy goes into one buffer of that size reserved up front: each chunk
 * is copied once, nothing is allocated per chunk, and the buffer is handed to the recorder as it is (transferred,
 * never copied again). A chunked body is kept as its chunks and joined once at the end.
 */
export class BodyTee extends Transform {
  private readonly chunks: Buffer[] = [];
  private whole?: Uint8Array;
  private kept = 0;
  /** Bytes of the budget this tee holds until its copy is handed over (or dropped). */
  private reserved = 0;
  bytes = 0;
  overflow?: TeeOverflow;

  constructor(
    private readonly budget?: CaptureBudget,
    expectedBytes?: number,
    private readonly capBytes = TEE_CAP_BYTES,
    pool?: BodyBufferPool,
  ) {
    super();
    if (expectedBytes === undefined || expectedBytes <= 0) return;
    if (expectedBytes > capBytes) {
      this.overflow = 'cap';
      return;
    }
    // A buffer the recorder gave back, already mapped (see bodyPool.ts); its whole size is what it holds.
    const reused = pool?.take(expectedBytes);
    const holds = reused?.byteLength ?? pooledCapacity(expectedBytes);
    if (budget && !budget.reserve(holds)) {
      if (reused) pool?.give(reused);
      this.overflow = 'budget';
      return;
    }
    this.reserved = budget ? holds : 0;
    // Not from Node's shared pool, so it can be transferred to the recorder's thread. Not zero-filled either: only
    // the bytes copied in are ever read (a reused buffer holds an older body past them, and the same holds here).
    // allocUnsafeSlow's own ArrayBuffer also crosses to the worker several times cheaper than a Uint8Array's.
    this.whole = new Uint8Array(reused ?? Buffer.allocUnsafeSlow(holds).buffer, 0, expectedBytes);
  }

  get overflowed(): boolean {
    return this.overflow !== undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.overflow === undefined) this.keep(chunk);
    callback(null, chunk);
  }

  private keep(chunk: Buffer): void {
    if (this.whole) {
      if (this.kept + chunk.length <= this.whole.length) {
        this.whole.set(chunk, this.kept);
        this.kept += chunk.length;
        return;
      }
      // More than announced (HTTP does not allow it, but do not trust it): keep chunks from here on.
      this.chunks.push(Buffer.from(this.whole.buffer, 0, this.kept));
      this.whole = undefined;
    }
    if (this.kept + chunk.length > this.capBytes) {
      this.dropCopy('cap');
      return;
    }
    if (this.budget) {
      if (!this.budget.reserve(chunk.length)) {
        this.dropCopy('budget');
        return;
      }
      this.reserved += chunk.length;
    }
    this.chunks.push(chunk);
    this.kept += chunk.length;
  }

  /** Past the cap or the budget the copy is useless (a prefix of JSON does not parse), so free it now. */
  private dropCopy(reason: TeeOverflow): void {
    this.overflow = reason;
    this.chunks.length = 0;
    this.whole = undefined;
    this.kept = 0;
    this.releaseReservation();
  }

  /** Gives back what this tee holds of the budget (its copy was dropped, or nobody will record it). */
  releaseReservation(): void {
    this.budget?.release(this.reserved);
    this.reserved = 0;
  }

  /**
   * The kept bytes, in a buffer of their own (never Node's shared pool), so it can be transferred. Its
   * reservation goes with it: whoever records the copy releases `heldBytes(copy)` when done with it.
   */
  handOver(): Uint8Array {
    let copy: Uint8Array;
    if (this.whole) {
      copy = this.whole.subarray(0, this.kept);
      this.whole = undefined;
    } else {
      copy = new Uint8Array(Buffer.allocUnsafeSlow(this.kept).buffer, 0, this.kept);
      let offset = 0;
      for (const chunk of this.chunks) {
        copy.set(chunk, offset);
        offset += chunk.length;
      }
      this.chunks.length = 0;
    }
    // From here the copy holds exactly heldBytes(copy) of the budget, whoever records it.
    if (this.budget) this.budget.release(this.reserved - heldBytes(copy));
    this.reserved = 0;
    return copy;
  }
}

/**
 * How big a fresh buffer for a body of `bytes` is made. A pooled one gets an eighth more, rounded up to 64 KiB:
 * the next turn of a conversation is the same body a tool round longer, and it then fits the buffer this one gives
 * back (bodyPool.ts) instead of taking a fresh one, whose every page is a fault on the relay's thread.
 */
export function pooledCapacity(bytes: number): number {
  if (bytes < POOLED_BODY_MIN_BYTES) return bytes;
  const step = 64 * 1024;
  return Math.ceil((bytes + bytes / 8) / step) * step;
}

/** The budget bytes a copy from BodyTee.handOver() holds: its whole buffer (a body may end before its announced length). */
export function heldBytes(copy: Uint8Array): number {
  return copy.buffer.byteLength;
}

export function describeRequestBody(
  wire: Wire,
  raw: Buffer,
  totalBytes: number,
  overflowed: boolean | TeeOverflow,
  contentEncoding: string,
): CapturedRequestBody {
  if (overflowed) {
    return {
      request: null,
      extract: null,
      request_bytes: totalBytes,
      truncated: true,
      note:
        overflowed === 'budget'
          ? `request body of ${totalBytes} bytes did not fit in the capture's memory budget (other bodies were still on their way to the log): forwarded in full, not recorded`
          : `request body of ${totalBytes} bytes exceeds the ${TEE_CAP_BYTES}-byte log cap: forwarded in full, not recorded`,
    };
  }
  let body = raw;
  const notes: string[] = [];
  if (contentEncoding && contentEncoding.toLowerCase() !== 'identity') {
    try {
      body = decodeContent(raw, contentEncoding);
    } catch (error) {
      return {
        request: null,
        extract: null,
        request_bytes: totalBytes,
        note: `${(error as Error).message}; the body was forwarded untouched`,
      };
    }
  }
  const { text, validUtf8 } = bodyText(body);
  if (!validUtf8) notes.push('request body is not valid UTF-8; invalid bytes are shown as U+FFFD');
  const parsed = parseJson(text);
  const captured: CapturedRequestBody = {
    request: parsed === undefined ? text : parsed,
    extract: extract(wire, parsed),
    request_bytes: totalBytes,
  };
  if (notes.length) captured.note = notes.join('; ');
  return captured;
}
