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

import type { CacheMark, ExchangeSummary, SegmentDigest, TokenUsage } from '../logIndex/indexModel';
import type { AgentAnalysis } from './agentPrompts';
import { type AnalysisInput, isConversational } from './analysisInput';
import { analyzeConversations, type ConversationNode, type ConversationOptions, type ConversationReport, type EdgeKind } from './conversations';
import { costOfUsage, DEFAULT_PRICING, type ModelPrice, priceOf, type PricingTable } from './pricing';
import type { PromptFamily } from './promptSkeleton';
import { modelFamily } from './tokenUsage';
import { countOf } from '../../shared/countText';

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
  /** Requests per cause kind (every request, breaks or not), most first. */
  causes: Record<string, number>;
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
  agents?: readonly AgentAnalysis[];
  /** Cache TTLs (ms) the expiry inference uses; the API's 5 minutes and 1 hour unless given. */
  cacheTtls?: { shortMs: number; longMs: number };
}


/** Missed tokens at or below this are rounding, not a break (OpenAI caches in 128-token steps). */
export const BREAK_TOLERANCE_TOKENS = 128;
const FIVE_MINUTES_MS = 5 * 60_000;
const ONE_HOUR_MS = 60 * 60_000;
const LINE_CHARS = 160;

const COMPOSITION_KINDS: readonly CompositionPartKind[] = ['system', 'tools', 'context', 'history', 'toolResults', 'newTurn'];

/** cacheRead / (uncached + read + written): writes count, or Claude Code's last-block breakpoint reads 100%. */
export function cacheHitRate(usage: Pick<TokenUsage, 'input' | 'cacheRead' | 'cacheCreation'>): number | null {
  const total = usage.input + usage.cacheRead + usage.cacheCreation;
  return total === 0 ? null : usage.cacheRead / total;
}

function reportedInput(usage: TokenUsage | undefined): number {
  return usage ? usage.input + usage.cacheRead + usage.cacheCreation : 0;
}

/** Integers that sum to `total`, proportional to `weights` (largest remainder). */
function apportion(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) {
    const result = weights.map(() => 0);
    // Input with nothing on the wire to attribute it to: it is all history.
    if (total > 0 && result.length > 3) result[3] = total;
    return result;
  }
  const exact = weights.map((weight) => (weight * total) / sum);
  const floors = exact.map(Math.floor);
  let left = total - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((value, index) => [value - Math.floor(value), index] as const).sort((a, b) => b[0] - a[0]);
  for (const [, index] of order) {
    if (left <= 0) break;
    floors[index]++;
    left--;
  }
  return floors;
}

export function compositionOf(exchange: ExchangeSummary): Composition {
  const bytes = exchange.composition;
  const inputTokens = reportedInput(exchange.usage);
  const toolResultBytes = bytes ? Object.values(bytes.toolResults).reduce((a, b) => a + b, 0) : 0;
  const weights = bytes ? [bytes.system, bytes.tools, bytes.context, bytes.history, toolResultBytes, bytes.newTurn] : [0, 0, 0, 0, 0, 0];
  const tokens = apportion(weights, inputTokens);
  const totalBytes = weights.reduce((a, b) => a + b, 0);
  const perByte = totalBytes === 0 ? 0 : inputTokens / totalBytes;
  const named = (entries: Array<[string, number]>): NamedAmount[] =>
    entries
      .map(([name, amount]) => ({ name, bytes: amount, tokens: Math.round(amount * perByte) }))
      .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
  const toolBytes = new Map<string, number>();
  for (const item of exchange.tools?.items ?? []) toolBytes.set(item.name ?? '?', (toolBytes.get(item.name ?? '?') ?? 0) + item.bytes);
  return {
    inputTokens,
    parts: COMPOSITION_KINDS.map((kind, index) => ({ kind, bytes: weights[index], tokens: tokens[index] })),
    tools: named([...toolBytes]),
    toolResults: named(Object.entries(bytes?.toolResults ?? {})),
  };
}

function unpriced(reason: string): CostBreakdown {
  return { priced: false, unpricedReason: reason, input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, total: null };
}

export function exchangeCost(exchange: ExchangeSummary, pricing: PricingTable = DEFAULT_PRICING): CostBreakdown {
  if (!exchange.usage) return unpriced('no usage in the response');
  const entry = priceOf(pricing, exchange.model);
  if (!entry) return unpriced(exchange.model ? `no price for ${exchange.model} in the pricing table (${pricing.date})` : 'no model named');
  const cost = costOfUsage(entry.price, exchange.usage);
  return { priced: true, pricedAs: entry.key, ...cost };
}

/** USD per token that a missed token cost beyond reading it: written (or sent uncached) instead of read. */
function breakRate(price: ModelPrice, usage: TokenUsage): number {
  const paid = (usage.cacheCreation1h ?? 0) > 0 && (usage.cacheCreation5m ?? 0) === 0
    ? price.cacheWrite1h ?? price.cacheWrite5m ?? price.input
    : usage.cacheCreation > 0
      ? price.cacheWrite5m ?? price.input
      : price.input;
  return Math.max(0, paid - price.cacheRead) / 1_000_000;
}

function shortLine(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return text.length > LINE_CHARS ? `${text.slice(0, LINE_CHARS - 1)}…` : text;
}

interface LineChange {
  before?: string;
  after?: string;
  /** Lines just above the change (for naming the section it sits in, e.g. a CLAUDE.md block). */
  above?: string[];
}

/** The first line where two texts differ (undefined on a side that has run out). */
function firstDifferentLine(before: string | undefined, after: string | undefined): LineChange {
  if (before === undefined || after === undefined) return {};
  const a = before.split('\n');
  const b = after.split('\n');
  for (let at = 0; at < Math.max(a.length, b.length); at++) {
    if (a[at] !== b[at]) return { before: shortLine(a[at]), after: shortLine(b[at]), above: b.slice(Math.max(0, at - 6), at) };
  }
  return {};
}

