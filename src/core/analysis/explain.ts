// Explaining every request: why its prompt cache hit or missed, what fills its context, what it cost.
//
// ── For the editor UI (read this first) ─────────────────────────────────────────────────────────────
// Entry point: `explainLog(input, options)` over `LogIndex.analysisInput()` (the same input every
// analysis reads; pure, no I/O, no `vscode`). It returns an `ExplainReport`:
//   - `exchanges`: one `ExchangeExplanation` per conversational request, in request order, each
//     `{ id, conversation, cache, composition, cost }`. Look one up with `explanationIndex(report)`
//     (a Map id → explanation) — build it once per report, not per lookup.
//   - `cache` (`CacheExplanation`): tokens read / written (5-minute and 1-hour tiers) / missed, `hitRate`
//     (= read / (uncached + read + written)), `cause` (`CacheCause`: `kind`, `source` provider|inferred,
//     a one-line `text` to show as is) and, when the cause is a changed prefix, `segment`
//     (`ChangedSegment`): which part of the cache order changed first (`tools` / `system` / `messages`),
//     its index in that part, the tool's name, the message's role, the before/after line, and
//     `slot` — the prompt family and slot index (`agents[].system.families[family].slots[slot]` or
//     `agents[].prefix.families[…]` of the AnalysisReport built from the same input: `slot.source` says
//     which) — enough to open the skeleton diff at that slot. `breakCost` is what the break cost against
//     a warm cache (tokens and money). `isBreak` marks the requests a timeline should flag.
//   - `composition` (`Composition`): the request's input in `parts` (system, tools, context, history,
//     toolResults, newTurn), each with `tokens` (scaled so the parts sum exactly to the reported input
//     = uncached + cache read + cache written) and `bytes`; `tools` and `toolResults` break down by name.
//   - `cost` (`CostBreakdown`): money per token kind in USD, `total`, or `priced: false` with the reason
//     (an unknown model is never shown as 0).
//   - `report` (`FolderExplain`) for insights: `breaks` ranked by cost, `byCause`, `bySlot`, `byTool`;
//     `conversations` (each with per-turn composition, the tool results that fill it most, its cost);
//     `cost` per session, conversation, model family and in total; `pricing` (the table used and its date).
// `slotBreaks(report, source, agent, family, slot)` answers the skeleton-diff hover ("broke the cache
// N times, cost $X"). Conversations follow `analyzeConversations` (the agent's own ids first), so
// `conversation` here is that report's thread id.
// Stability: these names and fields stay; new ones are only added.
// ────────────────────────────────────────────────────────────────────────────────────────────────────

import type { ExchangeSummary } from '../indexModel';
import type { AnalysisInput } from './analysisInput';
import type { ConversationOptions, ConversationReport } from './conversations';
import type { PricingTable } from './pricing';

/** Where in the cache order (tools → system → messages) a segment sits. */
export type CachePart = 'tools' | 'system' | 'messages';

export type CacheCauseKind =
  /** Read what the previous request left; only the new tail was written. */
  | 'hit'
  /** The conversation's first request: nothing to read yet. */
  | 'first-write'
  /** A resend of a failed request (e.g. after a 529). */
  | 'retry'
  /** The gap since the previous request exceeded the TTL of its cache write. */
  | 'expired'
  | 'model-changed'
  /** A segment before the last cache breakpoint changed; see `segment`. */
  | 'prefix-changed'
  /** Less was read than was cached and nothing on the wire says why. */
  | 'not-on-wire'
  /** The request carried no cache breakpoints and its provider caches only on request. */
  | 'no-caching'
  /** The response has no usage (error, pending, unknown wire). */
  | 'no-usage';

export interface ProviderDiagnosis {
  provider: 'anthropic' | 'openai';
  /** Anthropic `cache_miss_reason.type` (`model_changed`, `system_changed`, …) or OpenAI's reason. */
  type: string;
  missedTokens?: number;
  /** The diagnosis object as the provider sent it (small). */
  raw?: unknown;
}

export interface CacheCause {
  kind: CacheCauseKind;
  /** The provider's own diagnosis, or inferred from the wire. */
  source: 'provider' | 'inferred';
  /** One line for people, e.g. "tool WebSearch's definition changed (tools[4])". */
  text: string;
  diagnosis?: ProviderDiagnosis;
}

export interface SlotRef {
  /** Which analysis of the agent holds the family: its system prompt or its prompt prefix. */
  source: 'system' | 'prefix';
  agent: string;
  /** PromptFamily.id in AgentAnalysis.system.families / AgentAnalysis.prefix.families. */
  family: number;
  /** Index into that family's `slots`. */
  slot: number;
}

export interface ChangedSegment {
  part: CachePart;
  /** Index in that part: tool index, system block index, message (input item) index. */
  index: number;
  change: 'changed' | 'added' | 'removed';
  /** The tool's name when part is `tools` (or a tool result's tool). */
  toolName?: string;
  /** The message's role (or item type) when part is `messages`. */
  role?: string;
  /** The first line that differs, shortened; absent when the texts are not at hand. */
  before?: string;
  after?: string;
  /** The prompt slot the changed line belongs to, when it sits in one. */
  slot?: SlotRef;
  /** Short label, e.g. "system[2] (gitStatus)", "tools[4] WebSearch", "messages[0] (CLAUDE.md)". */
  label: string;
}

export interface Money {
  /** US dollars. */
  usd: number;
}

