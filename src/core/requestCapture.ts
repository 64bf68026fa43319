// The log copy of a request body, taken as the body streams through to the upstream.

import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { bodyText, decodeContent, parseJson } from './bodyDecode';
import { TEE_CAP_BYTES } from './limits';
import type { Extracted } from './records';
import { extract, type Wire } from './wire';

export interface CapturedRequestBody {
  request: unknown;
  extract: Extracted | null;
  request_bytes: number;
  truncated?: boolean;
  note?: string;
}

/** A pass-through stream that keeps a bounded copy of what flows through it. */
export class BodyTee extends Transform {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  bytes = 0;
  overflowed = false;

  constructor(private readonly capBytes = TEE_CAP_BYTES) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (!this.overflowed) {
      if (this.kept + chunk.length > this.capBytes) {
        // Past the cap the copy is useless (a prefix of JSON does not parse), so free it.
        this.overflowed = true;
        this.chunks.length = 0;
        this.kept = 0;
      } else {
        this.chunks.push(chunk);
        this.kept += chunk.length;
      }
    }
    callback(null, chunk);
  }

  /** The kept bytes in a fresh buffer (never Node's shared pool), so it can be transferred. */
  copy(): Uint8Array {
    const copy = new Uint8Array(this.kept);
    let offset = 0;
    for (const chunk of this.chunks) {
      copy.set(chunk, offset);
      offset += chunk.length;
    }
    return copy;
  }
}

export function describeRequestBody(
  wire: Wire,
  raw: Buffer,
  totalBytes: number,
  overflowed: boolean,
  contentEncoding: string,
): CapturedRequestBody {
  if (overflowed) {
    return {
      request: null,
      extract: null,
      request_bytes: totalBytes,
      truncated: true,
      note: `request body of ${totalBytes} bytes exceeds the ${TEE_CAP_BYTES}-byte log cap: forwarded in full, not recorded`,
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
