// Anthropic Messages (`/v1/messages`, what Claude Code speaks): the request's prompt parts, the SSE
// stream reassembled into one message, and a non-streamed message read the same way.

import type { Extracted } from '../records';
import { isRecord, type JsonRecord } from '../jsonValue';
import {
  type SseEvent,
  type Reassembler,
  MAX_TRACKED_TOOL_USES,
  type ToolUse,
  field,
  CappedText,
  newInputBudget,
  ToolInputBuffer,
  parseJsonInput,
  withTruncation,
  byPosition,
  numberOrNull,
  eventTypeOf,
  errorBody,
} from './common';

export type ClaudeReconstruction = {
  model: unknown;
  id: unknown;
  stop_reason: unknown;
  usage: Record<string, unknown>;
  text: string;
  tool_uses: ToolUse[];
  stop_sequence?: unknown;
  thinking?: string;
  error?: unknown;
  tool_uses_dropped?: number;
  /** The API's cache diagnostics (`diagnostics.cache_miss_reason`…), from message_start / message_delta. */
  diagnostics?: unknown;
};

export function extractClaude(body: JsonRecord): Extracted {
  const system = field(body, 'system');
  const messages = field(body, 'messages');
  // Claude Code sends its agents/skills list as a role:"system" message; it is prompt, not conversation.
  const systemMessages = Array.isArray(messages)
    ? messages.filter((message) => isRecord(message) && message.role === 'system')
    : [];
  if (systemMessages.length === 0) return { system, tools: field(body, 'tools'), messages };
  return { system: [...claudeSystemBlocks(system), ...systemMessages], tools: field(body, 'tools'), messages };
}

function claudeSystemBlocks(system: unknown): unknown[] {
  if (typeof system === 'string') return system === '' ? [] : [{ type: 'text', text: system }];
  if (Array.isArray(system)) return system;
  return system === null ? [] : [system];
}

// ---------------------------------------------------------------------------------
// Claude Messages
// ---------------------------------------------------------------------------------

interface ClaudeToolSlot {
  position: number | null;
  arrival: number;
  name: unknown;
  id: unknown;
  input: ToolInputBuffer;
}

export class ClaudeReassembler implements Reassembler {
  private model: unknown = null;
  private id: unknown = null;
  private stopReason: unknown = null;
  private stopSequence: unknown = null;
  private readonly usage: JsonRecord = {};
  private readonly text = new CappedText();
  private readonly thinking = new CappedText();
  /** Keyed by the block's `index` as sent (null when missing), as the original keys its dict. */
  private readonly tools = new Map<unknown, ClaudeToolSlot>();
  private readonly budget = newInputBudget();
  private arrivals = 0;
  private toolsDropped = 0;
  private error: { value: unknown } | null = null;
  private diagnostics: JsonRecord | null = null;

  push(event: SseEvent): void {
    const data = event.data;
    if (!isRecord(data)) return;
    switch (eventTypeOf(event, data)) {
      case 'message_start': {
        const message = isRecord(data.message) ? data.message : {};
        this.model = field(message, 'model');
        this.id = field(message, 'id');
        if (isRecord(message.usage)) Object.assign(this.usage, message.usage);
        this.takeDiagnostics(message.diagnostics);
        break;
      }
      case 'content_block_start': {
        const block = isRecord(data.content_block) ? data.content_block : {};
        if (block.type === 'tool_use') this.startTool(field(data, 'index'), block);
        break;
      }
      case 'content_block_delta': {
        const delta = isRecord(data.delta) ? data.delta : {};
        if (delta.type === 'text_delta' && typeof delta.text === 'string') {
          this.text.append(delta.text);
        } else if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string') {
          this.thinking.append(delta.thinking);
        } else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
          // Deltas for blocks we do not track (e.g. server tools) are dropped, as in the original.
          this.tools.get(field(data, 'index'))?.input.append(delta.partial_json);
        }
        break;
      }
      case 'message_delta': {
        const delta = isRecord(data.delta) ? data.delta : {};
        if (Object.hasOwn(delta, 'stop_reason')) this.stopReason = delta.stop_reason;
        if (delta.stop_sequence !== undefined && delta.stop_sequence !== null) this.stopSequence = delta.stop_sequence;
        if (isRecord(data.usage)) Object.assign(this.usage, data.usage);
        this.takeDiagnostics(data.diagnostics);
        this.takeDiagnostics(delta.diagnostics);
        break;
      }
      case 'error':
        this.error = { value: isRecord(data.error) ? data.error : data };
        break;
    }
  }

  /** Merged like usage: a later event's fields complete or replace an earlier one's. */
  private takeDiagnostics(value: unknown): void {
    if (!isRecord(value)) return;
    this.diagnostics = { ...(this.diagnostics ?? {}), ...value };
  }

  private startTool(index: unknown, block: JsonRecord): void {
    const previous = this.tools.get(index);
    if (!previous && this.tools.size >= MAX_TRACKED_TOOL_USES) {
      this.toolsDropped++;
      return;
    }
    previous?.input.release();
    this.tools.set(index, {
      position: numberOrNull(index),
      arrival: this.arrivals++,
      name: field(block, 'name'),
      id: field(block, 'id'),
      input: new ToolInputBuffer(this.budget),
    });
  }

  result(): ClaudeReconstruction {
    const reconstruction: ClaudeReconstruction = {
      model: this.model,
      id: this.id,
      stop_reason: this.stopReason,
      usage: { ...this.usage },
      text: this.text.toString(),
      tool_uses: byPosition(this.tools.values()).map((slot) =>
        withTruncation({ name: slot.name, input: parseJsonInput(slot.input), id: slot.id }, slot.input),
      ),
    };
    if (this.stopSequence !== null) reconstruction.stop_sequence = this.stopSequence;
    if (!this.thinking.isEmpty) reconstruction.thinking = this.thinking.toString();
    if (this.error) reconstruction.error = this.error.value;
    if (this.toolsDropped > 0) reconstruction.tool_uses_dropped = this.toolsDropped;
    if (this.diagnostics) reconstruction.diagnostics = this.diagnostics;
    return reconstruction;
  }
}

export function reconstructClaudeMessage(body: JsonRecord): Record<string, unknown> {
  const failure = errorBody(body);
  if (failure) return failure;
  const reassembler = new ClaudeReassembler();
  reassembler.push({
    data: {
      type: 'message_start',
      message: { model: field(body, 'model'), id: field(body, 'id'), usage: body.usage, diagnostics: body.diagnostics },
    },
  });
  const blocks = Array.isArray(body.content) ? body.content : [];
  blocks.forEach((block, index) => {
    if (!isRecord(block)) return;
    if (block.type === 'text' && typeof block.text === 'string') {
      reassembler.push({
        data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } },
      });
    } else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      reassembler.push({
        data: { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: block.thinking } },
      });
    } else if (block.type === 'tool_use') {
      reassembler.push({ data: { type: 'content_block_start', index, content_block: block } });
      const inputJson = block.input === undefined ? '' : JSON.stringify(block.input);
      reassembler.push({
        data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: inputJson } },
      });
    }
  });
  const finalDelta: JsonRecord = {};
  if (Object.hasOwn(body, 'stop_reason')) finalDelta.stop_reason = body.stop_reason;
  if (Object.hasOwn(body, 'stop_sequence')) finalDelta.stop_sequence = body.stop_sequence;
  reassembler.push({ data: { type: 'message_delta', delta: finalDelta } });
  return reassembler.result();
}
