// The tools an agent offers its model: how many, under which schema key, which are
// always there and which come and go, and which definitions change between requests.
// Computed from the index's tool digests; definitions are compared per distinct tool set.

import type { ExchangeSummary } from '../logIndex/indexModel';
import type { AnalysisInput } from './analysisInput';
import { Histogram, median } from './stats';
import { isRecord } from '../jsonValue';

/** The original's label for where tools travel; it only ever knew this one place. */
export const TOP_LEVEL_TOOLS = 'top-level `tools`';
/** Codex's default model: an `input` item of type additional_tools. */
export const ADDITIONAL_TOOLS = '`additional_tools` input item';

/** Where a request's tools travel, as the cross-agent table says it. */
function containerOf(exchange: ExchangeSummary): string {
  const place = exchange.toolsInAdditionalItem ? ADDITIONAL_TOOLS : TOP_LEVEL_TOOLS;
  return exchange.tools?.namespaced ? `${place} (namespaces)` : place;
}

export interface ToolVariation {
  name: string;
  /** Distinct definitions (description, schema…) seen for this name. */
  definitions: number;
  /** Requests whose tool list has this name. */
  requests: number;
}

export interface ToolCatalog {
  /** Requests that carried a tool list (an empty list counts, as in the original). */
  requests: number;
  /** Median tools per request (Python's median: may end in .5). */
  medianCount: number;
  /** 'input_schema' | 'parameters' | 'function.parameters' | … | 'n/a'. */
  schemaKey: string;
  container: string;
  always: string[];
  sometimes: string[];
  /** Every name seen, sorted. */
  names: string[];
  /** Distinct tool lists. */
  distinctSets: number;
  /** Names whose definition differs between requests, most definitions first. */
  changing: ToolVariation[];
}

/** The original's rule, over the exchanges given (one agent, or one prompt family). */
export function toolCatalog(input: AnalysisInput, exchanges: readonly ExchangeSummary[]): ToolCatalog | null {
  const lists: string[][] = [];
  const setUse = new Map<string, number>();
  let schemaKey: string | null = null;
  const containers: string[] = [];
  for (const exchange of exchanges) {
    const tools = exchange.tools;
    if (!tools) continue;
    const container = containerOf(exchange);
    if (!containers.includes(container)) containers.push(container);
    lists.push(tools.names);
    setUse.set(tools.hash, (setUse.get(tools.hash) ?? 0) + 1);
    if (schemaKey === null && tools.schemaKey) schemaKey = tools.schemaKey;
  }
  if (lists.length === 0) return null;

  // Name sets per distinct list, weighted by use: linear in requests, not in names × requests.
  const union = new Set<string>();
  const presence = new Map<string, number>();
  const byHash = new Map<string, string[]>();
  for (const exchange of exchanges) {
    const tools = exchange.tools;
    if (tools && !byHash.has(tools.hash)) byHash.set(tools.hash, tools.names);
  }
  for (const [hash, names] of byHash) {
    const uses = setUse.get(hash) ?? 0;
    for (const name of new Set(names)) {
      union.add(name);
      presence.set(name, (presence.get(name) ?? 0) + uses);
    }
  }
  const names = [...union].sort();
  const always = names.filter((name) => presence.get(name) === lists.length);
  const sometimes = names.filter((name) => presence.get(name) !== lists.length);

  return {
    requests: lists.length,
    medianCount: median(lists.map((list) => list.length)),
    schemaKey: schemaKey ?? 'n/a',
    container: containers.join(' + '),
    always,
    sometimes,
    names,
    distinctSets: byHash.size,
    changing: changingTools(input, setUse, presence),
  };
}

/**
 * `toolCatalog` as a fold: exchanges added in list order (with their position in it), the catalog read at any time.
 * Folds merge (a prompt family's tools are its samples' folds merged), keeping what comes first by position.
 */
export class ToolFold {
  private requests = 0;
  private readonly lengths = new Histogram();
  private readonly setUse = new Map<string, number>();
  private readonly namesOf = new Map<string, readonly string[]>();
  private readonly containers = new Map<string, number>();
  private schemaKey: { key: string; at: number } | undefined;

