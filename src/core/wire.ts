// Wire formats: which API a request speaks, what its prompt parts are, and how a
// streamed (SSE) or plain response is reassembled into one readable result.
//
// The original tool's keys and their meanings are kept exactly (its logs and ours must
// read both ways); everything added here is an extra key or an extra item in an
// extraction that the original left empty.

import { MAX_TEXT_CHARS } from './limits';
import type { Extracted } from './records';
import { isRecord, type JsonRecord } from './jsonValue';

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

/** The original's MAX_TEXT, counted in code points as Python's len() does. */
export { MAX_TEXT_CHARS };
/** Per tool call; beyond it the arguments are useless as JSON, so only a preview is kept. */
export const MAX_TOOL_INPUT_CHARS = 1024 * 1024;
/** The original's `_raw` preview length for arguments that are not valid JSON. */
const RAW_PREVIEW_CHARS = 500;
/** Across all tool calls of one response, so many large calls cannot add up without bound. */
const TOTAL_TOOL_INPUT_CHARS = 16 * 1024 * 1024;
/** A stream announcing more calls than this is pathological; the rest are only counted. */
const MAX_TRACKED_TOOL_USES = 1_000;
const MAX_OUTPUT_TYPES = 64;
/** Nested tool namespaces deeper than this are not something an agent sends; stop walking. */
const MAX_NAMESPACE_DEPTH = 16;

export type ToolUse = {
  name: unknown;
  /** Parsed arguments (JSON), the raw input string of a custom tool, or `{_raw}` when unusable. */
  input: unknown;
  /** Claude `content_block.id`, chat `tool_calls[].id`. */
  id?: unknown;
  /** Responses wire: the id the agent answers with in `function_call_output`. */
  call_id?: unknown;
  /** Responses wire: `function_call` or `custom_tool_call`. */
  type?: unknown;
  namespace?: unknown;
  /** The arguments exceeded the cap; `input` is then `{_raw: <first 500 chars>}`. */
  truncated?: true;
};

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

export type ChatReconstruction = {
  model: unknown;
  finish_reason: unknown;
  usage: unknown;
  text: string;
  tool_uses: ToolUse[];
  error?: unknown;
  tool_uses_dropped?: number;
};

/** Python's `dict.get(key)`: a missing key reads as null so it still appears in the JSON. */
function field(record: JsonRecord, key: string): unknown {
  return Object.hasOwn(record, key) && record[key] !== undefined ? record[key] : null;
}

/** Python truthiness, which the original's `x or y` and `if x:` checks rely on. */
function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

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

