// Prompt caching as the providers do it (SPEC §6), for the fake upstream, so real agents driven through the
// proxy produce real hit / miss patterns and real usage fields.
//
// Anthropic: the prompt is a sequence of blocks in the order tools → system → messages (each content block
// of each message; a string content is one block). `cache_control` marks breakpoints (at most 4, else 400).
// A request reads the longest prefix, ending at or before its last breakpoint, that an earlier request
// wrote (same model, exact bytes but for cache_control); it writes the prefix up to each of its breakpoints
// (TTL 5 minutes, refreshed on every hit, or 1 hour with `"ttl":"1h"`). Usage: `input_tokens` is what comes
// after the last breakpoint, `cache_read_input_tokens` what was read, `cache_creation_input_tokens` what
// was written, split by tier in `cache_creation`. A request carrying `diagnostics.previous_message_id` gets
// `diagnostics.cache_miss_reason` comparing it with that earlier response's request.
// OpenAI: automatic prefix caching over tools → instructions → input items, keyed by model and
// `prompt_cache_key`; only prefixes of at least 1024 tokens are cached; `cached_tokens` is part of
// `input_tokens`.
// Tokens are estimated as 4 bytes per token of each block's JSON: not a tokenizer, but monotonic in the bytes.

import { createHash } from 'node:crypto';

type JsonObject = Record<string, unknown>;

export interface CacheTtls {
  /** The default (5-minute) TTL, ms. */
  shortMs: number;
  /** The `"ttl":"1h"` TTL, ms. */
  longMs: number;
}

export const API_TTLS: CacheTtls = { shortMs: 5 * 60_000, longMs: 60 * 60_000 };

export class TooManyBreakpointsError extends Error {}

export interface AnthropicCacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

interface Block {
  /** Cumulative hash of the prefix ending with this block. */
  key: string;
  tokens: number;
  ttl?: '5m' | '1h';
  part: 'tools' | 'system' | 'messages';
}

interface Fingerprint {
  model: string;
  tools: string;
  system: string;
  messages: string[];
  tokens: number;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutCacheControl(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutCacheControl);
  if (!isObject(value)) return value;
  const copy: JsonObject = {};
  for (const [key, entry] of Object.entries(value)) if (key !== 'cache_control') copy[key] = withoutCacheControl(entry);
  return copy;
}

function tokensOf(value: unknown): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(withoutCacheControl(value)) ?? '') / 4));
}

function ttlOf(value: unknown): '5m' | '1h' | undefined {
  if (!isObject(value) || !isObject(value.cache_control)) return undefined;
  return value.cache_control.ttl === '1h' ? '1h' : '5m';
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(withoutCacheControl(value)) ?? '').digest('hex');
}

export class PromptCache {
  /** prefix key → expiry (epoch ms) and its TTL. */
  private readonly entries = new Map<string, { expires: number; ttlMs: number }>();
  private readonly fingerprints = new Map<string, Fingerprint>();

  constructor(
    private readonly ttls: CacheTtls = API_TTLS,
    private readonly now: () => number = Date.now,
  ) {}

  private blocksOf(model: string, body: JsonObject): Block[] {
    const blocks: Block[] = [];
    const rolling = createHash('sha256').update(model);
    const push = (part: Block['part'], value: unknown, ttl: Block['ttl']) => {
      rolling.update(JSON.stringify(withoutCacheControl(value)) ?? '');
      blocks.push({ key: rolling.copy().digest('hex'), tokens: tokensOf(value), ttl, part });
    };
    for (const tool of Array.isArray(body.tools) ? body.tools : []) push('tools', tool, ttlOf(tool));
    const system = body.system;
    if (typeof system === 'string') push('system', system, undefined);
    else for (const block of Array.isArray(system) ? system : []) push('system', block, ttlOf(block));
    for (const message of Array.isArray(body.messages) ? body.messages : []) {
      if (!isObject(message)) continue;
      const role = message.role;
      const content = message.content;
      // A string is the one text block it stands for: Claude Code sends its role:"system" message as a block list,
      // then as the same text in a string, and the cache still hits (SPEC §6).
      if (typeof content === 'string') push('messages', { role, block: { type: 'text', text: content } }, ttlOf(message));
      else for (const block of Array.isArray(content) ? content : []) push('messages', { role, block }, ttlOf(block));
    }
    return blocks;
  }