  add(exchange: ExchangeSummary, at: number): void {
    const tools = exchange.tools;
    if (!tools) return;
    const container = containerOf(exchange);
    const seen = this.containers.get(container);
    if (seen === undefined || at < seen) this.containers.set(container, at);
    this.requests++;
    this.lengths.add(tools.names.length);
    this.setUse.set(tools.hash, (this.setUse.get(tools.hash) ?? 0) + 1);
    if (!this.namesOf.has(tools.hash)) this.namesOf.set(tools.hash, tools.names);
    if (tools.schemaKey && (this.schemaKey === undefined || at < this.schemaKey.at)) this.schemaKey = { key: tools.schemaKey, at };
  }

  static merge(folds: Iterable<ToolFold>): ToolFold {
    const merged = new ToolFold();
    for (const fold of folds) {
      merged.requests += fold.requests;
      merged.lengths.merge(fold.lengths);
      for (const [hash, uses] of fold.setUse) merged.setUse.set(hash, (merged.setUse.get(hash) ?? 0) + uses);
      for (const [hash, names] of fold.namesOf) if (!merged.namesOf.has(hash)) merged.namesOf.set(hash, names);
      for (const [container, at] of fold.containers) {
        const seen = merged.containers.get(container);
        if (seen === undefined || at < seen) merged.containers.set(container, at);
      }
      if (fold.schemaKey && (merged.schemaKey === undefined || fold.schemaKey.at < merged.schemaKey.at)) merged.schemaKey = fold.schemaKey;
    }
    return merged;
  }

  catalog(input: AnalysisInput): ToolCatalog | null {
    if (this.requests === 0) return null;
    const union = new Set<string>();
    const presence = new Map<string, number>();
    for (const [hash, names] of this.namesOf) {
      const uses = this.setUse.get(hash) ?? 0;
      for (const name of new Set(names)) {
        union.add(name);
        presence.set(name, (presence.get(name) ?? 0) + uses);
      }
    }
    const names = [...union].sort();
    return {
      requests: this.requests,
      medianCount: this.lengths.median(),
      schemaKey: this.schemaKey?.key ?? 'n/a',
      container: [...this.containers.entries()].sort((a, b) => a[1] - b[1]).map(([container]) => container).join(' + '),
      always: names.filter((name) => presence.get(name) === this.requests),
      sometimes: names.filter((name) => presence.get(name) !== this.requests),
      names,
      distinctSets: this.namesOf.size,
      changing: changingTools(input, this.setUse, presence),
    };
  }
}

const MAX_DEFINITIONS = 20_000;
/** Each tool set's definitions as canonical JSON by name: a set never changes under its hash. */
const definitionsOfSet = new Map<string, { tools: unknown[]; definitions: Array<[string, string]> }>();

function definitionsOf(input: AnalysisInput, hash: string): Array<[string, string]> | undefined {
  const tools = input.toolSet(hash);
  if (!tools) return undefined;
  const known = definitionsOfSet.get(hash);
  if (known && known.tools === tools) return known.definitions;
  const definitions: Array<[string, string]> = [];
  for (const tool of tools) {
    const name = toolName(tool);
    if (name !== undefined) definitions.push([name, canonicalJson(tool)]);
  }
  if (definitionsOfSet.size >= MAX_DEFINITIONS) definitionsOfSet.clear();
  definitionsOfSet.set(hash, { tools, definitions });
  return definitions;
}

function changingTools(
  input: AnalysisInput,
  setUse: ReadonlyMap<string, number>,
  presence: ReadonlyMap<string, number>,
): ToolVariation[] {
  if (setUse.size < 2) return [];
  const definitions = new Map<string, Set<string>>();
  for (const hash of setUse.keys()) {
    for (const [name, definition] of definitionsOf(input, hash) ?? []) {
      let seen = definitions.get(name);
      if (!seen) definitions.set(name, (seen = new Set()));
      seen.add(definition);
    }
  }
  const changing: ToolVariation[] = [];
  for (const [name, seen] of definitions) {
    if (seen.size > 1) changing.push({ name, definitions: seen.size, requests: presence.get(name) ?? 0 });
  }
  return changing.sort((a, b) => b.definitions - a.definitions || a.name.localeCompare(b.name));
}

/** A tool's name as the original reads it: name, function.name, or type. */
export function toolName(tool: unknown): string | undefined {
  if (!isRecord(tool)) return undefined;
  if (typeof tool.name === 'string' && tool.name !== '') return tool.name;
  if (isRecord(tool.function) && typeof tool.function.name === 'string' && tool.function.name !== '') {
    return tool.function.name;
  }
  if (typeof tool.type === 'string' && tool.type !== '') return tool.type;
  return undefined;
}

/** JSON with object keys sorted, so two equal values serialize equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key]);
  return sorted;
}
