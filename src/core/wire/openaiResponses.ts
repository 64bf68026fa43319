// OpenAI Responses (`/responses`, what Codex speaks): instructions, input items and (namespaced) tools of
// a request, the SSE stream's output items reassembled, and a non-streamed response object read the same way.

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

const MAX_OUTPUT_TYPES = 64;
/** Nested tool namespaces deeper than this are not something an agent sends; stop walking. */
const MAX_NAMESPACE_DEPTH = 16;

export type ResponsesReconstruction = {
  model: unknown;
  id: unknown;
  status: unknown;
  usage: unknown;
  text: string;
  tool_uses: ToolUse[];
  output_types: string[];
  error?: unknown;
  incomplete_details?: unknown;
  tool_uses_dropped?: number;
  /** The Response's `prompt_cache_diagnostics`, when the API sends it. */
  prompt_cache_diagnostics?: unknown;
};

export function extractResponses(body: JsonRecord): Extracted {
  const instructions = field(body, 'instructions');
  const input = field(body, 'input');
  const inputItems = Array.isArray(input) ? input : [];

  // Codex with its default model sends no `instructions`: the prompt is developer messages in `input`.
  const promptItems = inputItems.filter(isInstructionItem);
  const system =
    promptItems.length === 0 ? instructions : [...instructionsAsItems(instructions), ...promptItems];

  const toolCarriers = inputItems.filter(
    (item): item is JsonRecord => isRecord(item) && item.type === 'additional_tools',
  );
  const topLevelTools = field(body, 'tools');
  // Both Codex layouts may group tools in namespaces; list the tools themselves in
  // either case, so one layout's tool count means what the other's does. A top-level
  // list without namespaces stays exactly as sent (and as the original recorded it).
  const hasNamespaces = Array.isArray(topLevelTools) && topLevelTools.some(isNamespace);
  const tools =
    toolCarriers.length === 0 && !hasNamespaces
      ? topLevelTools
      : [
          ...(Array.isArray(topLevelTools) ? flattenTools(topLevelTools) : []),
          ...toolCarriers.flatMap((carrier) => toolsInCarrier(carrier)),
        ];

  return { system, tools, messages: input };
}

function isInstructionItem(item: unknown): boolean {
  if (!isRecord(item)) return false;
  // Items without `type` are the API's short message form ({role, content}).
  const isMessage = item.type === undefined || item.type === 'message';
  return isMessage && (item.role === 'developer' || item.role === 'system');
}

function instructionsAsItems(instructions: unknown): unknown[] {
  if (typeof instructions === 'string') {
    return instructions === '' ? [] : [{ type: 'instructions', text: instructions }];
  }
  // A stored response echoes `instructions` as an item list; keep those items rather than drop them.
  if (Array.isArray(instructions)) return instructions;
  return [];
}

/**
 * Codex 0.17x sends `{type:"additional_tools", tools:[{type:"namespace", name, tools:[…]}]}`;
 * a `namespaces` list is accepted too.
 */
function toolsInCarrier(carrier: JsonRecord): unknown[] {
  return [
    ...(Array.isArray(carrier.tools) ? flattenTools(carrier.tools) : []),
    ...(Array.isArray(carrier.namespaces) ? flattenTools(carrier.namespaces) : []),
  ];
}

function isNamespace(entry: unknown): entry is JsonRecord & { tools: unknown[] } {
  return isRecord(entry) && Array.isArray(entry.tools);
}

/**
 * Namespaces are containers, not tools: list what they hold as one flat list. Each tool
 * from a namespace gains a `namespace` key (its qualified name is `namespace.name`, and
 * two namespaces may hold tools of the same name).
 */