function lines(change: LineChange): { before?: string; after?: string } {
  return { ...(change.before !== undefined ? { before: change.before } : {}), ...(change.after !== undefined ? { after: change.after } : {}) };
}

/** Position in the cache order, for comparing a segment with a breakpoint. */
function orderOf(part: CachePart, index: number): [number, number] {
  return [part === 'tools' ? 0 : part === 'system' ? 1 : 2, index];
}

function beforeOrAt(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);
}

function firstChangedIndex(
  before: readonly { hash: string }[] | readonly string[],
  after: readonly { hash: string }[] | readonly string[],
): { index: number; change: ChangedSegment['change'] } | undefined {
  const hashOf = (entry: { hash: string } | string) => (typeof entry === 'string' ? entry : entry.hash);
  const length = Math.max(before.length, after.length);
  for (let at = 0; at < length; at++) {
    const a = before[at];
    const b = after[at];
    if (a === undefined) return { index: at, change: 'added' };
    if (b === undefined) return { index: at, change: 'removed' };
    if (hashOf(a) !== hashOf(b)) return { index: at, change: 'changed' };
  }
  return undefined;
}

interface Comparer {
  input: AnalysisInput;
  agents: readonly AgentAnalysis[];
  ttls: { shortMs: number; longMs: number };
  /**
   * Line diffs and slot lookups by the texts' hashes: a log has few distinct prompts and many requests,
   * so each pair is compared once per report.
   */
  memo: Map<string, LineChange | SlotRef | null>;
}

function memoized<T extends LineChange | SlotRef>(explainer: Comparer, key: string, compute: () => T | undefined): T | undefined {
  if (explainer.memo.has(key)) return (explainer.memo.get(key) ?? undefined) as T | undefined;
  const value = compute();
  explainer.memo.set(key, value ?? null);
  return value;
}

function toolJson(input: AnalysisInput, exchange: ExchangeSummary, index: number): string | undefined {
  const hash = exchange.tools?.hash;
  const tool = hash ? input.toolSet(hash)?.[index] : undefined;
  return tool === undefined ? undefined : JSON.stringify(tool, null, 1);
}

/** A slot value's lines, split once per analysis (slots are looked up for every break when families move). */
const valueLines = new WeakMap<object, string[]>();
function linesOf(value: { text: string }): string[] {
  let lines = valueLines.get(value);
  if (!lines) valueLines.set(value, (lines = value.text.split('\n')));
  return lines;
}

/** The prompt family (system or prefix) holding a sample and the slot whose values hold the changed line. */
function slotOf(explainer: Comparer, agent: string, source: SlotRef['source'], sampleHash: string | undefined, lines: { before?: string; after?: string }): SlotRef | undefined {
  if (!sampleHash) return undefined;
  const analysis = explainer.agents.find((candidate) => candidate.agent === agent);
  const families: readonly PromptFamily[] = (source === 'system' ? analysis?.system?.families : analysis?.prefix?.families) ?? [];
  const family = families.find((candidate) => candidate.sampleKeys.includes(sampleHash));
  if (!family) return undefined;
  const wanted = [lines.after, lines.before].filter((line): line is string => line !== undefined && line.trim() !== '').map((line) => line.replace(/…$/, ''));
  for (let slot = 0; slot < family.slots.length; slot++) {
    for (const value of family.slots[slot].values) {
      const valueLines = linesOf(value);
      if (wanted.some((line) => valueLines.some((valueLine) => valueLine.startsWith(line)))) {
        return { source, agent, family: family.id, slot };
      }
    }
  }
  return undefined;
}

