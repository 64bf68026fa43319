// One log line → the compact digest the index keeps (indexModel.ts), without decoding what it does not
// need. The structural scanner (jsonScan.ts) locates fields; only small values are JSON.parse'd. The
// big repeated parts of a request — system, tools, each message — are recognised by a hash of their
// bytes and digested once: a conversation that grows by one message per turn costs one message's parse
// per turn, not the whole history's.
//
// Used in worker threads (indexWorker.ts) and in the main thread alike; both produce identical digests.

import { hash } from 'node:crypto';
import type {
  CacheDiagnosis,
  CacheMark,
  CacheTtl,
  MessagesDigest,
  PrefixDigest,
  PrefixPart,
  RequestComposition,
  SegmentDigest,
  SystemDigest,
  SystemRepresentation,
  TokenUsage,
  ToolsDigest,
} from './indexModel';
import { parseSpan, scanArray, scanEntries, scanObject, skipValue, spanKind } from '../jsonScan';
import { extract, reconstructBody } from '../wire/wire';
import { type Wire } from '../wire/common';
import { isRecord, type JsonRecord } from '../jsonValue';
import type { RecordSecrets } from '../secrets/lineRedactor';

export interface DigestBase {
  /** Byte offset and length of the line in its file. */
  offset: number;
  length: number;
  /** The record's `id` when it has a non-empty string one. */
  id?: string;
  /** Epoch ms of `ts`. */
  time?: number;
  agent: string;
  wire: string;
  /** The record's `secrets` field: what the recorder found in it (secrets/lineRedactor.ts). */
  secrets?: RecordSecrets;
}

export interface RequestDigest extends DigestBase {
  kind: 'request';
  method: string;
  path: string;
  /** `extract` is present (not null): the original analyses only such requests. */
  hasExtract: boolean;
  model?: string;
  requestBytes?: number;
  websocket?: boolean;
  truncated?: boolean;
  system?: SystemDigest;
  tools?: ToolsDigest;
  messages?: MessagesDigest;
  prefix?: PrefixDigest;
  conversationKey?: string;
  toolsInAdditionalItem?: boolean;
  cacheMarks?: CacheMark[];
  composition?: RequestComposition;
  asksDiagnostics?: boolean;
}

export interface ResponseDigest extends DigestBase {
  kind: 'response';
  status?: number;
  stream?: boolean;
  partial?: boolean;
  error?: string;
  model?: string;
  usage?: TokenUsage;
  stopReason?: string;
  ttfbMs?: number;
  durationMs?: number;
  responseBytes?: number;
  toolUses?: string[];
  cacheDiagnosis?: CacheDiagnosis;
}

export type RecordDigest = RequestDigest | ResponseDigest;

/** A deduplicated text the digests refer to by hash, produced the first time it is seen. */
export type NewText =
  | { table: 'system'; hash: string; text: string }
  | { table: 'tools'; hash: string; text: string }
  | { table: 'prefix'; hash: string; text: PrefixPart[] };

/** What a line turned out to be. */
export type LineResult = RecordDigest | 'invalid' | 'other';

/** 16 hex chars of SHA-1: fast (native, one shot) and far from colliding at log scale. */
export function hash16(data: string | Buffer): string {
  return hash('sha1', data, 'hex').slice(0, 16);
}

/** Python's len(): code points, a lone surrogate counting as one. */
export function codePointLength(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/** Text blocks of the first user message(s) that agents inject as context rather than the user's words. */
export const CONTEXT_MARKERS = ['<system-reminder>', '<environment_context>', '# AGENTS.md instructions', '<user_instructions>'];

function isContextText(text: string): boolean {
  const trimmed = text.trimStart();
  return CONTEXT_MARKERS.some((marker) => trimmed.startsWith(marker));
}

/** The original's system_text(): the text of a system value and its part count; undefined when it has none. */
export function flattenSystem(system: unknown): { text: string; parts: number; representation: SystemRepresentation } | undefined {
  if (typeof system === 'string') return { text: system, parts: 1, representation: 'string' };
  if (!Array.isArray(system)) return undefined;
  const texts: string[] = [];
  let blocks = 0;
  let messages = 0;
  for (const part of system) {
    if (typeof part === 'string') {
      texts.push(part);
      blocks++;
    } else if (isRecord(part)) {
      if (typeof part.text === 'string') {
        texts.push(part.text);
      } else if ('content' in part) {
        texts.push(...contentTexts(part.content));
      }
      if (typeof part.role === 'string' || part.type === 'message') messages++;
      else blocks++;
    }
  }
  const representation: SystemRepresentation =
    blocks + messages === 0 ? 'none' : messages === 0 ? 'blocks' : blocks === 0 ? 'messages' : 'mixed';
  return { text: texts.join('\n'), parts: system.length, representation };
}

/** A message's content as the original reads it: a string, or the `text` of each block. */
function contentTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  const texts: string[] = [];
  for (const block of content) if (isRecord(block) && typeof block.text === 'string') texts.push(block.text);
  return texts;
}

/**
 * A message compared by meaning: without `cache_control` and (Codex) item ids, and with a string
 * `content` as the one-text-block list it means — Claude Code sends its role:system message one way,
 * then the other, between turns of one conversation (SPEC §6).
 */
function meaningOf(message: unknown, dropId: boolean): unknown {
  const copy = normalized(message, dropId);
  if (isRecord(copy) && typeof copy.content === 'string') copy.content = [{ type: 'text', text: copy.content }];
  return copy;
}

/** The TTL a `cache_control` value asks for; undefined when it is not a breakpoint. */
function ttlOf(cacheControl: unknown): CacheTtl | undefined {
  if (!isRecord(cacheControl)) return undefined;
  return cacheControl.ttl === '1h' ? '1h' : '5m';
}

function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text);
}

