// Per agent: the system prompt (representation, size, distinct samples, the original's
// agent-wide skeleton split, and the per-family skeletons with their slots and tools),
// the prompt prefix (system + context injected into the first user message), tools,
// messages, tool calls, and the original's cross-agent comparison table.

import type { ExchangeSummary, PrefixPart } from '../logIndex/indexModel';
import { type AnalysisInput, isAnalyzable } from './analysisInput';
import { MessageFold, type MessageShapes, messageShapes } from './messageShapes';
import {
  analyzePrompts,
  type LineSkeleton,
  type PromptFamily,
  type PromptSample,
  promptFamilies,
  sampleSizes,
} from './promptSkeleton';
import { Histogram, increment, median, roundHalfEven, type Spread, spread } from './stats';
import { type ToolCatalog, toolCatalog, ToolFold } from './toolCatalog';
import { InvocationFold, type InvocationCounts, invocationCounts } from './toolInvocations';

export interface SystemFamily extends PromptFamily {
  /** The tools of this family's requests: a side request's empty list no longer hides what is always there. */
  tools: ToolCatalog | null;
}

export interface SystemAnalysis {
  /** Requests with a system prompt. */
  requests: number;
  /** The original's label: 'N block(s)/req' or 'single string'. */
  representation: string;
  /** Blocks (or items) per request. */
  blocks: Spread;
  /** Characters (code points) per request. */
  size: Spread;
  distinct: number;
  /** The original's split over all distinct samples of the agent, families ignored. */
  pooled: LineSkeleton;
  families: SystemFamily[];
}

export interface PrefixAnalysis {
  requests: number;
  distinct: number;
  families: PromptFamily[];
}

export interface AgentAnalysis {
  agent: string;
  /** Requests with something to analyze (the original's "analyzable req"). */
  requests: number;
  /** wire → requests, first seen first. */
  wires: Record<string, number>;
  system: SystemAnalysis | null;
  prefix: PrefixAnalysis | null;
  tools: ToolCatalog | null;
  messages: MessageShapes | null;
  invocations: InvocationCounts;
}

/** One column of the original's cross-agent table. */
export interface AgentComparison {
  agent: string;
  systemRepresentation: string;
  /** int(median) as the original prints it. */
  systemMedianChars: number;
  distinctSystems: number;
  toolCount: number;
  toolSchemaKey: string;
  toolContainer: string;
}

export interface AgentOptions {
  /** Jaccard threshold for prompt families (default 0.5). */
  similarity?: number;
}

interface Samples {
  samples: PromptSample[];
  /** digest hash → sample key (equal texts under different hashes are one sample). */
  keyOfHash: Map<string, string>;
  requests: number;
}

/** Distinct texts in first-seen order, each with how many requests sent it. */
function collectSamples(
  exchanges: readonly ExchangeSummary[],
  hashOf: (exchange: ExchangeSummary) => string | undefined,
  textOf: (hash: string) => string | undefined,
): Samples {
  const byText = new Map<string, PromptSample>();
  const sampleOfHash = new Map<string, PromptSample>();
  const keyOfHash = new Map<string, string>();
  let requests = 0;
  for (const exchange of exchanges) {
    const hash = hashOf(exchange);
    if (hash === undefined) continue;
    let sample = sampleOfHash.get(hash);
    if (!sample) {
      if (keyOfHash.has(hash)) continue; // known to have no text
      const text = textOf(hash);
      if (text !== undefined) {
        sample = byText.get(text);
        if (!sample) byText.set(text, (sample = { key: hash, text, requests: 0 }));
        sampleOfHash.set(hash, sample);
      }
      keyOfHash.set(hash, sample?.key ?? '');
      if (!sample) continue;
    }
    requests++;
    sample.requests++;
  }
  return { samples: [...byText.values()], keyOfHash, requests };
}

/** As the original: any string or list system counts, an empty list too (as ''). */
function hasSystem(exchange: ExchangeSummary): boolean {
  return exchange.system !== undefined;
}

