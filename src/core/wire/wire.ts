// Wire formats: which API a request speaks, what its prompt parts are, and how a
// streamed (SSE) or plain response is reassembled into one readable result.
//
// The original tool's keys and their meanings are kept exactly (its logs and ours must
// read both ways); everything added here is an extra key or an extra item in an
// extraction that the original left empty.

import type { Extracted } from '../records';
import { isRecord } from '../jsonValue';
import type { Wire, Reassembler } from './common';
import { extractClaude, ClaudeReassembler, reconstructClaudeMessage } from './anthropicMessages';
import { extractResponses, ResponsesReassembler, reconstructResponseObject } from './openaiResponses';
import { extractChat, ChatReassembler, reconstructChatCompletion } from './openaiChatCompletions';

// ---------------------------------------------------------------------------------
// Wire detection and request extraction
// ---------------------------------------------------------------------------------

export function detectWire(path: string): Wire {
  const queryStart = path.indexOf('?');
  const pathOnly = queryStart === -1 ? path : path.slice(0, queryStart);
  if (pathOnly.endsWith('/v1/messages') || pathOnly.endsWith('/messages')) return 'claude-messages';
  if (pathOnly.endsWith('/responses')) return 'codex-responses';
  if (pathOnly.endsWith('/chat/completions')) return 'codex-chat';
  return 'unknown';
}

export function extract(wire: Wire, body: unknown): Extracted | null {
  if (!isRecord(body)) return null;
  switch (wire) {
    case 'claude-messages':
      return extractClaude(body);
    case 'codex-responses':
      return extractResponses(body);
    case 'codex-chat':
      return extractChat(body);
    case 'unknown':
      return null;
  }
}

class UnknownWireReassembler implements Reassembler {
  push(): void {}

  result(): Record<string, unknown> {
    return { note: 'no reconstructor for wire' };
  }
}

export function createReassembler(wire: Wire): Reassembler {
  switch (wire) {
    case 'claude-messages':
      return new ClaudeReassembler();
    case 'codex-responses':
      return new ResponsesReassembler();
    case 'codex-chat':
      return new ChatReassembler();
    case 'unknown':
      return new UnknownWireReassembler();
  }
}

// ---------------------------------------------------------------------------------
// Non-streamed responses
// ---------------------------------------------------------------------------------

/**
 * A complete (non-streamed) response body, reconstructed into the same shape as a stream.
 * Each body is replayed as the events a stream would have carried, so both paths share
 * one set of rules and caps.
 */
export function reconstructBody(wire: Wire, body: unknown): Record<string, unknown> | undefined {
  if (!isRecord(body)) return undefined;
  switch (wire) {
    case 'claude-messages':
      return reconstructClaudeMessage(body);
    case 'codex-responses':
      return reconstructResponseObject(body);
    case 'codex-chat':
      return reconstructChatCompletion(body);
    case 'unknown':
      return undefined;
  }
}
