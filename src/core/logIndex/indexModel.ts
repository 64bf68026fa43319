// The compact data model of indexed capture logs: what lists, aggregates and analyses
// need per exchange, without the bodies. Full records are read lazily by reference.
// Everything the editor and `agent-interlude analyze` show reads through this model.

import type { RecordSecrets } from '../secrets/lineRedactor';
import type { Wire } from '../wire/common';

/** Where a record's line lives, so its full body can be read when a view needs it. */
export interface RecordRef {
  /** Index into LogIndex.files(). */
  file: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Byte length of the line without its newline. */
  length: number;
}

/** Usage normalized across the three wires; absent numbers are 0. */
export interface TokenUsage {
  /** Uncached input tokens (Anthropic input_tokens; OpenAI input/prompt tokens minus cached). */
  input: number;
  output: number;
  cacheRead: number;
  /** All cache writes (both tiers). */
  cacheCreation: number;
  /** Anthropic `cache_creation.ephemeral_5m_input_tokens`, when the response splits writes by tier. */
  cacheCreation5m?: number;
  /** Anthropic `cache_creation.ephemeral_1h_input_tokens`. */
  cacheCreation1h?: number;
}

export type SystemRepresentation = 'blocks' | 'string' | 'messages' | 'mixed' | 'none';

export interface SystemDigest {
  /** Key into the index's system texts (LogIndex.systemText): the flattened text, deduplicated. */
  hash: string;
  /** Length of the flattened text in code points, as the original's Python len() counts it. */
  chars: number;
  /**
   * 'string' (one string), 'blocks' (text blocks), 'messages' (developer / system messages),
   * 'mixed' (both: Claude Code's blocks plus its role:system message), 'none' (an empty list).
   */
  representation: SystemRepresentation;
  /** Number of blocks / developer items / system messages that make it up. */
  parts: number;
  /**
   * The system field's own blocks (not the role:system / developer messages, which sit in `messages` in
   * the cache order), each hashed by meaning (cache_control ignored), for finding the block that changed.
   */
  blocks?: SegmentDigest[];
}

/** One cacheable segment: a tool definition, a system block. */
export interface SegmentDigest {
  /** Hash of its JSON without cache_control. */
  hash: string;
  /** UTF-8 bytes of its JSON as sent. */
  bytes: number;
  /** The tool's name (tools only). */
  name?: string;
}

export type CacheTtl = '5m' | '1h';

/** A `cache_control` breakpoint: where in the cache order (tools → system → messages) it sits. */
export interface CacheMark {
  part: 'tools' | 'system' | 'messages';
  /** Tool index, system block index, or message index. */
  index: number;
  ttl: CacheTtl;
}

/**
 * The request's input by kind, in UTF-8 bytes of its JSON (the explainer scales them to the reported
 * tokens). system: system blocks and system/developer messages; tools: definitions (also Codex's
 * additional_tools item); context: injected blocks (CONTEXT_MARKERS) of user messages; toolResults: by
 * the tool that produced them; newTurn: the user's words after the last assistant turn; history: the rest.
 */
export interface RequestComposition {
  system: number;
  tools: number;
  context: number;
  history: number;
  newTurn: number;
  toolResults: Record<string, number>;
}

/** The provider's own cache diagnosis carried by the response (SPEC §6). */
export interface CacheDiagnosis {
  provider: 'anthropic' | 'openai';
  /** e.g. model_changed, system_changed, tools_changed, messages_changed, previous_message_not_found, unavailable. */
  type: string;
  missedTokens?: number;
  raw: unknown;
}

export interface ToolsDigest {
  /** Key into the index's tool sets (LogIndex.toolSet): the list without cache_control, deduplicated. */
  hash: string;
  count: number;
  names: string[];
  /** 'input_schema' | 'parameters' | 'function.parameters' | 'custom' | null, as the original reports it. */
  schemaKey: string | null;
  /** Each tool's definition, in order. */
  items?: SegmentDigest[];
  /** Some tools came out of a namespace (Codex groups its tools in namespaces). */
  namespaced?: boolean;
}