export function analyzeSystem(
  input: AnalysisInput,
  exchanges: readonly ExchangeSummary[],
  options: AgentOptions = {},
): SystemAnalysis | null {
  const withSystem = exchanges.filter(hasSystem);
  const { samples, keyOfHash, requests } = collectSamples(
    withSystem,
    (exchange) => exchange.system?.hash,
    (hash) => input.systemText(hash),
  );
  if (samples.length === 0) return null;

  const blocks = withSystem.map((exchange) => exchange.system?.parts ?? 0);
  const blockSpread = spread(blocks);
  const { pooled, families } = analyzePrompts(samples, { similarity: options.similarity });

  // Tools per family: the exchanges whose system text is one of the family's samples.
  const familyOfKey = new Map<string, number>();
  for (const family of families) for (const key of family.sampleKeys) familyOfKey.set(key, family.id);
  const exchangesOf = new Map<number, ExchangeSummary[]>();
  for (const exchange of withSystem) {
    const key = exchange.system ? keyOfHash.get(exchange.system.hash) : undefined;
    const id = key === undefined ? undefined : familyOfKey.get(key);
    if (id === undefined) continue;
    let list = exchangesOf.get(id);
    if (!list) exchangesOf.set(id, (list = []));
    list.push(exchange);
  }

  return {
    requests,
    representation:
      blockSpread.max > 1 ? `${roundHalfEven(median(blocks))} block(s)/req` : 'single string',
    blocks: blockSpread,
    size: sampleSizes(samples),
    distinct: samples.length,
    pooled,
    families: families.map((family) => ({ ...family, tools: toolCatalog(input, exchangesOf.get(family.id) ?? []) })),
  };
}

export function analyzePrefix(
  input: AnalysisInput,
  exchanges: readonly ExchangeSummary[],
  options: AgentOptions = {},
): PrefixAnalysis | null {
  const { samples, requests } = collectSamples(
    exchanges,
    (exchange) => exchange.prefix?.hash,
    (hash) => prefixTextOf(input, hash),
  );
  if (samples.length === 0) return null;
  return {
    requests,
    distinct: samples.length,
    families: promptFamilies(samples, {
      similarity: options.similarity,
      lineSections: (key) => prefixLineSections(input.prefixParts?.(key)),
    }),
  };
}

const MAX_JOINED_PREFIXES = 50_000;
/** Prefix texts joined from their parts, reused while the index hands out the same parts. */
const joinedPrefixes = new Map<string, { parts: readonly PrefixPart[]; text: string }>();

/**
 * The prefix text, built from its parts once: an index may join the parts anew on every
 * call, and a fresh 17 KB string per distinct prefix per analysis adds up on re-analysis.
 */
function prefixTextOf(input: AnalysisInput, hash: string): string | undefined {
  const parts = input.prefixParts?.(hash);
  if (!parts) return input.prefixText(hash);
  const known = joinedPrefixes.get(hash);
  if (known && known.parts === parts) return known.text;
  const text = parts.map((part) => part.text).join('\n');
  if (joinedPrefixes.size >= MAX_JOINED_PREFIXES) joinedPrefixes.clear();
  joinedPrefixes.set(hash, { parts, text });
  return text;
}

/** The source of each line of a prefix whose text is its parts joined by '\n'. */
export function prefixLineSections(parts: readonly PrefixPart[] | undefined): string[] | undefined {
  if (!parts) return undefined;
  const sections: string[] = [];
  for (const part of parts) {
    const lines = part.text.split('\n').length;
    for (let line = 0; line < lines; line++) sections.push(part.source);
  }
  return sections;
}

export function analyzeAgent(
  input: AnalysisInput,
  agent: string,
  exchanges: readonly ExchangeSummary[],
  options: AgentOptions = {},
): AgentAnalysis {
  const mine = exchanges.filter((exchange) => exchange.agent === agent);
  const analyzable = mine.filter(isAnalyzable);
  const wires: Record<string, number> = {};
  for (const exchange of analyzable) increment(wires, exchange.wire);
  return {
    agent,
    requests: analyzable.length,
    wires,
    system: analyzeSystem(input, analyzable, options),
    prefix: analyzePrefix(input, analyzable, options),
    tools: toolCatalog(input, analyzable),
    messages: messageShapes(analyzable),
    invocations: invocationCounts(mine),
  };
}

/** `collectSamples` as a fold: the same samples, keys and counts, exchanges taken one at a time in list order. */
class SampleFold {
  private readonly byText = new Map<string, PromptSample>();
  private readonly sampleOfHash = new Map<string, PromptSample>();
  readonly keyOfHash = new Map<string, string>();
  requests = 0;
  /** Samples or counts changed since `samples()` was last read. */
  changed = false;

  constructor(private readonly textOf: (hash: string) => string | undefined) {}

  /** Counts one request of `hash`; its sample's key, or undefined when the hash has no text. */
  add(hash: string): string | undefined {
    let sample = this.sampleOfHash.get(hash);
    if (!sample) {
      if (this.keyOfHash.has(hash)) return undefined; // known to have no text
      const text = this.textOf(hash);
      if (text !== undefined) {
        sample = this.byText.get(text);
        if (!sample) this.byText.set(text, (sample = { key: hash, text, requests: 0 }));
        this.sampleOfHash.set(hash, sample);
      }
      this.keyOfHash.set(hash, sample?.key ?? '');
      if (!sample) return undefined;
    }
    this.requests++;
    sample.requests++;
    this.changed = true;
    return sample.key;
  }