function extractClaude(body: JsonRecord): Extracted {
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

function extractResponses(body: JsonRecord): Extracted {
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

function extractChat(body: JsonRecord): Extracted {
  const messages = field(body, 'messages');
  let system: unknown = null;
  if (Array.isArray(messages)) {
    const systemMessages = messages.filter((message) => isRecord(message) && message.role === 'system');
    system = systemMessages.length > 0 ? systemMessages : null;
  }
  return { system, tools: field(body, 'tools'), messages };
}

// ---------------------------------------------------------------------------------
// Bounded accumulation
// ---------------------------------------------------------------------------------

/** Counts code points (a lone surrogate counts as one, as in Python). */
const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

function countCodePoints(text: string, from = 0): number {
  // Hot on long streams: almost all text has no astral characters, and the regex
  // scan is native, so the per-unit loop only runs when a pair may exist.
  if (!HIGH_SURROGATE.test(from === 0 ? text : text.slice(from))) return text.length - from;
  let count = 0;
  for (let i = from; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** Offset (in UTF-16 units) just past the first `codePoints` code points, so a pair is never split. */
function offsetAfterCodePoints(text: string, codePoints: number): number {
  if (text.length <= codePoints) return text.length;
  let offset = 0;
  for (let seen = 0; seen < codePoints && offset < text.length; seen++) {
    const unit = text.charCodeAt(offset);
    const next = text.charCodeAt(offset + 1);
    const isPair = unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
    offset += isPair ? 2 : 1;
  }
  return offset;
}

/**
 * A slice of a big string can keep the whole big string alive in V8; joining a fresh
 * array forces a standalone copy so a kept prefix does not pin a large event.
 */
function detachedPrefix(text: string, codePoints: number): string {
  return text.slice(0, offsetAfterCodePoints(text, codePoints)).split('').join('');
}

/**
 * Text capped like the original's `_cap`, but without ever holding the full text:
 * only the first MAX_TEXT_CHARS code points and a count of the rest.
 */
class CappedText {
  private kept = '';
  private keptCodePoints = 0;
  private droppedCodePoints = 0;

  append(piece: string): void {
    if (piece === '') return;
    const room = MAX_TEXT_CHARS - this.keptCodePoints;
    if (room <= 0) {
      this.droppedCodePoints += countCodePoints(piece);
      return;
    }
    const cut = offsetAfterCodePoints(piece, room);
    if (cut === piece.length) {
      this.kept += piece;
      this.keptCodePoints += countCodePoints(piece);
      return;
    }
    this.kept += detachedPrefix(piece, room);
    this.keptCodePoints = MAX_TEXT_CHARS;
    this.droppedCodePoints += countCodePoints(piece, cut);
  }

  get isEmpty(): boolean {
    return this.keptCodePoints === 0 && this.droppedCodePoints === 0;
  }

  toString(): string {
    return this.droppedCodePoints === 0 ? this.kept : `${this.kept}…(+${this.droppedCodePoints} chars)`;
  }
}

interface InputBudget {
  remaining: number;
}

function newInputBudget(): InputBudget {
  return { remaining: TOTAL_TOOL_INPUT_CHARS };
}

/** A tool call's argument text, capped per call and against the response's shared budget. */
class ToolInputBuffer {
  private text = '';
  private overCap = false;

  constructor(private readonly budget: InputBudget) {}

  get truncated(): boolean {
    return this.overCap;
  }

  get value(): string {
    return this.text;
  }

  append(piece: string): void {
    if (this.overCap || piece === '') return;
    const room = Math.min(MAX_TOOL_INPUT_CHARS - this.text.length, this.budget.remaining);
    if (piece.length <= room) {
      this.text += piece;
      this.budget.remaining -= piece.length;
      return;
    }
    // Keep only what the `{_raw}` preview shows; the rest could never be parsed anyway.
    const preview = detachedPrefix(this.text + piece.slice(0, RAW_PREVIEW_CHARS * 2), RAW_PREVIEW_CHARS);
    this.budget.remaining += this.text.length - preview.length;
    this.text = preview;
    this.overCap = true;
  }

  /** A `.done` event or a final item carries the whole arguments; it supersedes the deltas. */
  replace(whole: string): void {
    this.release();
    this.append(whole);
  }

  release(): void {
    this.budget.remaining += this.text.length;
    this.text = '';
    this.overCap = false;
  }
}

/** The original's rule: empty → {}, invalid → {_raw: first 500 chars}. */
function parseJsonInput(buffer: ToolInputBuffer): unknown {
  const raw = buffer.value;
  if (buffer.truncated) return { _raw: detachedPrefix(raw, RAW_PREVIEW_CHARS) };
  if (raw === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return { _raw: detachedPrefix(raw, RAW_PREVIEW_CHARS) };
  }
}

function withTruncation(toolUse: ToolUse, buffer: ToolInputBuffer): ToolUse {
  if (buffer.truncated) toolUse.truncated = true;
  return toolUse;
}

/** Numeric positions ascending; entries without one after them, in arrival order (as the original sorts None last). */
function byPosition<T extends { position: number | null; arrival: number }>(slots: Iterable<T>): T[] {
  return [...slots].sort((a, b) => {
    if (a.position !== null && b.position !== null && a.position !== b.position) return a.position - b.position;
    if (a.position === null && b.position !== null) return 1;
    if (a.position !== null && b.position === null) return -1;
    return a.arrival - b.arrival;
  });
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The original reads `data.type` first and falls back to the SSE `event:` name. */
function eventTypeOf(event: SseEvent, data: JsonRecord): unknown {
  return isTruthy(data.type) ? data.type : event.event;
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

class ClaudeReassembler implements Reassembler {
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

class ResponsesReassembler implements Reassembler {
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

class ChatReassembler implements Reassembler {
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

function errorBody(body: JsonRecord): Record<string, unknown> | undefined {
  if (body.type === 'error') return { error: isRecord(body.error) ? body.error : body };
  if (isRecord(body.error)) return { error: body.error };
  return undefined;
}

function reconstructClaudeMessage(body: JsonRecord): Record<string, unknown> {
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

function reconstructResponseObject(body: JsonRecord): Record<string, unknown> {
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

function reconstructChatCompletion(body: JsonRecord): Record<string, unknown> {
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