const CONTEXT_NAMES: Array<[RegExp, string]> = [
  [/CLAUDE\.md/, 'CLAUDE.md'],
  [/AGENTS\.md/, 'AGENTS.md'],
  [/<environment_context>/, 'environment'],
  [/currentDate|Today's date/, 'date'],
  [/^gitStatus:|Current branch:/, 'gitStatus'],
  [/x-anthropic-billing-header/, 'billing header'],
  [/Primary working directory|Working directory/, 'working directory'],
];

/** What the changed line is: its own words, else the nearest section heading above it. */
function nameOf(change: LineChange): string | undefined {
  for (const candidate of [change.after, change.before, ...[...(change.above ?? [])].reverse()]) {
    if (!candidate) continue;
    for (const [pattern, name] of CONTEXT_NAMES) if (pattern.test(candidate)) return name;
  }
  return undefined;
}

/** The first segment, in cache order, that differs between two requests. */
export function changedSegment(explainer: Comparer, previous: ExchangeSummary, current: ExchangeSummary): ChangedSegment | undefined {
  const { input } = explainer;
  const tools = firstChangedIndex(previous.tools?.items ?? [], current.tools?.items ?? []);
  if (tools) {
    // By name, a tool that left the list (--disallowedTools) or joined it, rather than the one that moved up.
    const was = previous.tools?.items?.[tools.index];
    const now = current.tools?.items?.[tools.index];
    if (tools.change === 'changed' && was?.name !== now?.name) {
      if (was?.name !== undefined && !current.tools?.names.includes(was.name)) tools.change = 'removed';
      else if (now?.name !== undefined && !previous.tools?.names.includes(now.name)) tools.change = 'added';
    }
    const item: SegmentDigest | undefined = tools.change === 'removed' ? (was ?? now) : (now ?? was);
    const change = memoized(explainer, `t${previous.tools?.hash}:${current.tools?.hash}:${tools.index}`, () =>
      firstDifferentLine(toolJson(input, previous, tools.index), toolJson(input, current, tools.index)),
    ) as LineChange;
    const toolName = item?.name;
    const verb = tools.change === 'changed' ? 'definition changed' : tools.change === 'added' ? 'added' : 'removed';
    return {
      part: 'tools',
      index: tools.index,
      change: tools.change,
      ...(toolName !== undefined ? { toolName } : {}),
      ...(tools.change === 'changed' ? lines(change) : {}),
      label: `tools[${tools.index}] ${toolName ?? ''}`.trim() + ` (${verb})`,
    };
  }
  const system = firstChangedIndex(previous.system?.blocks ?? [], current.system?.blocks ?? []);
  if (system) {
    const change = memoized(explainer, `s${previous.system?.hash}:${current.system?.hash}`, () =>
      firstDifferentLine(
        previous.system ? input.systemText(previous.system.hash) : undefined,
        current.system ? input.systemText(current.system.hash) : undefined,
      ),
    ) as LineChange;
    const name = nameOf(change);
    return {
      part: 'system',
      index: system.index,
      change: system.change,
      ...lines(change),
      label: `system[${system.index}]${name ? ` (${name})` : ''} ${system.change}`,
    };
  }
  const messages = firstChangedIndex(previous.messages?.hashes ?? [], current.messages?.hashes ?? []);
  // Messages the new request adds after all of the previous one's are growth, not a change.
  if (messages && !(messages.change === 'added' && messages.index >= (previous.messages?.count ?? 0))) {
    // The prompt prefix (system, developer items, injected context of the first user message) holds
    // the dynamic slots of the leading messages; later messages are conversation.
    const inPrefix = messages.index <= prefixMessageIndex(current);
    const change: LineChange = inPrefix
      ? (memoized(explainer, `p${previous.prefix?.hash}:${current.prefix?.hash}`, () =>
          firstDifferentLine(
            previous.prefix ? input.prefixText(previous.prefix.hash) : undefined,
            current.prefix ? input.prefixText(current.prefix.hash) : undefined,
          ),
        ) as LineChange)
      : {};
    const name = inPrefix ? nameOf(change) : undefined;
    const what = messages.change === 'removed' ? 'dropped (compaction?)' : 'edited';
    return {
      part: 'messages',
      index: messages.index,
      change: messages.change === 'removed' ? 'removed' : 'changed',
      ...lines(change),
      label: `messages[${messages.index}]${name ? ` (${name})` : ''} ${what}`,
    };
  }
  return undefined;
}

/** Index of the first user message with words of its own (the end of the prompt prefix); a guess without roles. */
function prefixMessageIndex(exchange: ExchangeSummary): number {
  const roles = exchange.messages?.roles ?? {};
  // Leading system/developer messages plus the first user message: about as many as there are of those.
  return (roles.system ?? 0) + (roles.developer ?? 0) + 1;
}

function lastMark(marks: readonly CacheMark[] | undefined): [number, number] | undefined {
  if (!marks || marks.length === 0) return undefined;
  let last = orderOf(marks[0].part, marks[0].index);
  for (const mark of marks) {
    const at = orderOf(mark.part, mark.index);
    if (!beforeOrAt(at, last)) last = at;
  }
  return last;
}

/** The TTL of the cache the previous request left: 1 h when it wrote (or marked) only 1-hour entries. */
function ttlOfWrite(previous: ExchangeSummary, ttls: Comparer['ttls']): number {
  const usage = previous.usage;
  if (usage && (usage.cacheCreation1h ?? 0) > 0 && (usage.cacheCreation5m ?? 0) === 0) return ttls.longMs;
  const marks = previous.cacheMarks ?? [];
  if (marks.length > 0 && marks.every((mark) => mark.ttl === '1h')) return ttls.longMs;
  return ttls.shortMs;
}

function isAnthropic(exchange: ExchangeSummary): boolean {
  return exchange.wire === 'claude-messages';
}

function providerCause(kind: string): CacheCauseKind {
  switch (kind) {
    case 'model_changed':
      return 'model-changed';
    case 'system_changed':
    case 'tools_changed':
    case 'messages_changed':
    case 'input_changed':
    case 'prefix_changed':
    case 'cache_miss':
      return 'prefix-changed';
    case 'cache_hit':
      return 'hit';
    default:
      return 'not-on-wire';
  }
}

function minutes(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

interface ExplainContext {
  /** The request this one is compared with: the previous one of its conversation. */
  previous?: ExchangeSummary;
  /** The latest earlier request of the conversation that has usage (a failed one has none). */
  warm?: ExchangeSummary;
  /** For a conversation's first request: the previous conversation's latest main request. */
  baseline?: ExchangeSummary;
  edge?: EdgeKind;
}

function explainCache(explainer: Comparer, exchange: ExchangeSummary, context: ExplainContext, price: ModelPrice | undefined): CacheExplanation {
  const usage = exchange.usage;
  const base = {
    uncached: usage?.input ?? 0,
    read: usage?.cacheRead ?? 0,
    written: usage?.cacheCreation ?? 0,
    written5m: usage ? usage.cacheCreation5m ?? Math.max(0, usage.cacheCreation - (usage.cacheCreation1h ?? 0)) : 0,
    written1h: usage?.cacheCreation1h ?? 0,
    hitRate: usage ? cacheHitRate(usage) : null,
  };
  const { previous, warm, baseline } = context;
  const compared: Partial<CacheExplanation> = {};
  if (previous) {
    compared.previousId = previous.id;
    if (exchange.requestTime !== undefined) {
      const previousEnd = previous.responseTime ?? previous.requestTime;
      if (previousEnd !== undefined) compared.gapMs = exchange.requestTime - previousEnd;
    }
  }
  if (!usage) {
    return { ...base, missed: 0, ...compared, isBreak: false, cause: { kind: 'no-usage', source: 'inferred', text: exchange.pending ? 'response pending' : `no usage in the response${exchange.status ? ` (status ${exchange.status})` : ''}` } };
  }
  const total = reportedInput(usage);
  const warmUsage = warm?.usage;
  const cached = warmUsage ? (isAnthropic(exchange) ? warmUsage.cacheRead + warmUsage.cacheCreation : reportedInput(warmUsage)) : 0;
  const missed = warm ? Math.max(0, Math.min(cached, total) - usage.cacheRead) : 0;
  const isBreak = missed > BREAK_TOLERANCE_TOKENS;
  const breakCost = isBreak ? { tokens: missed, usd: price ? missed * breakRate(price, usage) : null } : undefined;
  const result = (cause: CacheCause, segment?: ChangedSegment): CacheExplanation => ({
    ...base,
    missed,
    ...compared,
    cause,
    ...(segment ? { segment } : {}),
    isBreak,
    ...(breakCost ? { breakCost } : {}),
  });
  const read = `read ${usage.cacheRead}`;
  const written = `wrote ${usage.cacheCreation}`;

  const diagnosis = exchange.cacheDiagnosis;
  if (diagnosis && (isBreak || diagnosis.type !== 'cache_hit')) {
    const kind = providerCause(diagnosis.type);
    const segment = warm && kind === 'prefix-changed' ? changedSegment(explainer, warm, exchange) : undefined;
    const missedText = diagnosis.missedTokens !== undefined ? `, ${countOf(diagnosis.missedTokens, 'token')} missed` : '';
    return result(
      {
        kind,
        source: 'provider',
        text: `${diagnosis.provider === 'anthropic' ? 'Anthropic' : 'OpenAI'} says ${diagnosis.type}${missedText}${segment ? `: ${segment.label}` : ''}`,
        diagnosis: { provider: diagnosis.provider, type: diagnosis.type, ...(diagnosis.missedTokens !== undefined ? { missedTokens: diagnosis.missedTokens } : {}), raw: diagnosis.raw },
      },
      segment,
    );
  }
  if (context.edge === 'retry') {
    return result({ kind: 'retry', source: 'inferred', text: `resend of ${previous?.id ?? 'the previous request'}${previous?.status ? ` after ${previous.status}` : ''}; ${read}, ${written}` });
  }
  if (!warm) {
    // A conversation's first request: nothing of its own to read; say where it parted from the
    // previous conversation (what a new session in the same folder could not reuse).
    const segment = baseline ? changedSegment(explainer, baseline, exchange) : undefined;
    const from = segment ? `; differs from the previous conversation at ${segment.label}` : '';
    if (usage.cacheRead === 0 && usage.cacheCreation === 0 && isAnthropic(exchange) && !(exchange.cacheMarks?.length)) {
      return result({ kind: 'no-caching', source: 'inferred', text: 'no cache breakpoints in the request' });
    }
    return result({ kind: 'first-write', source: 'inferred', text: `first request of the conversation: ${written}, ${read}${from}` }, segment);
  }
  if (!isBreak) {
    if (usage.cacheRead === 0 && usage.cacheCreation === 0 && isAnthropic(exchange) && !(exchange.cacheMarks?.length)) {
      return result({ kind: 'no-caching', source: 'inferred', text: 'no cache breakpoints in the request' });
    }
    return result({ kind: 'hit', source: 'inferred', text: `${read} (all that was cached), ${written} new` });
  }
  const gap = compared.gapMs;
  const ttl = ttlOfWrite(warm, explainer.ttls);
  if (gap !== undefined && gap > ttl) {
    return result({ kind: 'expired', source: 'inferred', text: `${minutes(gap)} since the previous request, beyond the ${ttl === explainer.ttls.longMs ? 'long' : 'short'} TTL (${minutes(ttl)}): ${missed} tokens written again` });
  }
  if (warm.model && exchange.model && modelFamily(warm.model) !== modelFamily(exchange.model)) {
    return result({ kind: 'model-changed', source: 'inferred', text: `model changed from ${warm.model} to ${exchange.model}: a cache is per model` });
  }
  const segment = changedSegment(explainer, warm, exchange);
  const last = lastMark(warm.cacheMarks);
  if (segment && (!last || beforeOrAt(orderOf(segment.part, segment.index), last))) {
    return result({ kind: 'prefix-changed', source: 'inferred', text: `${segment.label}${segment.after !== undefined ? `: "${segment.after}"` : ''}` }, segment);
  }
  return result({ kind: 'not-on-wire', source: 'inferred', text: `${missed} cached tokens not read, and nothing on the wire says why (the provider may have evicted them)` });
}

function emptyTotal(): CostTotal {
  return { requests: 0, priced: 0, unpriced: 0, usd: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
}

function addCost(total: CostTotal, exchange: ExchangeSummary, cost: CostBreakdown): void {
  total.requests++;
  if (cost.priced && cost.total !== null) {
    total.priced++;
    total.usd += cost.total;
  } else if (exchange.usage) {
    total.unpriced++;
  }
  const usage = exchange.usage;
  if (!usage) return;
  total.input += usage.input;
  total.output += usage.output;
  total.cacheRead += usage.cacheRead;
  total.cacheWrite += usage.cacheCreation;
}

function group<K>(map: Map<K, BreakGroup>, key: K, label: string, item: CacheBreak): BreakGroup {
  let entry = map.get(key);
  if (!entry) map.set(key, (entry = { key: label, count: 0, missed: 0, usd: 0 }));
  entry.count++;
  entry.missed += item.missed;
  entry.usd += item.usd ?? 0;
  return entry;
}

const byCostThenMissed = (a: { usd: number | null; missed: number }, b: { usd: number | null; missed: number }) =>
  (b.usd ?? -1) - (a.usd ?? -1) || b.missed - a.missed;

/** Inserts after every break that ranks before or with it: the order `[...added].sort(byCostThenMissed)` gives. */
function insertRanked(ranked: CacheBreak[], item: CacheBreak): void {
  let low = 0;
  let high = ranked.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (byCostThenMissed(ranked[middle] as CacheBreak, item) <= 0) low = middle + 1;
    else high = middle;
  }
  if (low === ranked.length) ranked.push(item);
  else ranked.splice(low, 0, item);
}

/** What a folded request's explanation was computed from: when any of it changes, it is explained again. */
interface Folded {
  node: ConversationNode;
  exchange: ExchangeSummary;
  edge: EdgeKind | undefined;
  /** The records the summary pointed at when folded (a landing response fills `response` in place). */
  request: ExchangeSummary['request'];
  response: ExchangeSummary['response'];
  model: string | undefined;
  /** The usage it was explained with (none while its response was pending). */
  usage: ExchangeSummary['usage'];
  /** The previous conversation's latest main request, for a conversation's first request. */
  baseline: ExchangeSummary | undefined;
  explanation: ExchangeExplanation;
}

/**
 * The explainer as a fold: each request is explained against the state its conversation reached (the previous
 * request, the last one with usage), so a log that grows is explained by folding in only its new requests. A
 * response that lands later refolds its conversation from that request on; any other change to what was folded
 * (a request placed earlier, a thread or session reassigned, a retry found) restarts the fold. `explainLog` is
 * this fold over everything at once; `update` after each refresh gives the same report.
 */
export class Explainer {
  private folded: Folded[] = [];
  private lastOf = new Map<number, ExchangeSummary>();
  private warmOf = new Map<number, ExchangeSummary>();
  /** agent + wire → the latest request of a main (tool-carrying) conversation. */
  private lastMain = new Map<string, ExchangeSummary>();
  /** The incoming edges of the folded requests, in the conversation report's order. */
  private edges: ReadonlyArray<{ to: string; kind: EdgeKind }> = [];
  /** The exchanges seen last, and each by id (the index appends; its summaries are filled in place). */
  private seen: readonly ExchangeSummary[] = [];
  private readonly byId = new Map<string, ExchangeSummary>();
  /** Sums over `folded`; rebuilt when a refold changed explanations already added. */
  private totals = new Totals();
  /** Line diffs by text hashes: texts never change under a hash, so these outlive an update. */
  private readonly lineMemo = new Map<string, LineChange | SlotRef | null>();
  /** The families slots were linked to, and those links by sample and changed line. */
  private slotAgents?: string;
  private analyses: unknown[] = [];
  private readonly slots = new Map<string, SlotRef | null>();
  private readonly options: ExplainOptions;
  private readonly pricing: PricingTable;
  /** Requests explained (folded in, or again), and the times the fold started over: what an update cost. */
  readonly work = { explained: 0, restarts: 0 };
  private readonly ttls: { shortMs: number; longMs: number };

  constructor(options: Omit<ExplainOptions, 'conversations' | 'agents'> = {}) {
    this.options = options;
    this.pricing = options.pricing ?? DEFAULT_PRICING;
    this.ttls = options.cacheTtls ?? { shortMs: FIVE_MINUTES_MS, longMs: ONE_HOUR_MS };
  }

  /** The explanation of `input` now; `conversations` and `agents` as in ExplainOptions (built when absent). */
  update(input: AnalysisInput, conversations?: ConversationReport, agents: readonly AgentAnalysis[] = []): ExplainReport {
    const exchanges = this.options.agent === undefined ? input.exchanges : input.exchanges.filter((exchange) => exchange.agent === this.options.agent);
    const report = conversations ?? analyzeConversations(exchanges, this.options);
    const byId = this.exchangesById(exchanges);
    // Each node has at most one incoming edge, pushed in node order: when what was folded is unchanged, so is the
    // start of the edge list, and only the edges past it are new.
    let edgesSame = report.edges.length >= this.edges.length;
    for (let at = 0; edgesSame && at < this.edges.length; at++) {
      const edge = report.edges[at] as ConversationReport['edges'][number];
      const was = this.edges[at] as { to: string; kind: EdgeKind };
      if (edge !== was && (edge.to !== was.to || edge.kind !== was.kind)) edgesSame = false;
    }
    const incoming = new Map<string, EdgeKind>();
    for (let at = edgesSame ? this.edges.length : 0; at < report.edges.length; at++) {
      const edge = report.edges[at] as ConversationReport['edges'][number];
      incoming.set(edge.to, edge.kind);
    }
    // The report's own list (a copy per report): kept as it is, its edges' `to` and `kind` never change.
    this.edges = report.edges;
    const parentOf = new Map<number, number>();
    for (const thread of report.threads) if (thread.parent !== undefined) parentOf.set(thread.id, thread.parent);

    const comparer: Comparer = { input, agents, ttls: this.ttls, memo: this.lineMemo };
    // The requests to explain, in node order (two parallel lists: no object per request per update).
    const orderNodes: ConversationNode[] = [];
    const orderExchanges: ExchangeSummary[] = [];
    for (const node of report.nodes) {
      if (node.thread === null) continue;
      const exchange = byId.get(node.id);
      if (!exchange || !isConversational(exchange)) continue;
      orderNodes.push(node);
      orderExchanges.push(exchange);
    }

    // What is already folded must be the same requests, in the same places; only responses may have landed.
    let restart = orderNodes.length < this.folded.length || !edgesSame;
    const landed = new Map<number, number>();
    for (let at = 0; !restart && at < this.folded.length; at++) {
      const was = this.folded[at] as Folded;
      const node = orderNodes[at] as ConversationNode;
      const exchange = orderExchanges[at] as ExchangeSummary;
      if (was.exchange !== exchange || was.node.thread !== node.thread || was.node.session !== node.session || was.node.time !== node.time || was.request !== exchange.request) {
        restart = true;
      } else if (was.response !== exchange.response || was.model !== exchange.model) {
        const thread = node.thread as number;
        if (!landed.has(thread)) landed.set(thread, at);
      }
      was.node = node;
    }
    if (restart) {
      this.reset();
      this.work.restarts++;
      if (edgesSame) for (const edge of report.edges) incoming.set(edge.to, edge.kind);
    }
    // An analysis fold hands back the same system and prefix analyses while their samples stay as they were.
    const analyses = agents.flatMap((agent) => [agent.agent, agent.system, agent.prefix]);
    const sameAnalyses = analyses.length === this.analyses.length && analyses.every((analysis, at) => analysis === this.analyses[at]);
    this.analyses = analyses;
    const families = sameAnalyses && this.slotAgents !== undefined ? this.slotAgents : familiesSignature(agents);
    if (this.slotAgents !== families) {
      // Families and their slots are rebuilt from every sample at each analysis: when they moved, link each
      // segment anew (a new request of a known prompt leaves them where they were).
      this.slotAgents = families;
      this.slots.clear();
      for (const entry of this.folded) linkSlot(comparer, this.slots, entry.exchange, entry.explanation.cache.segment);
    }
    const replaced: Array<{ at: number; was: Folded }> = [];
    for (const [thread, from] of restart ? [] : landed) this.refoldThread(comparer, thread, from, replaced);
    if (replaced.length > 0) {
      // Requests explained while pending added no tokens or money; when nothing after them did either, the sums
      // take the landed ones where they stand (the same additions in the same order as a cold pass). Else anew.
      const first = Math.min(...replaced.map((entry) => entry.at));
      const refolded = new Set(replaced.map((entry) => entry.at));
      let inPlace = replaced.every((entry) => entry.was.usage === undefined);
      for (let at = first; inPlace && at < this.folded.length; at++) {
        if (!refolded.has(at) && (this.folded[at] as Folded).usage !== undefined) inPlace = false;
      }
      if (inPlace) {
        for (const { at, was } of replaced.sort((a, b) => a.at - b.at)) this.totals.replace(at, was, this.folded[at] as Folded);
      } else {
        this.totals = new Totals();
        for (const entry of this.folded) this.totals.add(entry, report.threads);
      }
    }
    for (let at = this.folded.length; at < orderNodes.length; at++) {
      const node = orderNodes[at] as ConversationNode;
      const exchange = orderExchanges[at] as ExchangeSummary;
      this.fold(comparer, node, exchange, incoming.get(exchange.id), parentOf);
      this.totals.add(this.folded[at] as Folded, report.threads);
    }
    return this.totals.report(this.pricing);
  }

  /** Exchanges by id, kept across updates: a grown list adds its new ones, a changed one is mapped anew. */
  private exchangesById(exchanges: readonly ExchangeSummary[]): ReadonlyMap<string, ExchangeSummary> {
    let same = exchanges.length >= this.seen.length;
    for (let at = 0; same && at < this.seen.length; at++) if (exchanges[at] !== this.seen[at]) same = false;
    if (!same) this.byId.clear();
    for (let at = same ? this.seen.length : 0; at < exchanges.length; at++) {
      const exchange = exchanges[at] as ExchangeSummary;
      this.byId.set(exchange.id, exchange);
    }
    this.seen = exchanges.slice();
    return this.byId;
  }

  private reset(): void {
    this.folded = [];
    this.lastOf = new Map();
    this.warmOf = new Map();
    this.lastMain = new Map();
    this.totals = new Totals();
    this.slotAgents = undefined;
  }

  private explain(comparer: Comparer, node: ConversationNode, exchange: ExchangeSummary, edge: EdgeKind | undefined, baseline: ExchangeSummary | undefined): Folded {
    const thread = node.thread as number;
    const previous = this.lastOf.get(thread);
    const warm = this.warmOf.get(thread);
    const entry = priceOf(this.pricing, exchange.model);
    const cache = explainCache(comparer, exchange, { previous, warm, baseline, edge }, entry?.price);
    this.work.explained++;
    linkSlot(comparer, this.slots, exchange, cache.segment);
    const explanation: ExchangeExplanation = {
      id: exchange.id,
      agent: exchange.agent,
      ...(exchange.model !== undefined ? { model: exchange.model } : {}),
      conversation: thread,
      session: node.session,
      time: node.time,
      cache,
      composition: compositionOf(exchange),
      cost: exchangeCost(exchange, this.pricing),
    };
    this.lastOf.set(thread, exchange);
    if (exchange.usage) this.warmOf.set(thread, exchange);
    return { node, exchange, edge, request: exchange.request, response: exchange.response, model: exchange.model, usage: exchange.usage, baseline, explanation };
  }

  private fold(comparer: Comparer, node: ConversationNode, exchange: ExchangeSummary, edge: EdgeKind | undefined, parentOf: ReadonlyMap<number, number>): void {
    const thread = node.thread as number;
    const scope = `${exchange.agent}\u0000${exchange.wire}`;
    const baseline = this.lastOf.has(thread) ? undefined : this.lastMain.get(scope);
    this.folded.push(this.explain(comparer, node, exchange, edge, baseline));
    if (!parentOf.has(thread) && (exchange.tools?.count ?? 0) > 0) this.lastMain.set(scope, exchange);
  }

  /** Explains a conversation's requests again from the one at `from` (whose response landed) on. */
  private refoldThread(comparer: Comparer, thread: number, from: number, replaced: Array<{ at: number; was: Folded }>): void {
    this.lastOf.delete(thread);
    this.warmOf.delete(thread);
    for (let at = 0; at < this.folded.length; at++) {
      const entry = this.folded[at] as Folded;
      if (entry.node.thread !== thread) continue;
      if (at < from) {
        this.lastOf.set(thread, entry.exchange);
        if (entry.exchange.usage) this.warmOf.set(thread, entry.exchange);
        continue;
      }
      this.folded[at] = this.explain(comparer, entry.node, entry.exchange, entry.edge, entry.baseline);
      replaced.push({ at, was: entry });
    }
  }
}

/** What slot links depend on: each family's id, its samples and its slots' values (their sizes and starts). */
function familiesSignature(agents: readonly AgentAnalysis[]): string {
  const parts: string[] = [];
  for (const agent of agents) {
    for (const [source, families] of [['system', agent.system?.families], ['prefix', agent.prefix?.families]] as const) {
      for (const family of families ?? []) {
        // Which samples a family holds and its canonical one place its slots; the order samples rank in by use does not.
        // A family's slots and their values come from its samples' texts (a text never changes under its key) laid
        // against its canonical sample: the same members and canonical give the same slots. Ranking by use can
        // reorder members and values, which moves no line into another slot.
        parts.push(`${agent.agent}\u0000${source}\u0000${family.id}\u0000${family.canonicalKey}\u0000${[...family.sampleKeys].sort().join(',')}`);
      }
    }
  }
  return parts.join('\u0002');
}

/**
 * Points a system or prefix segment at the slot of the current families, or at none. Kept apart from the
 * segment itself: families are rebuilt from every sample at each analysis, so a slot is linked anew each time.
 */
function linkSlot(comparer: Comparer, slots: Map<string, SlotRef | null>, exchange: ExchangeSummary, segment: ChangedSegment | undefined): void {
  if (!segment || segment.part === 'tools') return;
  // A message segment has lines only when it sits in the prompt prefix; later messages are conversation.
  const source: SlotRef['source'] = segment.part === 'system' ? 'system' : 'prefix';
  const hash = source === 'system' ? exchange.system?.hash : exchange.prefix?.hash;
  const key = `${source}\u0000${exchange.agent}\u0000${hash}\u0000${segment.before}\u0000${segment.after}`;
  let slot = slots.get(key);
  if (slot === undefined) slots.set(key, (slot = slotOf(comparer, exchange.agent, source, hash, segment) ?? null));
  if (slot) segment.slot = slot;
  else delete segment.slot;
}

/** The folder's sums over the folded requests, added to as requests are folded in. */
class Totals {
  private readonly explained: ExchangeExplanation[] = [];
  private readonly byId = new Map<string, ExchangeExplanation>();
  /** Requests per cause, each cause where it was first seen (ties in the ranking keep that order, as a cold pass). */
  private readonly causeCounts = new Map<string, { count: number; first: number }>();
  /** Ranked by cost then missed tokens as they are added (a stable sort of the added order). */
  private readonly breaks: CacheBreak[] = [];
  private readonly total = emptyTotal();
  private readonly byFamily = new Map<string, CostTotal>();
  private readonly bySession = new Map<number, CostTotal>();
  private readonly byConversation = new Map<number, CostTotal>();
  private readonly conversations = new Map<number, ConversationExplain>();
  private readonly turns = new Map<number, ConversationTurn[]>();
  private readSum = 0;
  private inputSum = 0;

  add({ exchange, explanation, node }: Folded, threads: ConversationReport['threads']): void {
    const thread = node.thread as number;
    const { cache, cost } = explanation;
    this.countCause(cache.cause.kind, this.explained.length);
    this.explained.push(explanation);
    this.byId.set(explanation.id, explanation);
    if (exchange.usage) {
      this.readSum += exchange.usage.cacheRead;
      this.inputSum += reportedInput(exchange.usage);
    }
    addCost(this.total, exchange, cost);
    const family = exchange.model ? modelFamily(exchange.model) : '(unknown model)';
    addCost(totalIn(this.byFamily, family), exchange, cost);
    addCost(totalIn(this.bySession, node.session), exchange, cost);
    const conversationTotal = totalIn(this.byConversation, thread);
    addCost(conversationTotal, exchange, cost);

    let conversation = this.conversations.get(thread);
    if (!conversation) {
      const key = threads[thread]?.key;
      conversation = { conversation: thread, agent: exchange.agent, ...(key !== undefined ? { key } : {}), turns: [], topToolResults: [], cost: conversationTotal, breaks: 0 };
      this.conversations.set(thread, conversation);
      this.turns.set(thread, []);
    }
    this.turns.get(thread)?.push({ id: exchange.id, time: node.time, inputTokens: explanation.composition.inputTokens, parts: explanation.composition.parts });
    conversation.topToolResults = explanation.composition.toolResults;

    if (cache.isBreak) {
      conversation.breaks++;
      insertRanked(this.breaks, {
        id: exchange.id,
        conversation: thread,
        cause: cache.cause.kind,
        text: cache.cause.text,
        ...(cache.segment ? { segment: cache.segment } : {}),
        missed: cache.missed,
        usd: cache.breakCost?.usd ?? null,
      });
    }
  }

  /**
   * The request at `at` explained again now that its response landed. Only for a request that was explained
   * without usage, with none after it that has usage: it added only its count to the sums, so the rest is added
   * now, exactly as a cold pass would have added it there.
   */
  replace(at: number, was: Folded, now: Folded): void {
    const thread = now.node.thread as number;
    const { exchange, explanation } = now;
    this.uncountCause(was.explanation.cache.cause.kind, at);
    this.countCause(explanation.cache.cause.kind, at);
    this.explained[at] = explanation;
    this.byId.set(explanation.id, explanation);
    if (exchange.usage) {
      this.readSum += exchange.usage.cacheRead;
      this.inputSum += reportedInput(exchange.usage);
    }
    const addTokensAndMoney = (total: CostTotal) => {
      addCost(total, exchange, explanation.cost);
      total.requests--;
    };
    addTokensAndMoney(this.total);
    const before = was.model ? modelFamily(was.model) : '(unknown model)';
    const family = exchange.model ? modelFamily(exchange.model) : '(unknown model)';
    if (before === family) {
      addTokensAndMoney(totalIn(this.byFamily, family));
    } else {
      const old = totalIn(this.byFamily, before);
      old.requests--;
      if (old.requests === 0) this.byFamily.delete(before);
      addCost(totalIn(this.byFamily, family), exchange, explanation.cost);
    }
    addTokensAndMoney(totalIn(this.bySession, now.node.session));
    addTokensAndMoney(totalIn(this.byConversation, thread));
    const turns = this.turns.get(thread) ?? [];
    let turn = turns.length - 1;
    while (turn > 0 && turns[turn]?.id !== exchange.id) turn--;
    turns[turn] = { id: exchange.id, time: now.node.time, inputTokens: explanation.composition.inputTokens, parts: explanation.composition.parts };
    const conversation = this.conversations.get(thread);
    if (conversation && turn === turns.length - 1) conversation.topToolResults = explanation.composition.toolResults;
    if (conversation && explanation.cache.isBreak) {
      // Nothing after it has usage, so nothing after it is a break: it is the latest break in fold order.
      conversation.breaks++;
      insertRanked(this.breaks, {
        id: exchange.id,
        conversation: thread,
        cause: explanation.cache.cause.kind,
        text: explanation.cache.cause.text,
        ...(explanation.cache.segment ? { segment: explanation.cache.segment } : {}),
        missed: explanation.cache.missed,
        usd: explanation.cache.breakCost?.usd ?? null,
      });
    }
  }

  private countCause(kind: string, at: number): void {
    const entry = this.causeCounts.get(kind);
    if (!entry) this.causeCounts.set(kind, { count: 1, first: at });
    else {
      entry.count++;
      if (at < entry.first) entry.first = at;
    }
  }

  private uncountCause(kind: string, at: number): void {
    const entry = this.causeCounts.get(kind);
    if (!entry) return;
    entry.count--;
    if (entry.count === 0) this.causeCounts.delete(kind);
    else if (entry.first === at) {
      // Where this cause is seen first now (rare: a request explained while pending was the first of its cause).
      entry.first = this.explained.findIndex((explanation, index) => index !== at && explanation.cache.cause.kind === kind);
    }
  }

  /** A report of its own: later folds add to these sums, never to a report handed out. */
  report(pricing: PricingTable): ExplainReport {
    const causeCounts = [...this.causeCounts].sort((a, b) => a[1].first - b[1].first).map(([kind, { count }]) => [kind, count] as const);
    const breaks = [...this.breaks];
    const causes = new Map<string, BreakGroup>();
    const slots = new Map<string, SlotBreakGroup>();
    const tools = new Map<string, BreakGroup>();
    for (const item of breaks) {
      group(causes, item.cause, item.cause, item);
      const slot = item.segment?.slot;
      if (slot) {
        const key = `${slot.source}\u0000${slot.agent}\u0000${slot.family}\u0000${slot.slot}`;
        let entry = slots.get(key);
        if (!entry) slots.set(key, (entry = { key: `${slot.agent} ${slot.source} family ${slot.family} slot ${slot.slot}`, slot, count: 0, missed: 0, usd: 0 }));
        entry.count++;
        entry.missed += item.missed;
        entry.usd += item.usd ?? 0;
      }
      if (item.segment?.part === 'tools' && item.segment.toolName) group(tools, item.segment.toolName, item.segment.toolName, item);
    }
    const ranked = <T extends BreakGroup>(values: Iterable<T>) => [...values].sort((a, b) => b.usd - a.usd || b.missed - a.missed || a.key.localeCompare(b.key));
    const conversations: ConversationExplain[] = [];
    for (const [thread, conversation] of this.conversations) {
      conversations.push({ ...conversation, turns: [...(this.turns.get(thread) ?? [])], cost: { ...conversation.cost } });
    }
    const explained: ExplainReport = {
      exchanges: [...this.explained],
      report: {
        breaks,
        byCause: ranked(causes.values()),
        bySlot: ranked(slots.values()),
        byTool: ranked(tools.values()),
        conversations,
        cost: {
          total: { ...this.total },
          byFamily: [...this.byFamily].map(([family, row]) => ({ family, ...row })).sort((a, b) => b.usd - a.usd || a.family.localeCompare(b.family)),
          bySession: [...this.bySession].map(([session, row]) => ({ session, ...row })),
          byConversation: [...this.byConversation].map(([conversation, row]) => ({ conversation, ...row })),
        },
        cacheHitRate: this.inputSum === 0 ? null : this.readSum / this.inputSum,
        causes: Object.fromEntries(causeCounts.sort((a, b) => b[1] - a[1])),
        pricing: { date: pricing.date, source: pricing.source, overridden: pricing.overridden === true },
      },
    };
    indexOfReport.set(explained, new Map(this.byId));
    return explained;
  }
}

function totalIn<K>(map: Map<K, CostTotal>, key: K): CostTotal {
  let total = map.get(key);
  if (!total) map.set(key, (total = emptyTotal()));
  return total;
}

export function explainLog(input: AnalysisInput, options: ExplainOptions = {}): ExplainReport {
  return new Explainer(options).update(input, options.conversations, options.agents ?? []);
}

export function explanationIndex(report: ExplainReport): ReadonlyMap<string, ExchangeExplanation> {
  let index = indexOfReport.get(report);
  if (!index) indexOfReport.set(report, (index = new Map(report.exchanges.map((exchange) => [exchange.id, exchange]))));
  return index;
}

/**
 * One id → explanation map per report, built once: by the Explainer as it folds (a copy of the map it keeps, cheaper
 * than one built from the list), else on the first lookup.
 */
const indexOfReport = new WeakMap<ExplainReport, ReadonlyMap<string, ExchangeExplanation>>();

/** How often a slot broke the cache and what that cost (the skeleton diff's slot hover). */
export function slotBreaks(report: ExplainReport, source: SlotRef['source'], agent: string, family: number, slot: number): SlotBreakGroup | undefined {
  return report.report.bySlot.find(
    (group) => group.slot.source === source && group.slot.agent === agent && group.slot.family === family && group.slot.slot === slot,
  );
}

