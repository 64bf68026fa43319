// Wire formats: which API a request speaks, what its prompt parts are, and how a
// streamed (SSE) or plain response is reassembled into one readable result.

import type { Extracted } from './records';

export type Wire = 'claude-messages' | 'codex-responses' | 'codex-chat' | 'unknown';

/** One parsed server-sent event; `data` is the JSON value when it parses, else the raw text. */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** Incremental reassembly: events are pushed as they stream; memory stays bounded. */
export interface Reassembler {
  push(event: SseEvent): void;
  result(): Record<string, unknown>;
}

export declare function detectWire(path: string): Wire;
export declare function extract(wire: Wire, body: unknown): Extracted | null;
export declare function createReassembler(wire: Wire): Reassembler;
export declare function reconstructBody(wire: Wire, body: unknown): Record<string, unknown> | undefined;
