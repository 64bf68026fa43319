// Readable text out of full records, for the analyses that need bodies (diff, search).
// The rules are the original's, so a search or a diff reads the same text it did.

import { extract, reconstructBody } from '../wire/wire';
import { type Wire } from '../wire/common';
import { isRecord, type JsonRecord } from '../jsonValue';

/**
 * The record's extract; for a record without our schema version (written by the original), our own
 * extraction of its `request`, as the index digests it (the original's misses Codex's developer prompt
 * and additional_tools).
 */
export function extractOf(record: unknown): JsonRecord {
  if (!isRecord(record) || !isRecord(record.extract)) return {};
  if (record.schema === undefined && typeof record.wire === 'string') {
    const ours = extract(record.wire as Wire, record.request);
    if (ours) return ours as unknown as JsonRecord;
  }
  return record.extract;
}

/** The flattened system text (blocks / items joined by '\n'), or null when there is none. */
export function systemTextOf(record: unknown): string | null {
  return systemPieces(extractOf(record).system)?.join('\n') ?? null;
}

/** The system prompt's texts in order (systemTextOf joins them with '\n'), or null when there is none. */
export function systemPieces(system: unknown): string[] | null {
  if (typeof system === 'string') return [system];
  if (!Array.isArray(system)) return null;
  const parts: string[] = [];
  for (const block of system) {
    if (typeof block === 'string') {
      parts.push(block);
    } else if (isRecord(block)) {
      if (typeof block.text === 'string') {
        parts.push(block.text);
      } else if ('content' in block) {
        const content = block.content;
        if (typeof content === 'string') parts.push(content);
        else if (Array.isArray(content)) {
          for (const inner of content) if (isRecord(inner) && typeof inner.text === 'string') parts.push(inner.text);
        }
      }
    }
  }
  return parts;
}

export function toolsOf(record: unknown): unknown[] {
  const tools = extractOf(record).tools;
  return Array.isArray(tools) ? tools : [];
}

export function messagesOf(record: unknown): unknown[] {
  const messages = extractOf(record).messages;
  return Array.isArray(messages) ? messages : [];
}

export function wireOf(record: unknown): string | undefined {
  return isRecord(record) && typeof record.wire === 'string' ? record.wire : undefined;
}

/**
 * Every readable fragment of a messages / input list: texts, tool inputs, tool results,
 * and (beyond the original) Responses items' `arguments` and `output`.
 */
export function messagesText(messages: readonly unknown[]): string {
  return messagesPieces(messages).join('\n\n');
}

/** The readable fragments of a messages / input list in order (messagesText joins them with a blank line). */
export function messagesPieces(messages: readonly unknown[]): string[] {
  const parts: string[] = [];
  for (const message of messages) {
    if (!isRecord(message)) continue;
    const content = message.content;
    if (typeof content === 'string') parts.push(content);
    else if (Array.isArray(content)) {
      for (const block of content) {
        if (!isRecord(block)) continue;
        for (const key of ['text', 'input_text', 'output_text']) {
          if (typeof block[key] === 'string') parts.push(block[key]);
        }
        const input = block.input;
        if (typeof input === 'string') parts.push(input);
        else if (typeof input === 'object' && input !== null) parts.push(JSON.stringify(input));
        if (typeof block.content === 'string') parts.push(block.content);
        else if (Array.isArray(block.content)) {
          for (const inner of block.content) if (isRecord(inner) && typeof inner.text === 'string') parts.push(inner.text);
        }
      }
    }
    for (const key of ['arguments', 'output', 'input']) {
      if (typeof message[key] === 'string') parts.push(message[key]);
    }
  }
  return parts;
}

/** The response's reassembled text (streamed, or reconstructed from a plain body). */
export function responseTextOf(record: unknown): string {
  if (!isRecord(record)) return '';
  let reconstructed = isRecord(record.reconstructed) ? record.reconstructed : undefined;
  if (!reconstructed && record.body !== undefined && typeof record.wire === 'string') {
    reconstructed = reconstructBody(record.wire as Wire, record.body);
  }
  if (!reconstructed) return typeof record.body === 'string' ? record.body : '';
  const parts: string[] = [];
  if (typeof reconstructed.text === 'string' && reconstructed.text !== '') parts.push(reconstructed.text);
  if (Array.isArray(reconstructed.tool_uses)) {
    for (const toolUse of reconstructed.tool_uses) {
      if (!isRecord(toolUse)) continue;
      const input = typeof toolUse.input === 'string' ? toolUse.input : JSON.stringify(toolUse.input ?? null);
      parts.push(`${String(toolUse.name)} ${input}`);
    }
  }
  return parts.join('\n\n');
}

/**
 * A message as the thread rules compare it: Claude's `cache_control` markers (which
 * move to the newest content every turn) and Responses item ids removed, keys sorted.
 */
export function comparableMessage(message: unknown, wire: string | undefined): string {
  return JSON.stringify(stripVolatile(message, wire === 'codex-responses', 0));
}

function stripVolatile(value: unknown, dropItemId: boolean, depth: number): unknown {
  if (Array.isArray(value)) return value.map((item) => stripVolatile(item, false, depth + 1));
  if (!isRecord(value)) return value;
  const out: JsonRecord = {};
  for (const key of Object.keys(value).sort()) {
    if (key === 'cache_control') continue;
    if (dropItemId && depth === 0 && key === 'id') continue;
    out[key] = stripVolatile(value[key], false, depth + 1);
  }
  return out;
}
