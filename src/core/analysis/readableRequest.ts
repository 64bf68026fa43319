// Readable text of a request's parts and of a prompt family, for diffing side by side (the editor's
// virtual documents). Plain text, stable between calls, so two renderings diff only where the data does.

import type { PromptFamily, PromptSlot } from './promptSkeleton';
import { canonicalJson, toolName } from './toolCatalog';
import { isRecord } from '../jsonValue';

/** A slot's placeholder line in a skeleton text. */
export interface SlotLine {
  /** Zero-based line of the placeholder. */
  line: number;
  /** 1-based slot number, as the placeholder names it. */
  number: number;
  slot: PromptSlot;
}

export interface SkeletonText {
  text: string;
  slotLines: SlotLine[];
}

export function slotPlaceholder(number: number, slot: PromptSlot, samples: number): string {
  const values = slot.values.length;
  return `⟪slot ${number} · ${values} value${values === 1 ? '' : 's'} across ${samples} sample${samples === 1 ? '' : 's'}⟫`;
}

/** The family's fixed lines, each slot as one placeholder line where its text goes. */
export function skeletonText(family: PromptFamily): SkeletonText {
  const slotsAt = new Map<number, { number: number; slot: PromptSlot }>();
  family.slots.forEach((slot, index) => slotsAt.set(slot.position, { number: index + 1, slot }));
  const lines: string[] = [];
  const slotLines: SlotLine[] = [];
  for (let position = 0; position <= family.skeleton.length; position++) {
    const slot = slotsAt.get(position);
    if (slot) {
      slotLines.push({ line: lines.length, number: slot.number, slot: slot.slot });
      lines.push(slotPlaceholder(slot.number, slot.slot, family.samples));
    }
    if (position < family.skeleton.length) lines.push(family.skeleton[position] as string);
  }
  return { text: lines.join('\n'), slotLines };
}

/** What a hover on a slot says: each distinct value with how often it occurs, most frequent first. */
export function slotValuesMarkdownLines(slot: PromptSlot, maxChars = 160): string[] {
  return slot.values.map((value) => {
    const shown = value.text === '' ? '(nothing)' : shorten(value.text.replace(/\n/g, ' ⏎ '), maxChars);
    return `${value.samples} sample${value.samples === 1 ? '' : 's'} · ${value.requests} request${value.requests === 1 ? '' : 's'}: ${shown}`;
  });
}

export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** JSON with sorted keys, indented. */
export function prettyCanonical(value: unknown): string {
  return JSON.stringify(JSON.parse(canonicalJson(value) ?? 'null'), null, 2);
}

/** A tool list as normalized JSON: tools sorted by name (stable for equal names), keys sorted. */
export function toolsJson(tools: readonly unknown[]): string {
  const named = tools.map((tool, at) => ({ tool, at, name: toolName(tool) ?? '' }));
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.at - b.at));
  return `${prettyCanonical(named.map((entry) => entry.tool))}\n`;
}

function jsonOrText(value: unknown): string {
  return typeof value === 'string' ? value : prettyCanonical(value);
}

/** One block of a message's content (Anthropic blocks, Responses items' content parts). */
function blockText(block: unknown): { kind: string; text: string } {
  if (typeof block === 'string') return { kind: 'text', text: block };
  if (!isRecord(block)) return { kind: 'value', text: jsonOrText(block) };
  const kind = typeof block.type === 'string' ? block.type : 'block';
  for (const key of ['text', 'input_text', 'output_text', 'thinking']) {
    if (typeof block[key] === 'string') return { kind, text: block[key] as string };
  }
  if (kind === 'tool_use') {
    const name = typeof block.name === 'string' ? block.name : '?';
    return { kind: `tool_use ${name}${typeof block.id === 'string' ? ` (${block.id})` : ''}`, text: jsonOrText(block.input ?? null) };
  }
  if (kind === 'tool_result') {
    const id = typeof block.tool_use_id === 'string' ? ` (${block.tool_use_id})` : '';
    const content = block.content;
    const text = Array.isArray(content) ? content.map((inner) => blockText(inner).text).join('\n') : jsonOrText(content ?? '');
    return { kind: `tool_result${id}${block.is_error === true ? ' error' : ''}`, text };
  }
  const { cache_control: _cache, ...rest } = block;
  return { kind, text: prettyCanonical(rest) };
}

/**
 * Messages (or Responses input items) as readable blocks: a header line per message and per content
 * block, then its text. Volatile markers (cache_control) are left out so they do not show as changes.
 */
export function messagesReadable(messages: readonly unknown[]): string {
  const out: string[] = [];
  messages.forEach((message, index) => {
    if (!isRecord(message)) {
      out.push(`── #${index + 1} ──`, jsonOrText(message), '');
      return;
    }
    const role = typeof message.role === 'string' ? message.role : typeof message.type === 'string' ? message.type : 'item';
    const content = message.content;
    if (typeof content === 'string') {
      out.push(`── #${index + 1} ${role} ──`, content, '');
    } else if (Array.isArray(content)) {
      content.forEach((block, at) => {
        const { kind, text } = blockText(block);
        out.push(`── #${index + 1} ${role} · ${at + 1}/${content.length} ${kind} ──`, text, '');
      });
      if (content.length === 0) out.push(`── #${index + 1} ${role} · (no content) ──`, '');
    } else {
      // Responses items without content: function_call (arguments), function_call_output (output), reasoning…
      const { role: _role, type: _type, id: _id, ...rest } = message;
      let text: string;
      if (typeof message.arguments === 'string' || typeof message.output === 'string') {
        const name = typeof message.name === 'string' ? `${message.name} ` : '';
        text = `${name}${typeof message.arguments === 'string' ? message.arguments : message.output}`;
      } else text = prettyCanonical(rest);
      out.push(`── #${index + 1} ${role} ──`, text, '');
    }
  });
  return out.join('\n');
}

/**
 * The file a prompt line says its following text came from: Claude Code's `Contents of <path> (…):` and
 * Codex's `# AGENTS.md instructions for <dir>`. Returns the path and its character span in the line.
 */
export function injectedFileOf(line: string): { path: string; start: number; end: number } | undefined {
  const contents = /Contents of ((?:\/|[A-Za-z]:[\\/]|~\/)[^\s()]*?)(?= \(|:)/.exec(line);
  if (contents && contents[1]) {
    const start = contents.index + 'Contents of '.length;
    return { path: contents[1], start, end: start + contents[1].length };
  }
  const agents = /# (AGENTS(?:\.override)?\.md) instructions for ((?:\/|[A-Za-z]:[\\/])\S*)/.exec(line);
  if (agents && agents[1] && agents[2]) {
    const start = agents.index + agents[0].length - agents[2].length;
    const dir = agents[2].replace(/[\\/]+$/, '');
    const separator = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
    return { path: `${dir}${separator}${agents[1]}`, start, end: start + agents[2].length };
  }
  return undefined;
}