  /** Copies: an analysis handed out keeps its counts. */
  samples(): PromptSample[] {
    this.changed = false;
    return [...this.byText.values()].map((sample) => ({ ...sample }));
  }

  get size(): number {
    return this.byText.size;
  }
}

/**
 * `analyzeAgent` as a fold over one agent's exchanges in list order: counts, samples, tool and message folds kept;
 * the prompt families are analyzed again only when a sample or its count changed. A response that lands adds its
 * tool calls (the rest of the analysis reads requests only).
 */
export class AgentFold {
  private mine = 0;
  private requests = 0;
  private readonly wires: Record<string, number> = {};
  private readonly blocks = new Histogram();
  private withSystem = 0;
  private readonly systems: SampleFold;
  private readonly prefixes: SampleFold;
  private readonly systemTools = new Map<string, ToolFold>();
  private readonly tools = new ToolFold();
  private readonly messages = new MessageFold();
  private readonly invocations = new InvocationFold();
  private system: SystemAnalysis | null = null;
  private prefix: PrefixAnalysis | null = null;
  private toolsChanged = false;

  constructor(
    readonly agent: string,
    private readonly input: AnalysisInput,
    private readonly options: AgentOptions = {},
  ) {
    this.systems = new SampleFold((hash) => input.systemText(hash));
    this.prefixes = new SampleFold((hash) => prefixTextOf(input, hash));
  }

  /** One exchange of this agent, at position `at` of the list. */
  add(exchange: ExchangeSummary, at: number): void {
    this.mine++;
    this.invocations.add(exchange);
    if (!isAnalyzable(exchange)) return;
    this.requests++;
    increment(this.wires, exchange.wire);
    if (exchange.system !== undefined) {
      this.withSystem++;
      this.blocks.add(exchange.system.parts ?? 0);
      const key = this.systems.add(exchange.system.hash);
      if (key !== undefined && key !== '') {
        let tools = this.systemTools.get(key);
        if (!tools) this.systemTools.set(key, (tools = new ToolFold()));
        tools.add(exchange, at);
      }
    }
    if (exchange.prefix !== undefined) this.prefixes.add(exchange.prefix.hash);
    this.tools.add(exchange, at);
    this.toolsChanged = true;
    this.messages.add(exchange);
  }

  /** A folded exchange's response arrived. */
  land(exchange: ExchangeSummary): void {
    this.invocations.add(exchange);
  }

  private analysis?: AgentAnalysis;

  analyze(): AgentAnalysis {
    if (this.systems.changed) this.system = this.systemAnalysis();
    if (this.prefixes.changed) this.prefix = this.prefixAnalysis();
    const tools = this.toolsChanged || !this.analysis ? this.tools.catalog(this.input) : this.analysis.tools;
    this.toolsChanged = false;
    this.analysis = {
      agent: this.agent,
      requests: this.requests,
      wires: { ...this.wires },
      system: this.system,
      prefix: this.prefix,
      tools,
      messages: this.messages.shapes(),
      invocations: this.invocations.counts(this.mine),
    };
    return this.analysis;
  }

  private systemAnalysis(): SystemAnalysis | null {
    const samples = this.systems.samples();
    if (samples.length === 0) return null;
    const blockSpread = this.blocks.spread();
    const { pooled, families } = analyzePrompts(samples, { similarity: this.options.similarity });
    return {
      requests: this.systems.requests,
      representation: blockSpread.max > 1 ? `${roundHalfEven(blockSpread.median)} block(s)/req` : 'single string',
      blocks: blockSpread,
      size: sampleSizes(samples),
      distinct: samples.length,
      pooled,
      families: families.map((family) => ({
        ...family,
        tools: ToolFold.merge(family.sampleKeys.flatMap((key) => this.systemTools.get(key) ?? [])).catalog(this.input),
      })),
    };
  }

  private prefixAnalysis(): PrefixAnalysis | null {
    const samples = this.prefixes.samples();
    if (samples.length === 0) return null;
    return {
      requests: this.prefixes.requests,
      distinct: samples.length,
      families: promptFamilies(samples, {
        similarity: this.options.similarity,
        lineSections: (key) => prefixLineSections(this.input.prefixParts?.(key)),
      }),
    };
  }
}

/** The original's cross-agent table: one column per agent. */
export function compareAgents(agents: readonly AgentAnalysis[]): AgentComparison[] {
  return agents.map((agent) => ({
    agent: agent.agent,
    systemRepresentation: agent.system?.representation ?? 'n/a',
    systemMedianChars: Math.trunc(agent.system?.size.median ?? 0),
    distinctSystems: agent.system?.distinct ?? 0,
    toolCount: Math.trunc(agent.tools?.medianCount ?? 0),
    toolSchemaKey: agent.tools?.schemaKey ?? 'n/a',
    toolContainer: agent.tools ? agent.tools.container : 'n/a',
  }));
}
