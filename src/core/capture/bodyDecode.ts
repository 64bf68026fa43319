// Decoding compressed request bodies for the log copy only: the agent's bytes are
// forwarded untouched. Codex's ChatGPT route sends zstd, which Node 20 cannot
// decode natively, hence fzstd (pure JS, streaming, so the output can be capped).

import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { MAX_DECODED_BYTES } from '../limits';

export class BodyDecodeError extends Error {}

function zstdDecode(input: Buffer, maxBytes: number): Buffer {
  const parts: Uint8Array[] = [];
  let total = 0;
  const stream = new ZstdDecompress((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw new BodyDecodeError(`decoded body exceeds ${maxBytes} bytes`);
    parts.push(chunk);
  });
  stream.push(input, true);
  return Buffer.concat(parts);
}

function decodeOne(input: Buffer, coding: string, maxBytes: number): Buffer {
  const limits = { maxOutputLength: maxBytes };
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(input, limits);
    case 'deflate':
      // Servers and clients disagree on whether "deflate" carries the zlib wrapper.
      try {
        return inflateSync(input, limits);
      } catch {
        return inflateRawSync(input, limits);
      }
    case 'br':
      return brotliDecompressSync(input, limits);
    case 'zstd':
      return zstdDecode(input, maxBytes);
    case 'identity':
    case '':
      return input;
    default:
      throw new BodyDecodeError(`unsupported content-encoding "${coding}"`);
  }
}

/** Undo a Content-Encoding list (applied in order, so undone in reverse). */
export function decodeContent(input: Buffer, contentEncoding: string, maxBytes = MAX_DECODED_BYTES): Buffer {
  const codings = contentEncoding
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter(Boolean)
    .reverse();
  let body = input;
  for (const coding of codings) {
    try {
      body = decodeOne(body, coding, maxBytes);
    } catch (error) {
      if (error instanceof BodyDecodeError) throw error;
      throw new BodyDecodeError(`cannot decode ${coding} body: ${(error as Error).message}`);
    }
  }
  return body;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** Text of a body; invalid UTF-8 becomes U+FFFD (as the original did) and is reported. */
export function bodyText(body: Uint8Array): { text: string; validUtf8: boolean } {
  try {
    return { text: strictUtf8.decode(body), validUtf8: true };
  } catch {
    return { text: lenientUtf8.decode(body), validUtf8: false };
  }
}

/** JSON value of a text, or undefined when it is not JSON (blank included). */
export function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