export interface MessagesDigest {
  count: number;
  /**
   * One hash per message, computed ignoring volatile markers (Claude `cache_control`,
   * Codex item `id`s), so a continuation's prefix matches the previous request's.
   */
  hashes: string[];
  roles: Record<string, number>;
  blockTypes: Record<string, number>;
  /**
   * Hash of the whole messages array as logged (byte-identical resend = retry). Made of the
   * messages' bytes, so it compares requests logged by the same writer (one log file).
   */
  exactHash: string;
}

/**
 * Where a piece of the prompt prefix came from: the system text; a role:system / developer message
 * the system field does not already hold; an injected context block of the leading user message(s)
 * (`<system-reminder>`, `<environment_context>`, `# AGENTS.md instructions`, `<user_instructions>`).
 */
export type PrefixSource = 'system' | 'system-message' | 'context';

export interface PrefixPart {
  source: PrefixSource;
  text: string;
}

/**
 * The prompt prefix: what an agent sends ahead of the user's words, where today's dynamic context
 * lives (SPEC §2). Its text is the parts' texts joined by '\n', in this order: the system text (as
 * SystemDigest), role:system / developer messages not already in the system, then the context blocks
 * of the leading user message(s), up to and including the first user message with words of its own.
 */
export interface PrefixDigest {
  /** Key into the index's prefix texts (LogIndex.prefixText / prefixParts). */
  hash: string;
  /** Code points, as Python's len() counts them (like SystemDigest.chars). */
  chars: number;
  parts: number;
}

export interface ExchangeSummary {
  id: string;
  /** Whether the id came from the record or was synthesized (stable) for an id-less record. */
  idSynthesized?: boolean;
  agent: string;
  wire: Wire | string;
  method: string;
  path: string;
  /** Epoch milliseconds of the request record's ts (undefined when only a response exists). */
  requestTime?: number;
  responseTime?: number;
  /** Response not logged yet: still streaming, or the writer stopped. */
  pending: boolean;
  status?: number;
  partial?: boolean;
  error?: string;
  /** Response model, falling back to the request's `model`. */
  model?: string;
  stream?: boolean;
  usage?: TokenUsage;
  /** stop_reason (claude) / status (responses) / finish_reason (chat). */
  stopReason?: string;
  ttfbMs?: number;
  durationMs?: number;
  /** responseTime - requestTime. */
  rttMs?: number;
  requestBytes?: number;
  responseBytes?: number;
  websocket?: boolean;
  /** The request record has an `extract` (not null): the original analyses only those requests. */
  hasExtract?: boolean;
  /** The request's log copy hit its cap (or could not be decoded). */
  requestTruncated?: boolean;
  system?: SystemDigest;
  tools?: ToolsDigest;
  messages?: MessagesDigest;
  /** Names of the tools the response invoked, in order. */
  toolUses?: string[];
  /** System text + system messages + injected context of the first user message(s); see PrefixDigest. */
  prefix?: PrefixDigest;
  /** The agent's own conversation id (Claude Code session id; Codex prompt_cache_key / session id). */
  conversationKey?: string;
  /** The tools travelled in an `input` item `{"type":"additional_tools"}` (Codex's default model), not top-level. */
  toolsInAdditionalItem?: boolean;
  /** The request's cache breakpoints, in cache order. */
  cacheMarks?: CacheMark[];
  composition?: RequestComposition;
  /** The request carried Anthropic's `diagnostics` (asking the API to explain a miss). */
  asksDiagnostics?: boolean;
  cacheDiagnosis?: CacheDiagnosis;
  request?: RecordRef;
  response?: RecordRef;
  /** Secrets the recorder found in the request and response records (distinct values, request's first). */
  secrets?: RecordSecrets;
}

export interface LineCounts {
  records: number;
  blank: number;
  /** Lines that are not JSON objects; counted and skipped, never silently. */
  invalid: number;
  /** Bytes after the last newline of a file: a record still being written (or torn). */
  pendingTailBytes: number;
}

export interface IndexedFile {
  path: string;
  /** Bytes consumed so far (the next read starts here). */
  size: number;
  counts: LineCounts;
}

/** What changed in one refresh, so views can update incrementally. */
export interface IndexDelta {
  added: string[];
  updated: string[];
  newFiles: string[];
  /** A file shrank or was replaced: the whole index was rebuilt; views should reload everything. */
  reset?: boolean;
}