export interface CacheExplanation {
  /** Uncached input tokens. */
  uncached: number;
  read: number;
  written: number;
  written5m: number;
  written1h: number;
  /** Tokens the previous request of the conversation left in cache that this one did not read. */
  missed: number;
  /** read / (uncached + read + written); null without input. */
  hitRate: number | null;
  cause: CacheCause;
  segment?: ChangedSegment;
  /** A break a timeline marks: missed tokens beyond the provider's granularity. */
  isBreak: boolean;
  /** What the break cost against a warm cache: missed tokens paid at the write/input rate instead of the read rate. */
  breakCost?: { tokens: number; usd: number | null };
  /** The request this one is compared with (the previous of its conversation). */
  previousId?: string;
  /** Milliseconds between the previous request's response and this request. */
  gapMs?: number;
}

export type CompositionPartKind = 'system' | 'tools' | 'context' | 'history' | 'toolResults' | 'newTurn';

export interface CompositionPart {
  kind: CompositionPartKind;
  bytes: number;
  /** Estimated from bytes, scaled to the reported input; the parts' tokens sum to `Composition.inputTokens`. */
  tokens: number;
}

export interface NamedAmount {
  name: string;
  bytes: number;
  tokens: number;
}

export interface Composition {
  /** Reported input: uncached + cache read + cache written (0 without usage: tokens are then all 0). */
  inputTokens: number;
  /** In the order of CompositionPartKind; every kind present (0 when absent). */
  parts: CompositionPart[];
  /** Tool definitions by tool name, largest first. */
  tools: NamedAmount[];
  /** Tool results by the tool that produced them, largest first. */
  toolResults: NamedAmount[];
}

export interface CostBreakdown {
  priced: boolean;
  /** Why not priced: no usage, or the model is not in the table. */
  unpricedReason?: string;
  /** The pricing entry used (its key in the table). */
  pricedAs?: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  /** Sum of the above, USD; null when not priced. */
  total: number | null;
}

export interface ExchangeExplanation {
  id: string;
  agent: string;
  model?: string;
  /** Thread id of ConversationReport (null for probes). */
  conversation: number | null;
  session: number;
  time: string;
  cache: CacheExplanation;
  composition: Composition;
  cost: CostBreakdown;
}

/** Money and tokens summed over a group of requests. */
export interface CostTotal {
  requests: number;
  /** Requests whose cost is known; the rest are counted in `unpriced`. */
  priced: number;
  unpriced: number;
  usd: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface CacheBreak {
  id: string;
  conversation: number | null;
  cause: CacheCauseKind;
  text: string;
  segment?: ChangedSegment;
  missed: number;
  usd: number | null;
}

export interface BreakGroup {
  key: string;
  count: number;
  missed: number;
  /** Summed break cost of the priced ones. */
  usd: number;
}

export interface SlotBreakGroup extends BreakGroup {
  slot: SlotRef;
}

export interface ConversationTurn {
  id: string;
  time: string;
  inputTokens: number;
  parts: CompositionPart[];
}

export interface ConversationExplain {
  conversation: number;
  agent: string;
  /** The agent's own conversation id, when it sent one. */
  key?: string;
  turns: ConversationTurn[];
  /** Tool results in the last turn, largest first: what fills the context most. */
  topToolResults: NamedAmount[];
  cost: CostTotal;
  breaks: number;
}

export interface FolderExplain {
  /** Largest `usd` first (unpriced last, by missed tokens). */
  breaks: CacheBreak[];
  byCause: BreakGroup[];
  bySlot: SlotBreakGroup[];
  /** Breaks at a tool definition, by tool name. */
  byTool: BreakGroup[];
  conversations: ConversationExplain[];
  cost: {
    total: CostTotal;
    byFamily: Array<CostTotal & { family: string }>;
    bySession: Array<CostTotal & { session: number }>;
    byConversation: Array<CostTotal & { conversation: number }>;
  };
  /** Cache-hit rate over every request: read / (uncached + read + written). */
  cacheHitRate: number | null;
  pricing: { date: string; source: string; overridden: boolean };
}

export interface ExplainReport {
  exchanges: ExchangeExplanation[];
  report: FolderExplain;
}

export interface ExplainOptions extends ConversationOptions {
  agent?: string;
  /** Default: the shipped table (pricing.ts DEFAULT_PRICING), with any override merged in. */
  pricing?: PricingTable;
  /** Reuse a conversation report already built from the same exchanges. */
  conversations?: ConversationReport;
  /** Families for slot links: the AnalysisReport's `agents` built from the same input. */
  agents?: ReadonlyArray<import('./agentPrompts').AgentAnalysis>;
}

export function explainLog(input: AnalysisInput, options: ExplainOptions = {}): ExplainReport {
  void input;
  void options;
  throw new Error('explainLog: not implemented yet');
}

export function explanationIndex(report: ExplainReport): Map<string, ExchangeExplanation> {
  return new Map(report.exchanges.map((exchange) => [exchange.id, exchange]));
}

/** How often a slot broke the cache and what that cost (the skeleton diff's slot hover). */
export function slotBreaks(report: ExplainReport, source: SlotRef['source'], agent: string, family: number, slot: number): SlotBreakGroup | undefined {
  return report.report.bySlot.find(
    (group) => group.slot.source === source && group.slot.agent === agent && group.slot.family === family && group.slot.slot === slot,
  );
}

/** Cost of one exchange alone (the Captures tree tooltip) without building a report. */
export function exchangeCost(exchange: ExchangeSummary, pricing?: PricingTable): CostBreakdown {
  void exchange;
  void pricing;
  throw new Error('exchangeCost: not implemented yet');
}