/** A copy without `cache_control` keys anywhere (and without the top-level `id` when asked). */
function normalized(value: unknown, dropId: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => normalized(item, false));
  if (!isRecord(value)) return value;
  const copy: JsonRecord = {};
  for (const key of Object.keys(value)) {
    if (key === 'cache_control' || (dropId && key === 'id')) continue;
    copy[key] = normalized(value[key], false);
  }
  return copy;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function finiteOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function timeOf(ts: unknown): number | undefined {
  if (typeof ts !== 'string') return undefined;
  const time = Date.parse(ts);
  return Number.isNaN(time) ? undefined : time;
}

function numberField(record: JsonRecord, key: string): number {
  const value = record[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Usage normalized across wires (see TokenUsage); undefined when there is no usage object with numbers. */
export function normalizeUsage(wire: string, usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const hasNumbers = Object.values(usage).some((value) => typeof value === 'number');
  if (!hasNumbers) return undefined;
  const isChat = wire === 'codex-chat' || (wire !== 'claude-messages' && 'prompt_tokens' in usage);
  if (isChat) {
    const details = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
    const cached = numberField(details, 'cached_tokens');
    return { input: numberField(usage, 'prompt_tokens') - cached, output: numberField(usage, 'completion_tokens'), cacheRead: cached, cacheCreation: 0 };
  }
  const isResponses = wire === 'codex-responses' || (wire !== 'claude-messages' && 'input_tokens_details' in usage);
  if (isResponses) {
    const details = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : {};
    const cached = numberField(details, 'cached_tokens');
    return { input: numberField(usage, 'input_tokens') - cached, output: numberField(usage, 'output_tokens'), cacheRead: cached, cacheCreation: 0 };
  }
  const normalizedUsage: TokenUsage = {
    input: numberField(usage, 'input_tokens'),
    output: numberField(usage, 'output_tokens'),
    cacheRead: numberField(usage, 'cache_read_input_tokens'),
    cacheCreation: numberField(usage, 'cache_creation_input_tokens'),
  };
  // The write split by tier (the 1-hour tier costs more); absent in older responses.
  if (isRecord(usage.cache_creation)) {
    normalizedUsage.cacheCreation5m = numberField(usage.cache_creation, 'ephemeral_5m_input_tokens');
    normalizedUsage.cacheCreation1h = numberField(usage.cache_creation, 'ephemeral_1h_input_tokens');
  }
  return normalizedUsage;
}

/**
 * The provider's cache diagnosis: Anthropic `diagnostics.cache_miss_reason` ({type,
 * cache_missed_input_tokens}; null when nothing diverged), OpenAI `prompt_cache_diagnostics`
 * ({type: cache_miss | cache_hit | comparison_response_not_found | unavailable, reason, cache_missed_tokens}).
 */
export function cacheDiagnosisOf(diagnostics: unknown, promptCacheDiagnostics: unknown): CacheDiagnosis | undefined {
  if (isRecord(diagnostics) && isRecord(diagnostics.cache_miss_reason)) {
    const reason = diagnostics.cache_miss_reason;
    const type = stringOrUndefined(reason.type) ?? 'unknown';
    const missed = finiteOrUndefined(reason.cache_missed_input_tokens) ?? finiteOrUndefined(diagnostics.cache_missed_input_tokens);
    return missed === undefined ? { provider: 'anthropic', type, raw: diagnostics } : { provider: 'anthropic', type, missedTokens: missed, raw: diagnostics };
  }
  if (isRecord(promptCacheDiagnostics)) {
    const outcome = stringOrUndefined(promptCacheDiagnostics.type) ?? 'unknown';
    const reason = promptCacheDiagnostics.reason;
    const reasonType = typeof reason === 'string' ? reason : isRecord(reason) ? stringOrUndefined(reason.type) : undefined;
    const type = outcome === 'cache_miss' && reasonType ? reasonType : outcome;
    const missed = finiteOrUndefined(promptCacheDiagnostics.cache_missed_tokens);
    const diagnosis: CacheDiagnosis = { provider: 'openai', type, raw: promptCacheDiagnostics };
    if (missed !== undefined) diagnosis.missedTokens = missed;
    return diagnosis;
  }
  return undefined;
}

/** Claude Code `metadata.user_id`: a JSON string with `session_id`, or older `user_…_session_<uuid>`. */
function claudeSessionOf(metadata: unknown): string | undefined {
  if (!isRecord(metadata) || typeof metadata.user_id !== 'string') return undefined;
  const userId = metadata.user_id;
  if (userId.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(userId);
      if (isRecord(parsed) && typeof parsed.session_id === 'string' && parsed.session_id !== '') return parsed.session_id;
    } catch {
      // not JSON after all: try the older form
    }
  }
  const match = /_session_([0-9a-fA-F-]{8,})$/.exec(userId);
  return match?.[1];
}

/**
 * The agent's own conversation id (SPEC §6), from the fields it sends: Claude Code's session id
 * (header, metadata), Codex's prompt_cache_key (= its thread id), client_metadata, session_id header.
 */
export function conversationKeyOf(headers: unknown, body: { metadata?: unknown; promptCacheKey?: unknown; clientMetadata?: unknown }): string | undefined {
  const header = (name: string) => (isRecord(headers) && typeof headers[name] === 'string' && headers[name] !== '' ? (headers[name] as string) : undefined);
  const claude = header('x-claude-code-session-id') ?? claudeSessionOf(body.metadata);
  if (claude) return claude;
  if (typeof body.promptCacheKey === 'string' && body.promptCacheKey !== '') return body.promptCacheKey;
  const client = body.clientMetadata;
  if (isRecord(client)) {
    for (const key of ['thread_id', 'conversation_id', 'session_id']) {
      if (typeof client[key] === 'string' && client[key] !== '') return client[key] as string;
    }
  }
  return header('session_id');
}

function describeError(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined;
  if (typeof error === 'string') return error;
  if (isRecord(error)) {
    const type = stringOrUndefined(error.type) ?? stringOrUndefined(error.code);
    const message = stringOrUndefined(error.message);
    if (type && message) return `${type}: ${message}`;
    if (type || message) return type ?? message;
  }
  return JSON.stringify(error);
}

/** Where the parts of a request line are, found in the one pass over it. */
interface LineLayout {
  /** Spans of the entries of `extract` (the last `extract` key, if repeated). */
  extract: Map<string, [number, number]>;
  /** Start and end of each item of `extract.messages` (flat pairs) when it is an array. */
  items: number[] | undefined;
  /** Span of `request.model`. */
  model: [number, number] | undefined;
  /** Spans of the request body's conversation fields (metadata, prompt_cache_key, client_metadata, diagnostics). */
  body: Map<string, [number, number]>;
  /**
   * The body's big values that `extract` usually repeats byte for byte (BODY_COPIES), already scanned:
   * start, end, and for an array the flat start/end pairs of its items.
   */
  copies: Map<string, BodyCopy>;
}

interface BodyCopy {
  start: number;
  end: number;
  items?: number[];
}

const BODY_FIELDS = new Set(['metadata', 'prompt_cache_key', 'client_metadata', 'diagnostics']);

/**
 * Body fields whose bytes `extract` repeats when our extraction kept them as they were (Claude's
 * messages, tools and usually system; Codex's input as extract.messages): the extract part is then
 * found by comparing bytes, not scanned a second time.
 */
const BODY_COPIES = new Set(['messages', 'input', 'tools', 'system']);

/** The body fields an extract part may be a byte copy of. */
function copiedFrom(part: string): readonly string[] {
  return part === 'messages' ? ['messages', 'input'] : part === 'tools' || part === 'system' ? [part] : [];
}

/**
 * The body value that the bytes at `at` repeat exactly, if any. A JSON object, array or string ends
 * where its bytes say, so bytes equal to an already scanned (well-formed) one end at the same offset,
 * with items at the same relative offsets: the scan of the copy would find exactly that.
 */
function sameAsCopy(buf: Buffer, at: number, end: number, part: string, copies: Map<string, BodyCopy>): BodyCopy | undefined {
  const first = buf[at];
  if (first !== 0x5b && first !== 0x7b && first !== 0x22) return undefined;
  for (const key of copiedFrom(part)) {
    const copy = copies.get(key);
    if (!copy || buf[copy.start] !== first) continue;
    const length = copy.end - copy.start;
    if (at + length > end) continue;
    if (buf.compare(buf, copy.start, copy.end, at, at + length) === 0) return copy;
  }
  return undefined;
}

/** What one distinct message contributes (memoized by the hash of its bytes). */
interface MessageInfo {
  hash: string;
  role: string;
  blockTypes: Array<[string, number]>;
  /** role system/developer message (not an item of another type). */
  isSystem: boolean;
  isUser: boolean;
  /** Leading non-message items that do not end the prompt prefix (Codex `additional_tools`). */
  isPassThrough: boolean;
  /** Text parts of a system / developer message (the prefix takes them whole). */
  texts?: string[];
  /** A user message's injected context blocks (CONTEXT_MARKERS), when it has some. */
  context?: string[];
  /** A user message made of context blocks only (the prefix walk goes on past it). */
  onlyContext?: boolean;
  /** The message's last cache breakpoint, if it carries one. */
  mark?: CacheTtl;
  /** What the message adds to the request's composition (see RequestComposition). */
  parts: MessageParts;
}

/** A message's bytes by kind; user words are placed (history or new turn) per request. */
interface MessageParts {
  system: number;
  tools: number;
  context: number;
  history: number;
  user: number;
  /** [tool call id, bytes] of each tool result it carries. */
  results?: Array<[string, number]>;
  /** [tool call id, tool name] of each tool call it makes. */
  calls?: Array<[string, string]>;
  /** An assistant turn (or a Responses output item): user words before it are history. */
  isTurn: boolean;
}

interface ToolsInfo {
  digest: ToolsDigest;
  marks: Array<[number, CacheTtl]>;
  text: string;
}

interface SystemInfo {
  digest: SystemDigest;
  marks: Array<[number, CacheTtl]>;
  text: string;
  /** The system already holds role:system / developer messages (our writer puts them there). */
  holdsMessages: boolean;
}

/**
 * A recent request's `extract` bytes (a copy: the reader reuses its buffers) and what was learned from
 * them. A conversation's next request repeats the previous one's system, tools and messages but for the
 * newest ones, so comparing bytes with it (memcmp) replaces most of the hashing.
 */
interface RecentRequest {
  /** Holds the copy in [0, length); spans below are offsets into it. Recycled when evicted. */
  buf: Buffer;
  length: number;
  agent: string;
  wire: string;
  system?: [number, number, string];
  tools?: [number, number, string];
  /** Start and end of each message, flat pairs. */
  items: number[];
  rawHashes: string[];
  infos: MessageInfo[];
}

const RECENT_REQUESTS = 4;
/** Requests whose extract is bigger than this are not kept for comparison (each copy is held). */
const MAX_RECENT_BYTES = 8 * 1024 * 1024;

function sameBytes(a: Buffer, aStart: number, aEnd: number, b: Buffer, bStart: number, bEnd: number): boolean {
  return aEnd - aStart === bEnd - bStart && a.compare(b, bStart, bEnd, aStart, aEnd) === 0;
}

/** Memo tables are dropped when they grow past this many entries (a cache, not state). */
const MAX_MEMO_ENTRIES = 200_000;

function remember<K, V>(memo: Map<K, V>, key: K, value: V): V {
  if (memo.size >= MAX_MEMO_ENTRIES) memo.clear();
  memo.set(key, value);
  return value;
}

export class RecordDigester {
  private readonly systems = new Map<string, SystemInfo | null>();
  private readonly toolSets = new Map<string, ToolsInfo | null>();
  private readonly messageInfos = new Map<string, MessageInfo>();
  private readonly prefixes = new Map<string, PrefixDigest | null>();
  /** Texts already handed out by this digester (the receiver keeps them). */
  private readonly emitted = new Set<string>();
  private pendingTexts: NewText[] = [];
  private recent: RecentRequest[] = [];

  /** New deduplicated texts since the last call. */
  takeTexts(): NewText[] {
    const texts = this.pendingTexts;
    this.pendingTexts = [];
    return texts;
  }

  private emit(text: NewText): void {
    const key = `${text.table}:${text.hash}`;
    if (this.emitted.has(key)) return;
    this.emitted.add(key);
    this.pendingTexts.push(text);
  }

  /** Digests the line buf[start, end) found at file offset `offset`. */
  digest(buf: Buffer, start: number, end: number, offset: number): LineResult {
    // One pass over the line: top-level values are located; `request` is walked only to find its
    // `model`, `extract` down to its parts and the items of its `messages` (nothing is skipped twice).
    const spans = new Map<string, [number, number]>();
    const layout: LineLayout = { extract: new Map(), items: undefined, model: undefined, body: new Map(), copies: new Map() };
    if (buf[start] !== 0x7b) return 'invalid';
    const after = scanEntries(buf, start, end, (key, valueStart) => {
      let valueEnd: number;
      if (key === 'request' && buf[valueStart] === 0x7b) {
        valueEnd = scanEntries(buf, valueStart, end, (bodyKey, bodyValueStart) => {
          let bodyValueEnd: number;
          if (BODY_COPIES.has(bodyKey)) {
            // Scanned once here; the extract's copy of it is then recognised by its bytes.
            let items: number[] | undefined;
            if (buf[bodyValueStart] === 0x5b) {
              const found: number[] = [];
              bodyValueEnd = scanArray(buf, bodyValueStart, end, (itemStart, itemEnd) => {
                found.push(itemStart, itemEnd);
              });
              items = found;
            } else {
              bodyValueEnd = skipValue(buf, bodyValueStart, end);
            }
            if (bodyValueEnd >= 0) layout.copies.set(bodyKey, { start: bodyValueStart, end: bodyValueEnd, items });
            return bodyValueEnd;
          }
          bodyValueEnd = skipValue(buf, bodyValueStart, end);
          if (bodyKey === 'model' && bodyValueEnd >= 0) layout.model = [bodyValueStart, bodyValueEnd];
          else if (BODY_FIELDS.has(bodyKey) && bodyValueEnd >= 0) layout.body.set(bodyKey, [bodyValueStart, bodyValueEnd]);
          return bodyValueEnd;
        });
      } else if (key === 'extract' && buf[valueStart] === 0x7b) {
        layout.extract.clear();
        layout.items = undefined;
        valueEnd = scanEntries(buf, valueStart, end, (part, partStart) => {
          let partEnd: number;
          const copy = layout.copies.size > 0 ? sameAsCopy(buf, partStart, end, part, layout.copies) : undefined;
          if (copy) {
            partEnd = partStart + (copy.end - copy.start);
            if (part === 'messages' && copy.items) {
              const shift = partStart - copy.start;
              layout.items = copy.items.map((at) => at + shift);
            }
          } else if (part === 'messages' && buf[partStart] === 0x5b) {
            const items: number[] = [];
            partEnd = scanArray(buf, partStart, end, (itemStart, itemEnd) => {
              items.push(itemStart, itemEnd);
            });
            layout.items = items;
          } else {
            partEnd = skipValue(buf, partStart, end);
          }
          if (partEnd >= 0) layout.extract.set(part, [partStart, partEnd]);
          return partEnd;
        });
      } else {
        valueEnd = skipValue(buf, valueStart, end);
      }
      if (valueEnd >= 0) spans.set(key, [valueStart, valueEnd]);
      return valueEnd;
    });
    if (after < 0) return 'invalid';
    for (let at = after; at < end; at++) {
      const byte = buf[at];
      if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return 'invalid';
    }

    const small = (key: string): unknown => {
      const span = spans.get(key);
      return span ? parseSpan(buf, span[0], span[1]) : undefined;
    };
    const kindValue = spans.has('kind') ? small('kind') : 'request';
    if (kindValue !== 'request' && kindValue !== 'response') return 'other';
    const idValue = small('id');
    const base: DigestBase = {
      offset,
      length: end - start,
      agent: stringOrUndefined(small('agent')) ?? '?',
      wire: stringOrUndefined(small('wire')) ?? 'unknown',
    };
    if (typeof idValue === 'string' && idValue !== '') base.id = idValue;
    const time = timeOf(small('ts'));
    if (time !== undefined) base.time = time;
    const secrets = recordSecrets(small('secrets'));
    if (secrets) base.secrets = secrets;
    return kindValue === 'request'
      ? this.request(base, buf, spans, small, layout)
      : this.response(base, buf, spans, small);
  }

  private request(
    base: DigestBase,
    buf: Buffer,
    spans: Map<string, [number, number]>,
    small: (key: string) => unknown,
    layout: LineLayout,
  ): RequestDigest {
    const digest: RequestDigest = {
      ...base,
      kind: 'request',
      method: stringOrUndefined(small('method')) ?? '',
      path: stringOrUndefined(small('path')) ?? '',
      hasExtract: false,
    };
    const requestBytes = finiteOrUndefined(small('request_bytes'));
    if (requestBytes !== undefined) digest.requestBytes = requestBytes;
    if (small('websocket') === true) digest.websocket = true;
    if (small('truncated') === true) digest.truncated = true;

    if (layout.model && spans.has('request')) {
      const model = parseSpan(buf, layout.model[0], layout.model[1]);
      if (typeof model === 'string' && model !== '') digest.model = model;
    }

    const bodyField = (key: string): unknown => {
      const span = layout.body.get(key);
      return span ? parseSpan(buf, span[0], span[1]) : undefined;
    };
    const conversationKey = conversationKeyOf(small('headers_kept'), {
      metadata: bodyField('metadata'),
      promptCacheKey: bodyField('prompt_cache_key'),
      clientMetadata: bodyField('client_metadata'),
    });
    if (conversationKey !== undefined) digest.conversationKey = conversationKey;
    if (layout.body.has('diagnostics')) digest.asksDiagnostics = true;

    let extractSpan = spans.get('extract');
    let parts = layout.extract;
    let items = layout.items;
    // A record without our schema version was written by the original, whose extract misses what
    // today's agents send (Codex's developer-message prompt, additional_tools): extract it again from
    // the request body with our extraction, and digest that instead.
    if (!spans.has('schema') && extractSpan && spanKind(buf, extractSpan[0]) === 'object') {
      const requestSpan = spans.get('request');
      const ours = requestSpan ? extract(digest.wire as Wire, parseSpan(buf, requestSpan[0], requestSpan[1])) : null;
      if (ours) {
        buf = Buffer.from(JSON.stringify(ours));
        const rescanned = scanExtract(buf);
        extractSpan = [0, buf.length];
        parts = rescanned.parts;
        items = rescanned.items;
      }
    }
    if (!extractSpan || spanKind(buf, extractSpan[0]) !== 'object') return digest;
    digest.hasExtract = true;

    // Compare with the most recent request of the same agent and wire; spans there are relative to
    // its copied extract, so shift ours by the extract's start when comparing.
    const base0 = extractSpan[0];
    const previous = this.recent.find((entry) => entry.agent === digest.agent && entry.wire === digest.wire);
    const current: Omit<RecentRequest, 'buf' | 'length'> = { agent: digest.agent, wire: digest.wire, items: [], rawHashes: [], infos: [] };

    const systemSpan = parts.get('system');
    let system: SystemInfo | undefined;
    let systemKey = '';
    if (systemSpan) {
      systemKey = rawKey(buf, systemSpan, previous, previous?.system);
      current.system = [systemSpan[0] - base0, systemSpan[1] - base0, systemKey];
      system = this.system(buf, systemSpan, systemKey);
    }
    if (system) digest.system = system.digest;
    const toolsSpan = parts.get('tools');
    let toolsInfo: ToolsInfo | undefined;
    if (toolsSpan) {
      const toolsKey = rawKey(buf, toolsSpan, previous, previous?.tools);
      current.tools = [toolsSpan[0] - base0, toolsSpan[1] - base0, toolsKey];
      toolsInfo = this.tools(buf, toolsSpan, toolsKey);
      if (toolsInfo) digest.tools = toolsInfo.digest;
    }
    const messagesSpan = parts.get('messages');
    const messages = messagesSpan && items ? this.messages(buf, items, digest.wire === 'codex-responses', current, base0) : undefined;
    if (messages) digest.messages = messages.digest;
    const prefix = this.prefix(system, systemKey, messages?.infos ?? []);
    if (prefix) digest.prefix = prefix;
    const infos = messages?.infos ?? [];
    if (infos.some((info) => info.isPassThrough)) digest.toolsInAdditionalItem = true;
    const marks = cacheMarks(system, toolsInfo, infos);
    if (marks.length > 0) digest.cacheMarks = marks;
    digest.composition = composition(system, toolsInfo, infos);
    this.remember(buf, extractSpan, current, messages?.extends);
    return digest;
  }

  /** Keeps a copy of this request's extract bytes, replacing the one it extends (or the oldest). */
  private remember(
    buf: Buffer,
    extractSpan: [number, number],
    current: Omit<RecentRequest, 'buf' | 'length'>,
    extended: RecentRequest | undefined,
  ): void {
    const length = extractSpan[1] - extractSpan[0];
    if (length > MAX_RECENT_BYTES) return;
    let evicted: RecentRequest | undefined;
    if (extended) {
      this.recent.splice(this.recent.indexOf(extended), 1);
      evicted = extended;
    } else if (this.recent.length >= RECENT_REQUESTS) {
      evicted = this.recent.pop();
    }
    let target = evicted?.buf;
    if (!target || target.length < length) target = Buffer.allocUnsafe(Math.max(length, 64 * 1024, (target?.length ?? 0) * 2));
    buf.copy(target, 0, extractSpan[0], extractSpan[1]);
    this.recent.unshift({ ...current, buf: target, length });
  }

  private system(buf: Buffer, span: [number, number], key: string): SystemInfo | undefined {
    let info = this.systems.get(key);
    if (info === undefined) {
      const value = parseSpan(buf, span[0], span[1]);
      const flat = flattenSystem(value);
      if (flat) {
        const { blocks, marks } = systemBlocks(value);
        const digest: SystemDigest = { hash: hash16(flat.text), chars: codePointLength(flat.text), representation: flat.representation, parts: flat.parts };
        if (blocks.length > 0) digest.blocks = blocks;
        info = { digest, marks, text: flat.text, holdsMessages: flat.representation === 'messages' || flat.representation === 'mixed' };
      } else {
        info = null;
      }
      remember(this.systems, key, info);
      if (info) this.emit({ table: 'system', hash: info.digest.hash, text: info.text });
    }
    return info ?? undefined;
  }

  private tools(buf: Buffer, span: [number, number], key: string): ToolsInfo | undefined {
    let info = this.toolSets.get(key);
    if (info === undefined) {
      const tools = parseSpan(buf, span[0], span[1]);
      info = Array.isArray(tools) ? toolsInfo(tools) : null;
      remember(this.toolSets, key, info);
      if (info) this.emit({ table: 'tools', hash: info.digest.hash, text: info.text });
    }
    return info ?? undefined;
  }

  private messages(
    buf: Buffer,
    items: number[],
    dropItemIds: boolean,
    current: Omit<RecentRequest, 'buf' | 'length'>,
    base0: number,
  ): { digest: MessagesDigest; infos: MessageInfo[]; extends?: RecentRequest } | undefined {
    const infos = current.infos;
    const rawHashes = current.rawHashes;
    // The longest run of leading messages byte-identical to a recent request's (same agent and wire).
    let reused = 0;
    let extended: RecentRequest | undefined;
    const count = items.length / 2;
    if (count > 0) {
      for (const entry of this.recent) {
        if (entry.agent !== current.agent || entry.wire !== current.wire || entry.items.length === 0) continue;
        const limit = Math.min(count, entry.items.length / 2);
        while (reused < limit) {
          const at = reused * 2;
          const mineStart = items[at] as number;
          const theirStart = entry.items[at] as number;
          if (!sameBytes(buf, mineStart, items[at + 1] as number, entry.buf, theirStart, entry.items[at + 1] as number)) break;
          reused++;
        }
        if (reused === 0) continue;
        for (let i = 0; i < reused; i++) {
          rawHashes.push(entry.rawHashes[i] as string);
          infos.push(entry.infos[i] as MessageInfo);
        }
        extended = entry;
        break;
      }
    }
    for (let i = reused; i < count; i++) {
      const itemStart = items[i * 2] as number;
      const itemEnd = items[i * 2 + 1] as number;
      const raw = hash16(buf.subarray(itemStart, itemEnd));
      rawHashes.push(raw);
      const key = dropItemIds ? `i${raw}` : raw;
      let info = this.messageInfos.get(key);
      if (!info) info = remember(this.messageInfos, key, messageInfo(parseSpan(buf, itemStart, itemEnd), dropItemIds));
      infos.push(info);
    }
    for (let i = 0; i < items.length; i++) current.items.push((items[i] as number) - base0);
    const roles: Record<string, number> = {};
    const blockTypes: Record<string, number> = {};
    for (const info of infos) {
      if (info.role === '') continue; // not an object: counted, but has no role (as the original)
      roles[info.role] = (roles[info.role] ?? 0) + 1;
      for (const [type, count] of info.blockTypes) blockTypes[type] = (blockTypes[type] ?? 0) + count;
    }
    return {
      digest: {
        count: infos.length,
        hashes: infos.map((info) => info.hash),
        roles,
        blockTypes,
        exactHash: hash16(rawHashes.join('')),
      },
      infos,
      extends: extended,
    };
  }

  /**
   * The prompt prefix: the system text, then role:system / developer messages the system does not
   * already hold, then the injected context blocks (CONTEXT_MARKERS) of the leading user message(s).
   * The walk over messages stops at the first user message with words of its own, or at anything
   * that is not a system/developer/user message (an assistant turn, a tool call).
   */
  private prefix(system: SystemInfo | undefined, systemKey: string, infos: MessageInfo[]): PrefixDigest | undefined {
    const contributing: MessageInfo[] = [];
    for (const info of infos) {
      if (info.isPassThrough) continue;
      if (info.isSystem) {
        if (!system?.holdsMessages) contributing.push(info);
        continue;
      }
      if (!info.isUser) break;
      if (info.context) contributing.push(info);
      if (!info.onlyContext) break;
    }
    if (!system && contributing.length === 0) return undefined;
    const key = `${system ? systemKey : ''}|${contributing.map((info) => info.hash).join(',')}`;
    const known = this.prefixes.get(key);
    if (known !== undefined) return known ?? undefined;
    const parts: PrefixPart[] = [];
    if (system && system.text !== '') parts.push({ source: 'system', text: system.text });
    for (const info of contributing) {
      if (info.isSystem) {
        if (info.texts && info.texts.length > 0) parts.push({ source: 'system-message', text: info.texts.join('\n') });
      } else {
        for (const text of info.context ?? []) parts.push({ source: 'context', text });
      }
    }
    if (parts.length === 0) {
      remember(this.prefixes, key, null);
      return undefined;
    }
    const text = parts.map((part) => part.text).join('\n');
    const digest: PrefixDigest = { hash: hash16(text), chars: codePointLength(text), parts: parts.length };
    remember(this.prefixes, key, digest);
    this.emit({ table: 'prefix', hash: digest.hash, text: parts });
    return digest;
  }

  private response(
    base: DigestBase,
    buf: Buffer,
    spans: Map<string, [number, number]>,
    small: (key: string) => unknown,
  ): ResponseDigest {
    const digest: ResponseDigest = { ...base, kind: 'response' };
    const status = finiteOrUndefined(small('status'));
    if (status !== undefined) digest.status = status;
    const stream = small('stream');
    if (typeof stream === 'boolean') digest.stream = stream;
    if (small('partial') === true) digest.partial = true;
    const ttfb = finiteOrUndefined(small('ttfb_ms'));
    if (ttfb !== undefined) digest.ttfbMs = ttfb;
    const duration = finiteOrUndefined(small('duration_ms'));
    if (duration !== undefined) digest.durationMs = duration;
    const responseBytes = finiteOrUndefined(small('response_bytes'));
    if (responseBytes !== undefined) digest.responseBytes = responseBytes;
    const error = describeError(small('error'));
    if (error !== undefined) digest.error = error;

    const reconstructedSpan = spans.get('reconstructed');
    if (reconstructedSpan && spanKind(buf, reconstructedSpan[0]) === 'object') {
      this.reconstructed(digest, buf, reconstructedSpan);
    } else if (spans.has('body')) {
      // The original logs non-streamed responses as `body` only: rebuild the same fields from it.
      const rebuilt = reconstructBody(digest.wire as Wire, small('body'));
      if (rebuilt) this.takeReconstruction(digest, rebuilt);
    }
    return digest;
  }

  /** Reads only the fields the summary needs from `reconstructed` (never its text or tool inputs). */
  private reconstructed(digest: ResponseDigest, buf: Buffer, span: [number, number]): void {
    const fields: JsonRecord = {};
    let toolUses: string[] | undefined;
    scanObject(buf, span[0], span[1], (key, valueStart, valueEnd) => {
      switch (key) {
        case 'model':
        case 'usage':
        case 'stop_reason':
        case 'status':
        case 'finish_reason':
        case 'error':
        case 'diagnostics':
        case 'prompt_cache_diagnostics':
          fields[key] = parseSpan(buf, valueStart, valueEnd);
          break;
        case 'tool_uses':
          if (spanKind(buf, valueStart) !== 'array') break;
          toolUses = [];
          scanArray(buf, valueStart, valueEnd, (itemStart, itemEnd) => {
            let name: unknown;
            if (spanKind(buf, itemStart) === 'object') {
              scanObject(buf, itemStart, itemEnd, (itemKey, nameStart, nameEnd) => {
                if (itemKey === 'name') name = parseSpan(buf, nameStart, nameEnd);
              });
            }
            toolUses?.push(typeof name === 'string' && name !== '' ? name : '?');
          });
          break;
      }
    });
    this.takeReconstruction(digest, fields);
    if (toolUses) digest.toolUses = toolUses;
  }

  private takeReconstruction(digest: ResponseDigest, fields: JsonRecord): void {
    const model = fields.model;
    if (typeof model === 'string' && model !== '') digest.model = model;
    const usage = normalizeUsage(digest.wire, fields.usage);
    if (usage) digest.usage = usage;
    const stopReason = [fields.stop_reason, fields.status, fields.finish_reason].find(
      (value) => typeof value === 'string' && value !== '',
    );
    if (typeof stopReason === 'string') digest.stopReason = stopReason;
    const diagnosis = cacheDiagnosisOf(fields.diagnostics, fields.prompt_cache_diagnostics);
    if (diagnosis) digest.cacheDiagnosis = diagnosis;
    if (digest.error === undefined) {
      const error = describeError(fields.error);
      if (error !== undefined) digest.error = error;
    }
    if (!digest.toolUses && Array.isArray(fields.tool_uses)) {
      digest.toolUses = fields.tool_uses.map((use) =>
        isRecord(use) && typeof use.name === 'string' && use.name !== '' ? use.name : '?',
      );
    }
  }
}

/** The hash of a span's bytes, taken from a recent request when its bytes there are the same. */
function rawKey(
  buf: Buffer,
  span: [number, number],
  recent: RecentRequest | undefined,
  theirs: [number, number, string] | undefined,
): string {
  if (recent && theirs && sameBytes(buf, span[0], span[1], recent.buf, theirs[0], theirs[1])) return theirs[2];
  return hash16(buf.subarray(span[0], span[1]));
}

function messageInfo(message: unknown, dropItemId: boolean): MessageInfo {
  if (!isRecord(message)) {
    const bytes = jsonBytes(message);
    return {
      hash: hash16(JSON.stringify(message) ?? 'undefined'),
      role: '',
      blockTypes: [],
      isSystem: false,
      isUser: false,
      isPassThrough: false,
      parts: { system: 0, tools: 0, context: 0, history: bytes, user: 0, isTurn: false },
    };
  }
  const roleValue = message.role;
  const typeValue = message.type;
  const role =
    typeof roleValue === 'string' && roleValue !== ''
      ? roleValue
      : typeof typeValue === 'string' && typeValue !== ''
        ? typeValue
        : '?';
  const blockTypes = new Map<string, number>();
  const content = message.content;
  if (typeof content === 'string') blockTypes.set('text', 1);
  else if (Array.isArray(content)) {
    for (const block of content) {
      if (!isRecord(block)) continue;
      const type = 'type' in block ? String(block.type) : '?';
      blockTypes.set(type, (blockTypes.get(type) ?? 0) + 1);
    }
  }
  const isMessage = typeValue === undefined || typeValue === 'message';
  const isSystem = isMessage && (roleValue === 'system' || roleValue === 'developer');
  const isUser = isMessage && roleValue === 'user';
  const info: MessageInfo = {
    hash: hash16(JSON.stringify(meaningOf(message, dropItemId))),
    role,
    blockTypes: [...blockTypes],
    isSystem,
    isUser,
    isPassThrough: typeValue === 'additional_tools',
    parts: messageParts(message, isSystem, isUser),
  };
  const mark = messageMark(message);
  if (mark) info.mark = mark;
  if (isSystem) info.texts = contentTexts(content);
  if (isUser) {
    const texts = contentTexts(content);
    const context = texts.filter(isContextText);
    if (context.length > 0) info.context = context;
    info.onlyContext = texts.length > 0 && context.length === texts.length;
  }
  return info;
}

/** The original's tool_names() and tool_schema_key(), plus a hash of the list without cache_control. */
function toolsInfo(tools: unknown[]): ToolsInfo {
  const names: string[] = [];
  const items: SegmentDigest[] = [];
  const marks: Array<[number, CacheTtl]> = [];
  let schemaKey: string | null = null;
  let hasCustom = false;
  let namespaced = false;
  for (const tool of tools) {
    if (!isRecord(tool)) continue;
    if (typeof tool.namespace === 'string') namespaced = true;
    const fn = isRecord(tool.function) ? tool.function : undefined;
    const name = tool.name || fn?.name || tool.type || '<unknown>';
    const qualified = typeof name === 'string' ? name : String(name);
    names.push(qualified);
    const ttl = ttlOf(tool.cache_control);
    if (ttl) marks.push([items.length, ttl]);
    items.push({ hash: hash16(JSON.stringify(normalized(tool, false))), bytes: jsonBytes(tool), name: qualified });
    if (schemaKey === null) {
      if ('input_schema' in tool) schemaKey = 'input_schema';
      else if ('parameters' in tool) schemaKey = 'parameters';
      else if (fn && 'parameters' in fn) schemaKey = 'function.parameters';
    }
    if (tool.type === 'custom') hasCustom = true;
  }
  if (schemaKey === null && hasCustom) schemaKey = 'custom';
  const text = JSON.stringify(normalized(tools, false));
  const digest: ToolsDigest = { hash: hash16(text), count: names.length, names, schemaKey, items };
  if (namespaced) digest.namespaced = true;
  return { digest, marks, text };
}

/** The extract object's parts and its messages' item spans, for an extract we produced ourselves. */
function scanExtract(buf: Buffer): { parts: Map<string, [number, number]>; items: number[] | undefined } {
  const parts = new Map<string, [number, number]>();
  let items: number[] | undefined;
  scanEntries(buf, 0, buf.length, (part, partStart) => {
    let partEnd: number;
    if (part === 'messages' && buf[partStart] === 0x5b) {
      const found: number[] = [];
      partEnd = scanArray(buf, partStart, buf.length, (itemStart, itemEnd) => {
        found.push(itemStart, itemEnd);
      });
      items = found;
    } else {
      partEnd = skipValue(buf, partStart, buf.length);
    }
    if (partEnd >= 0) parts.set(part, [partStart, partEnd]);
    return partEnd;
  });
  return { parts, items };
}

/**
 * The system field's own blocks in cache order: a string is one block; role:system / developer
 * messages our extraction puts there are skipped (they sit in `messages` on the wire).
 */
function systemBlocks(value: unknown): { blocks: SegmentDigest[]; marks: Array<[number, CacheTtl]> } {
  const blocks: SegmentDigest[] = [];
  const marks: Array<[number, CacheTtl]> = [];
  if (typeof value === 'string') {
    if (value !== '') blocks.push({ hash: hash16(value), bytes: Buffer.byteLength(value) });
    return { blocks, marks };
  }
  if (!Array.isArray(value)) return { blocks, marks };
  for (const part of value) {
    if (isRecord(part) && (typeof part.role === 'string' || part.type === 'message')) continue;
    const ttl = isRecord(part) ? ttlOf(part.cache_control) : undefined;
    if (ttl) marks.push([blocks.length, ttl]);
    blocks.push({ hash: hash16(JSON.stringify(normalized(part, false))), bytes: jsonBytes(part) });
  }
  return { blocks, marks };
}

/** The last breakpoint a message carries (on the message or one of its blocks). */
function messageMark(message: JsonRecord): CacheTtl | undefined {
  let mark = ttlOf(message.cache_control);
  if (Array.isArray(message.content)) {
    for (const block of message.content) if (isRecord(block)) mark = ttlOf(block.cache_control) ?? mark;
  }
  return mark;
}

const TOOL_RESULT_ITEMS = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output', 'mcp_call_output']);
const TOOL_CALL_ITEMS = new Set(['function_call', 'custom_tool_call', 'local_shell_call', 'mcp_call']);

function messageParts(message: JsonRecord, isSystem: boolean, isUser: boolean): MessageParts {
  const parts: MessageParts = { system: 0, tools: 0, context: 0, history: 0, user: 0, isTurn: false };
  const type = message.type;
  if (type === 'additional_tools') {
    // Its tools are the request's tool list (extract flattens them); counted there, not twice.
    return parts;
  }
  if (isSystem) {
    parts.system = jsonBytes(message);
    return parts;
  }
  if (typeof type === 'string' && TOOL_RESULT_ITEMS.has(type)) {
    parts.results = [[typeof message.call_id === 'string' ? message.call_id : '', jsonBytes(message)]];
    return parts;
  }
  if (typeof type === 'string' && TOOL_CALL_ITEMS.has(type)) {
    const name = typeof message.name === 'string' ? message.name : type;
    const qualified = typeof message.namespace === 'string' ? `${message.namespace}.${name}` : name;
    parts.calls = [[typeof message.call_id === 'string' ? message.call_id : '', qualified]];
    parts.history = jsonBytes(message);
    parts.isTurn = true;
    return parts;
  }
  if (!isUser) {
    parts.history = jsonBytes(message);
    parts.isTurn = true;
    if (Array.isArray(message.content)) {
      for (const block of message.content) {
        if (isRecord(block) && block.type === 'tool_use' && typeof block.id === 'string') {
          (parts.calls ??= []).push([block.id, typeof block.name === 'string' ? block.name : '?']);
        }
      }
    }
    return parts;
  }
  const content = message.content;
  if (typeof content === 'string') {
    if (isContextText(content)) parts.context = Buffer.byteLength(content);
    else parts.user = Buffer.byteLength(content);
    return parts;
  }
  if (!Array.isArray(content)) {
    parts.user = jsonBytes(message);
    return parts;
  }
  for (const block of content) {
    const bytes = jsonBytes(block);
    if (isRecord(block) && block.type === 'tool_result') {
      (parts.results ??= []).push([typeof block.tool_use_id === 'string' ? block.tool_use_id : '', bytes]);
    } else if (isRecord(block) && typeof block.text === 'string' && isContextText(block.text)) {
      parts.context += bytes;
    } else {
      parts.user += bytes;
    }
  }
  return parts;
}

/** Breakpoints in cache order: tools, system blocks, messages. */
function cacheMarks(system: SystemInfo | undefined, tools: ToolsInfo | undefined, infos: readonly MessageInfo[]): CacheMark[] {
  const marks: CacheMark[] = [];
  for (const [index, ttl] of tools?.marks ?? []) marks.push({ part: 'tools', index, ttl });
  for (const [index, ttl] of system?.marks ?? []) marks.push({ part: 'system', index, ttl });
  infos.forEach((info, index) => {
    if (info.mark) marks.push({ part: 'messages', index, ttl: info.mark });
  });
  return marks;
}

function composition(system: SystemInfo | undefined, tools: ToolsInfo | undefined, infos: readonly MessageInfo[]): RequestComposition {
  const result: RequestComposition = { system: 0, tools: 0, context: 0, history: 0, newTurn: 0, toolResults: {} };
  for (const block of system?.digest.blocks ?? []) result.system += block.bytes;
  for (const item of tools?.digest.items ?? []) result.tools += item.bytes;
  let lastTurn = -1;
  const callNames = new Map<string, string>();
  infos.forEach((info, index) => {
    if (info.parts.isTurn) lastTurn = index;
    for (const [id, name] of info.parts.calls ?? []) callNames.set(id, name);
  });
  infos.forEach((info, index) => {
    const parts = info.parts;
    result.system += parts.system;
    result.tools += parts.tools;
    result.context += parts.context;
    result.history += parts.history;
    if (index > lastTurn) result.newTurn += parts.user;
    else result.history += parts.user;
    for (const [id, bytes] of parts.results ?? []) {
      const name = callNames.get(id) ?? '?';
      result.toolResults[name] = (result.toolResults[name] ?? 0) + bytes;
    }
  });
  return result;
}

/** A `secrets` field as the recorder writes it; anything else (hand-edited, foreign) is ignored. */
function recordSecrets(value: unknown): RecordSecrets | undefined {
  if (!isRecord(value) || !Array.isArray(value.found)) return undefined;
  const found = value.found.filter(
    (entry): entry is RecordSecrets['found'][number] =>
      isRecord(entry) && typeof entry.kind === 'string' && typeof entry.hash === 'string' && typeof entry.count === 'number',
  );
  return found.length ? { masked: value.masked === true, found: found.map(({ kind, hash, count }) => ({ kind, hash, count })) } : undefined;
}