  private alive(key: string, at: number): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (entry.expires < at) {
      this.entries.delete(key);
      return false;
    }
    return true;
  }

  /** Usage for an Anthropic Messages request, updating the cache as the API would. */
  anthropic(model: string, body: JsonObject): AnthropicCacheUsage {
    const blocks = this.blocksOf(model, body);
    const breakpoints = blocks.map((block, index) => (block.ttl ? index : -1)).filter((index) => index >= 0);
    if (breakpoints.length > 4) throw new TooManyBreakpointsError(`A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints.length}.`);
    const at = this.now();
    const total = blocks.reduce((sum, block) => sum + block.tokens, 0);
    const last = breakpoints[breakpoints.length - 1] ?? -1;
    // The longest cached prefix ending at or before the last breakpoint.
    let readEnd = -1;
    for (let index = last; index >= 0; index--) {
      if (this.alive(blocks[index].key, at)) {
        readEnd = index;
        break;
      }
    }
    let read = 0;
    for (let index = 0; index <= readEnd; index++) read += blocks[index].tokens;
    let written5m = 0;
    let written1h = 0;
    let from = readEnd + 1;
    for (const breakpoint of breakpoints) {
      const block = blocks[breakpoint];
      const ttlMs = block.ttl === '1h' ? this.ttls.longMs : this.ttls.shortMs;
      if (breakpoint >= from) {
        let tokens = 0;
        for (let index = from; index <= breakpoint; index++) tokens += blocks[index].tokens;
        if (block.ttl === '1h') written1h += tokens;
        else written5m += tokens;
        from = breakpoint + 1;
      }
      // Written now, or read and refreshed.
      this.entries.set(block.key, { expires: at + ttlMs, ttlMs });
    }
    // The hit entry is refreshed too (it may sit between breakpoints of this request).
    if (readEnd >= 0) {
      const entry = this.entries.get(blocks[readEnd].key);
      if (entry) entry.expires = at + entry.ttlMs;
    }
    const written = written5m + written1h;
    return {
      input_tokens: total - read - written,
      cache_creation_input_tokens: written,
      cache_read_input_tokens: read,
      cache_creation: { ephemeral_5m_input_tokens: written5m, ephemeral_1h_input_tokens: written1h },
    };
  }

  /** Remembers what a response's request looked like, for a later `diagnostics.previous_message_id`. */
  rememberFingerprint(messageId: string, model: string, body: JsonObject): void {
    this.fingerprints.set(messageId, {
      model,
      tools: hashOf(body.tools ?? []),
      system: hashOf(body.system ?? ''),
      messages: (Array.isArray(body.messages) ? body.messages : []).map((message) =>
        hashOf(isObject(message) && typeof message.content === 'string' ? { ...message, content: [{ type: 'text', text: message.content }] } : message),
      ),
      tokens: this.blocksOf(model, body).reduce((sum, block) => sum + block.tokens, 0),
    });
  }

  /** The response's `diagnostics` when the request asked for them (Anthropic cache diagnostics). */
  diagnose(model: string, body: JsonObject): JsonObject | undefined {
    const asked = body.diagnostics;
    if (!isObject(asked)) return undefined;
    const previousId = asked.previous_message_id;
    if (typeof previousId !== 'string') return { cache_miss_reason: null };
    const previous = this.fingerprints.get(previousId);
    if (!previous) return { cache_miss_reason: { type: 'previous_message_not_found' } };
    const missed = previous.tokens;
    const reason = (type: string) => ({ cache_miss_reason: { type, cache_missed_input_tokens: missed } });
    if (previous.model !== model) return reason('model_changed');
    if (previous.tools !== hashOf(body.tools ?? [])) return reason('tools_changed');
    if (previous.system !== hashOf(body.system ?? '')) return reason('system_changed');
    const messages = Array.isArray(body.messages) ? body.messages : [];
    for (let index = 0; index < previous.messages.length; index++) {
      const message = messages[index];
      const hash = message === undefined ? '' : hashOf(isObject(message) && typeof message.content === 'string' ? { ...message, content: [{ type: 'text', text: message.content }] } : message);
      if (hash !== previous.messages[index]) return reason('messages_changed');
    }
    return { cache_miss_reason: null };
  }

  /** `cached_tokens` for an OpenAI Responses / Chat request (automatic prefix caching). */
  openai(model: string, body: JsonObject): { inputTokens: number; cachedTokens: number } {
    const rolling = createHash('sha256').update(`${model}\u0000${typeof body.prompt_cache_key === 'string' ? body.prompt_cache_key : ''}`);
    const prefixes: Array<{ key: string; tokens: number }> = [];
    let tokens = 0;
    const push = (value: unknown) => {
      rolling.update(JSON.stringify(value) ?? '');
      tokens += tokensOf(value);
      prefixes.push({ key: rolling.copy().digest('hex'), tokens });
    };
    for (const tool of Array.isArray(body.tools) ? body.tools : []) push(tool);
    if (body.instructions !== undefined) push(body.instructions);
    const items = Array.isArray(body.input) ? body.input : Array.isArray(body.messages) ? body.messages : typeof body.input === 'string' ? [body.input] : [];
    for (const item of items) push(item);
    const at = this.now();
    let cached = 0;
    for (let index = prefixes.length - 1; index >= 0; index--) {
      if (this.alive(prefixes[index].key, at)) {
        cached = prefixes[index].tokens;
        break;
      }
    }
    for (const prefix of prefixes) {
      if (prefix.tokens >= 1024) this.entries.set(prefix.key, { expires: at + this.ttls.shortMs, ttlMs: this.ttls.shortMs });
    }
    return { inputTokens: tokens, cachedTokens: cached >= 1024 ? cached : 0 };
  }
}
