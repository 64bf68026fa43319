// The JSONL log contract. Field names and meanings are the original Python tool's
// (agent-interlude 0.2.x) so a log written by either tool reads in the other;
// everything we add is optional and additive.

import type { Wire } from './wire/common';

/** Bumped when we add fields; records without it were written by the original tool. */
export const SCHEMA_VERSION = 2;

export interface Extracted {
  system: unknown;
  tools: unknown;
  messages: unknown;
}

export interface RequestRecord {
  id: string;
  kind: 'request';
  ts: string;
  agent: string;
  wire: Wire;
  method: string;
  path: string;
  headers_kept: Record<string, string>;
  /** Parsed JSON body, or the body as text when it is not JSON. */
  request: unknown;
  extract: Extracted | null;
  // --- additions (absent in the original's records) ---
  schema?: number;
  /** Bytes of the request body as received (before any decoding). */
  request_bytes?: number;
  /** The body's content-encoding, when the agent compressed it (decoded for the log only). */
  content_encoding?: string;
  /** The log copy of the body hit its cap or could not be decoded; `request` is then a placeholder. */
  truncated?: boolean;
  note?: string;
  /** The agent asked for a WebSocket upgrade, which we refuse so it falls back to HTTP. */
  websocket?: boolean;
}

export interface ResponseRecord {
  id: string;
  kind: 'response';
  ts: string;
  agent: string;
  wire: Wire;
  status: number;
  stream?: boolean;
  event_count?: number;
  event_types?: Record<string, number>;
  reconstructed?: Record<string, unknown>;
  body?: unknown;
  content_type?: string;
  truncated?: boolean;
  error?: string;
  note?: string;
  bytes?: number;
  // --- additions ---
  schema?: number;
  /** Milliseconds from the request's arrival to the upstream's response headers. */
  ttfb_ms?: number;
  /** Milliseconds from the request's arrival to the first response body byte. */
  first_byte_ms?: number;
  /** Milliseconds from the request's arrival to the end of the relay. */
  duration_ms?: number;
  response_bytes?: number;
  /** The stream ended early (client abort or upstream reset); what arrived is recorded. */
  partial?: boolean;
}

export type CaptureRecord = RequestRecord | ResponseRecord;