function flattenTools(entries: unknown[], namespace?: string, depth = 0): unknown[] {
  const found: unknown[] = [];
  for (const entry of entries) {
    if (isNamespace(entry) && depth < MAX_NAMESPACE_DEPTH) {
      const name = typeof entry.name === 'string' ? entry.name : undefined;
      const qualified = namespace && name ? `${namespace}.${name}` : name ?? namespace;
      found.push(...flattenTools(entry.tools, qualified, depth + 1));
    } else if (namespace && isRecord(entry) && entry.namespace === undefined) {
      found.push({ ...entry, namespace });
    } else {
      found.push(entry);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------
// OpenAI Responses
// ---------------------------------------------------------------------------------

type ResponsesToolType = 'function_call' | 'custom_tool_call';

function isResponsesToolType(value: unknown): value is ResponsesToolType {
  return value === 'function_call' || value === 'custom_tool_call';
}

interface ResponsesToolSlot {
  position: number | null;
  arrival: number;
  itemId: string | null;
  type: ResponsesToolType;
  name: unknown;
  callId: unknown;
  namespace: unknown;
  input: ToolInputBuffer;
}

/** Where an item's data came from; final sources supersede what the deltas built. */
type ItemSource = 'added' | 'done' | 'response';

export class ResponsesReassembler implements Reassembler {
  private model: unknown = null;
  private id: unknown = null;
  private status: unknown = null;
  private usage: unknown = {};
  private cacheDiagnostics: unknown = null;
  /** The original's text: the output_text deltas. */
  private readonly deltaText = new CappedText();
  /** Fallbacks when no deltas came: finished message items, then the final response's output. */
  private readonly doneItemText = new CappedText();
  private responseOutputText = new CappedText();
  private readonly slots: ResponsesToolSlot[] = [];
  private readonly slotsByItemId = new Map<string, ResponsesToolSlot>();
  private readonly slotsByPosition = new Map<number, ResponsesToolSlot>();
  private readonly budget = newInputBudget();
  private toolsDropped = 0;
  private readonly outputTypes = new Set<string>();
  private error: { value: unknown } | null = null;
  private incompleteDetails: unknown = null;

  push(event: SseEvent): void {
    const data = event.data;
    if (!isRecord(data)) return;
    const type = eventTypeOf(event, data);
    if (type === 'response.output_text.delta') {
      if (typeof data.delta === 'string') this.deltaText.append(data.delta);
      return;
    }
    if (isRecord(data.response)) this.takeResponse(data.response);

    switch (type) {
      case 'response.output_item.added':
        this.takeItem(data.item, numberOrNull(data.output_index), 'added');
        break;
      case 'response.output_item.done':
        this.takeItem(data.item, numberOrNull(data.output_index), 'done');
        break;
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta': {
        if (typeof data.delta !== 'string') break;
        const toolType = type === 'response.function_call_arguments.delta' ? 'function_call' : 'custom_tool_call';
        this.slotFor(data.item_id, numberOrNull(data.output_index), toolType)?.input.append(data.delta);
        break;
      }
      case 'response.function_call_arguments.done': {
        const slot = this.slotFor(data.item_id, numberOrNull(data.output_index), 'function_call');
        if (slot && typeof data.arguments === 'string') slot.input.replace(data.arguments);
        if (slot && typeof data.name === 'string' && data.name !== '') slot.name = data.name;
        break;
      }
      case 'response.custom_tool_call_input.done': {
        const slot = this.slotFor(data.item_id, numberOrNull(data.output_index), 'custom_tool_call');
        if (slot && typeof data.input === 'string') slot.input.replace(data.input);
        break;
      }
      case 'error':
        this.error = { value: isRecord(data.error) ? data.error : data };
        break;
    }
  }

  /** Any event carrying `response` (created, in_progress, completed, failed, incomplete). */
  private takeResponse(response: JsonRecord): void {
    // Present-but-null overwrites, as the original's `r.get(key, previous)` does.
    if (Object.hasOwn(response, 'model')) this.model = response.model;
    if (Object.hasOwn(response, 'id')) this.id = response.id;
    if (Object.hasOwn(response, 'usage')) this.usage = response.usage;
    if (Object.hasOwn(response, 'status')) this.status = response.status;
    if (isRecord(response.prompt_cache_diagnostics)) this.cacheDiagnostics = response.prompt_cache_diagnostics;
    if (isRecord(response.error)) this.error = { value: response.error };
    if (isRecord(response.incomplete_details)) this.incompleteDetails = response.incomplete_details;
    // "responses-lite" ends with an empty output; then deltas and done items are all there is.
    if (Array.isArray(response.output) && response.output.length > 0) {
      this.responseOutputText = new CappedText();
      response.output.forEach((item, position) => this.takeItem(item, position, 'response'));
    }
  }

  private takeItem(item: unknown, position: number | null, source: ItemSource): void {
    if (!isRecord(item)) return;
    if (typeof item.type === 'string' && this.outputTypes.size < MAX_OUTPUT_TYPES) this.outputTypes.add(item.type);

    if (item.type === 'message' && source !== 'added') {
      const sink = source === 'done' ? this.doneItemText : this.responseOutputText;
      for (const part of Array.isArray(item.content) ? item.content : []) {
        if (isRecord(part) && part.type === 'output_text' && typeof part.text === 'string') sink.append(part.text);
      }
      return;
    }
    if (!isResponsesToolType(item.type)) return;

    const slot = this.slotFor(item.id, position, item.type);
    if (!slot) return;
    slot.type = item.type;
    const isFinal = source !== 'added';
    const argumentText = item.type === 'function_call' ? item.arguments : item.input;
    if (typeof argumentText === 'string' && (isFinal || (argumentText !== '' && slot.input.value === ''))) {
      slot.input.replace(argumentText);
    }
    if (item.name !== undefined && (isFinal || slot.name === null)) slot.name = item.name;
    if (item.call_id !== undefined && (isFinal || slot.callId === null)) slot.callId = item.call_id;
    if (item.namespace !== undefined) slot.namespace = item.namespace;
  }

  /** Deltas name their item by `item_id` and `output_index`; either may be the only one we know. */
  private slotFor(itemId: unknown, position: number | null, type: ResponsesToolType): ResponsesToolSlot | undefined {
    const knownId = typeof itemId === 'string' && itemId !== '' ? itemId : null;
    let slot = knownId !== null ? this.slotsByItemId.get(knownId) : undefined;
    if (!slot && position !== null) {
      const atPosition = this.slotsByPosition.get(position);
      const isSameItem = !atPosition?.itemId || knownId === null || atPosition.itemId === knownId;
      if (atPosition && isSameItem) slot = atPosition;
    }
    if (!slot) {
      if (this.slots.length >= MAX_TRACKED_TOOL_USES) {
        this.toolsDropped++;
        return undefined;
      }
      slot = {
        position,
        arrival: this.slots.length,
        itemId: null,
        type,
        name: null,
        callId: null,
        namespace: undefined,
        input: new ToolInputBuffer(this.budget),
      };
      this.slots.push(slot);
    }
    if (knownId !== null && slot.itemId === null) {
      slot.itemId = knownId;
      this.slotsByItemId.set(knownId, slot);
    }
    if (position !== null && slot.position === null) slot.position = position;
    if (slot.position !== null && !this.slotsByPosition.has(slot.position)) {
      this.slotsByPosition.set(slot.position, slot);
    }
    return slot;
  }

  private text(): string {
    if (!this.deltaText.isEmpty) return this.deltaText.toString();
    if (!this.doneItemText.isEmpty) return this.doneItemText.toString();
    return this.responseOutputText.toString();
  }

  result(): ResponsesReconstruction {
    const reconstruction: ResponsesReconstruction = {
      model: this.model,
      id: this.id,
      status: this.status,
      usage: this.usage,
      text: this.text(),
      tool_uses: byPosition(this.slots).map((slot) => responsesToolUse(slot)),
      output_types: [...this.outputTypes],
    };
    if (this.error) reconstruction.error = this.error.value;
    if (this.incompleteDetails !== null) reconstruction.incomplete_details = this.incompleteDetails;
    if (this.cacheDiagnostics !== null) reconstruction.prompt_cache_diagnostics = this.cacheDiagnostics;
    if (this.toolsDropped > 0) reconstruction.tool_uses_dropped = this.toolsDropped;
    return reconstruction;
  }
}

function responsesToolUse(slot: ResponsesToolSlot): ToolUse {
  // A custom tool's input is free text (e.g. a shell script for `exec`), not JSON.
  const input =
    slot.type === 'custom_tool_call' && !slot.input.truncated ? slot.input.value : parseJsonInput(slot.input);
  const toolUse: ToolUse = { name: slot.name, input, call_id: slot.callId, type: slot.type };
  if (slot.namespace !== undefined) toolUse.namespace = slot.namespace;
  return withTruncation(toolUse, slot.input);
}

export function reconstructResponseObject(body: JsonRecord): Record<string, unknown> {
  // A failed Response object carries `error` too, but its status and output still matter.
  if (body.object !== 'response') {
    const failure = errorBody(body);
    if (failure) return failure;
  }
  const reassembler = new ResponsesReassembler();
  // Without `usage`, a stream's result shows {} (the original's initial value); keep that.
  reassembler.push({ data: { type: 'response.completed', response: body } });
  return reassembler.result();
}
