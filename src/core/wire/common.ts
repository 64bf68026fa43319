// What the three wire APIs share: the Wire names, the reassembler contract, a tool call's shape, the
// caps (text, tool input, tracked calls) and the Python-compatible helpers the original's rules rely on
// (dict.get, truthiness, code-point counting).

import { MAX_TEXT_CHARS } from '../limits';
import { isRecord, type JsonRecord } from '../jsonValue';

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
export const MAX_TRACKED_TOOL_USES = 1_000;

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

/** Python's `dict.get(key)`: a missing key reads as null so it still appears in the JSON. */
export function field(record: JsonRecord, key: string): unknown {
  return Object.hasOwn(record, key) && record[key] !== undefined ? record[key] : null;
}

/** Python truthiness, which the original's `x or y` and `if x:` checks rely on. */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.keys(value).length > 0;
  return Boolean(value);
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
export class CappedText {
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

export function newInputBudget(): InputBudget {
  return { remaining: TOTAL_TOOL_INPUT_CHARS };
}

/** A tool call's argument text, capped per call and against the response's shared budget. */
export class ToolInputBuffer {
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
export function parseJsonInput(buffer: ToolInputBuffer): unknown {
  const raw = buffer.value;
  if (buffer.truncated) return { _raw: detachedPrefix(raw, RAW_PREVIEW_CHARS) };
  if (raw === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return { _raw: detachedPrefix(raw, RAW_PREVIEW_CHARS) };
  }
}

export function withTruncation(toolUse: ToolUse, buffer: ToolInputBuffer): ToolUse {
  if (buffer.truncated) toolUse.truncated = true;
  return toolUse;
}

/** Numeric positions ascending; entries without one after them, in arrival order (as the original sorts None last). */
export function byPosition<T extends { position: number | null; arrival: number }>(slots: Iterable<T>): T[] {
  return [...slots].sort((a, b) => {
    if (a.position !== null && b.position !== null && a.position !== b.position) return a.position - b.position;
    if (a.position === null && b.position !== null) return 1;
    if (a.position !== null && b.position === null) return -1;
    return a.arrival - b.arrival;
  });
}

export function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The original reads `data.type` first and falls back to the SSE `event:` name. */
export function eventTypeOf(event: SseEvent, data: JsonRecord): unknown {
  return isTruthy(data.type) ? data.type : event.event;
}

export function errorBody(body: JsonRecord): Record<string, unknown> | undefined {
  if (body.type === 'error') return { error: isRecord(body.error) ? body.error : body };
  if (isRecord(body.error)) return { error: body.error };
  return undefined;
}
