// The original tool's JSONL (SPEC §1): its fields only, in its order, so its `agent-interlude-analyze` and
// report read an export as one of its own logs. Our additions (schema, timings, byte counts, secrets…) are
// left out; secrets are masked in the values themselves.

import type { CaptureRecord } from '../records';

const REQUEST_FIELDS = ['id', 'kind', 'ts', 'agent', 'wire', 'method', 'path', 'headers_kept', 'request', 'extract'] as const;
const RESPONSE_FIELDS = [
  'id', 'kind', 'ts', 'agent', 'wire', 'status', 'stream', 'event_count', 'event_types', 'reconstructed', 'body',
  'content_type', 'truncated', 'error', 'note', 'bytes',
] as const;

/** The record as the original writes it. */
export function originalRecord(record: CaptureRecord): Record<string, unknown> {
  const source = record as unknown as Record<string, unknown>;
  // A record without `kind` is an (older) request: keep it without one, as it was written.
  const fields = record.kind === 'response' ? RESPONSE_FIELDS : REQUEST_FIELDS;
  const out: Record<string, unknown> = {};
  for (const field of fields) if (source[field] !== undefined) out[field] = source[field];
  return out;
}

export function originalLine(record: CaptureRecord): string {
  return `${JSON.stringify(originalRecord(record))}\n`;
}
