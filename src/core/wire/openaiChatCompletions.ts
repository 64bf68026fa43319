// OpenAI Chat Completions (`/chat/completions`): a request's messages and tools, the SSE chunks' deltas
// reassembled into one completion, and a non-streamed completion read the same way.

import type { Extracted } from '../records';
import { isRecord, type JsonRecord } from '../jsonValue';
import {
  type SseEvent,
  type Reassembler,
  MAX_TRACKED_TOOL_USES,
  type ToolUse,
  field,
  isTruthy,
  CappedText,
  newInputBudget,
  ToolInputBuffer,
  parseJsonInput,
  withTruncation,
  numberOrNull,
  errorBody,
} from './common';

export type ChatReconstruction = {
  model: unknown;
  finish_reason: unknown;
  usage: unknown;
  text: string;
  tool_uses: ToolUse[];
  error?: unknown;
  tool_uses_dropped?: number;
};

export function extractChat(body: JsonRecord): Extracted {
  const messages = field(body, 'messages');
  let system: unknown = null;
  if (Array.isArray(messages)) {
    const systemMessages = messages.filter((message) => isRecord(message) && message.role === 'system');
    system = systemMessages.length > 0 ? systemMessages : null;
  }
  return { system, tools: field(body, 'tools'), messages };
}

// ---------------------------------------------------------------------------------
// OpenAI Chat Completions
// ---------------------------------------------------------------------------------

interface ChatToolSlot {
  position: number;
  arrival: number;
  choicePosition: number;
  id: unknown;
  name: unknown;
  input: ToolInputBuffer;
}

export class ChatReassembler implements Reassembler {
  private model: unknown = null;
  private finishReason: unknown = null;
  private usage: unknown = {};
  private readonly text = new CappedText();
  private readonly tools = new Map<string, ChatToolSlot>();
  private readonly budget = newInputBudget();
  private toolsDropped = 0;
  private error: { value: unknown } | null = null;

  push(event: SseEvent): void {
    const data = event.data;
    if (!isRecord(data)) return;
    if (Object.hasOwn(data, 'model')) this.model = data.model;
    const choices = Array.isArray(data.choices) ? data.choices : [];
    choices.forEach((choice, choiceOrder) => {
      if (!isRecord(choice)) return;
      const delta = isRecord(choice.delta) ? choice.delta : {};
      if (typeof delta.content === 'string') this.text.append(delta.content);
      if (isTruthy(choice.finish_reason)) this.finishReason = choice.finish_reason;
      if (Array.isArray(delta.tool_calls)) {
        this.takeToolCalls(delta.tool_calls, numberOrNull(choice.index) ?? choiceOrder);
      }
    });
    // With include_usage the usage rides on a last chunk whose `choices` is empty.
    if (isTruthy(data.usage)) this.usage = data.usage;
    if (isRecord(data.error)) this.error = { value: data.error };
  }

  private takeToolCalls(toolCalls: unknown[], choicePosition: number): void {
    toolCalls.forEach((call, callOrder) => {
      if (!isRecord(call)) return;
      const position = numberOrNull(call.index) ?? callOrder;
      const key = `${choicePosition}:${position}`;
      let slot = this.tools.get(key);
      if (!slot) {
        if (this.tools.size >= MAX_TRACKED_TOOL_USES) {
          this.toolsDropped++;
          return;
        }
        slot = {
          position,
          arrival: this.tools.size,
          choicePosition,
          id: null,
          name: null,
          input: new ToolInputBuffer(this.budget),
        };
        this.tools.set(key, slot);
      }
      if (typeof call.id === 'string' && call.id !== '' && slot.id === null) slot.id = call.id;
      const fn = isRecord(call.function) ? call.function : {};
      // The name arrives whole in the first piece; later pieces repeat nothing or an empty string.
      if (typeof fn.name === 'string' && fn.name !== '' && slot.name === null) slot.name = fn.name;
      if (typeof fn.arguments === 'string') slot.input.append(fn.arguments);
    });
  }

  result(): ChatReconstruction {
    const ordered = [...this.tools.values()].sort(
      (a, b) => a.choicePosition - b.choicePosition || a.position - b.position || a.arrival - b.arrival,
    );
    const reconstruction: ChatReconstruction = {
      model: this.model,
      finish_reason: this.finishReason,
      usage: this.usage,
      text: this.text.toString(),
      tool_uses: ordered.map((slot) =>
        withTruncation({ name: slot.name, input: parseJsonInput(slot.input), id: slot.id }, slot.input),
      ),
    };
    if (this.error) reconstruction.error = this.error.value;
    if (this.toolsDropped > 0) reconstruction.tool_uses_dropped = this.toolsDropped;
    return reconstruction;
  }
}

export function reconstructChatCompletion(body: JsonRecord): Record<string, unknown> {
  const failure = errorBody(body);
  if (failure) return failure;
  const reassembler = new ChatReassembler();
  const firstChoice = Array.isArray(body.choices) && isRecord(body.choices[0]) ? body.choices[0] : undefined;
  const message = firstChoice && isRecord(firstChoice.message) ? firstChoice.message : {};
  // A complete message's tool_calls carry no `index`; their order is their position.
  const toolCalls = (Array.isArray(message.tool_calls) ? message.tool_calls : []).map((call, index) =>
    isRecord(call) ? { ...call, index } : call,
  );
  const chunk: JsonRecord = {
    choices: firstChoice
      ? [
          {
            index: 0,
            delta: { content: message.content, tool_calls: toolCalls },
            finish_reason: firstChoice.finish_reason,
          },
        ]
      : [],
    usage: body.usage,
  };
  if (Object.hasOwn(body, 'model')) chunk.model = body.model;
  reassembler.push({ data: chunk });
  return reassembler.result();
}
