// Token use by model family and why responses stopped. Token counts come straight
// from the providers' usage blocks; money is explain.ts's (over pricing.ts's dated table).

import type { ExchangeSummary } from '../logIndex/indexModel';
import { increment } from './stats';

/** `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`, `gpt-5-v2` → `gpt-5`; anything else unchanged. */
export function modelFamily(model: string): string {
  let family = familyOfModel.get(model);
  if (family === undefined) {
    family = model.replace(/-(?:\d{8}|v\d+)$/, '');
    if (familyOfModel.size > 10_000) familyOfModel.clear();
    familyOfModel.set(model, family);
  }
  return family;
}

/** A log has a handful of model ids and thousands of responses. */
const familyOfModel = new Map<string, string>();

export interface ModelTokens {
  family: string;
  /** The model ids seen in this family, sorted. */
  models: string[];
  calls: number;
  /** Uncached input tokens. */
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  /**
   * cacheRead / (input + cacheRead + cacheCreation): writes count — Claude Code's breakpoint on the last
   * block leaves uncached input ≈ 0, so leaving them out read 100% however much was written. null without input.
   */
  cacheHitRate: number | null;
}

export interface TokenReport {
  /** Largest total (input + output + cache read + cache creation) first. */
  byFamily: ModelTokens[];
  total: Omit<ModelTokens, 'family' | 'models'>;
  /** Exchanges whose response (and request) named no model; not in any family. */
  withoutModel: number;
}

function hitRate(input: number, cacheRead: number, cacheCreation: number): number | null {
  const total = input + cacheRead + cacheCreation;
  return total === 0 ? null : cacheRead / total;
}

export function tokensByModelFamily(exchanges: readonly ExchangeSummary[]): TokenReport {
  const families = new Map<string, ModelTokens & { modelSet: Set<string> }>();
  const total = { calls: 0, input: 0, output: 0, cacheRead: 0, cacheCreation: 0, cacheHitRate: null as number | null };
  let withoutModel = 0;
  for (const exchange of exchanges) {
    if (!exchange.model) {
      if (exchange.usage) withoutModel++;
      continue;
    }
    const key = modelFamily(exchange.model);
    let bucket = families.get(key);
    if (!bucket) {
      bucket = {
        family: key,
        models: [],
        modelSet: new Set(),
        calls: 0,
        input: 0,
        output: 0,
        cacheRead: 0,
        cacheCreation: 0,
        cacheHitRate: null,
      };
      families.set(key, bucket);
    }
    bucket.modelSet.add(exchange.model);
    bucket.calls++;
    total.calls++;
    const usage = exchange.usage;
    if (!usage) continue;
    bucket.input += usage.input;
    bucket.output += usage.output;
    bucket.cacheRead += usage.cacheRead;
    bucket.cacheCreation += usage.cacheCreation;
    total.input += usage.input;
    total.output += usage.output;
    total.cacheRead += usage.cacheRead;
    total.cacheCreation += usage.cacheCreation;
  }
  const sum = (row: { input: number; output: number; cacheRead: number; cacheCreation: number }) =>
    row.input + row.output + row.cacheRead + row.cacheCreation;
  const byFamily = [...families.values()]
    .map(({ modelSet, ...row }) => ({ ...row, models: [...modelSet].sort(), cacheHitRate: hitRate(row.input, row.cacheRead, row.cacheCreation) }))
    .sort((a, b) => sum(b) - sum(a) || a.family.localeCompare(b.family));
  total.cacheHitRate = hitRate(total.input, total.cacheRead, total.cacheCreation);
  return { byFamily, total, withoutModel };
}

export interface StopReasons {
  /** stop_reason / status / finish_reason → responses, most frequent first. */
  overall: Record<string, number>;
  /** Per model family. */
  byFamily: Record<string, Record<string, number>>;
  /** Responses that carried none (errors, pending, unknown wires). */
  none: number;
}

export function stopReasons(exchanges: readonly ExchangeSummary[]): StopReasons {
  const overall: Record<string, number> = {};
  const byFamily: Record<string, Record<string, number>> = {};
  let none = 0;
  for (const exchange of exchanges) {
    if (!exchange.stopReason) {
      if (!exchange.pending) none++;
      continue;
    }
    increment(overall, exchange.stopReason);
    const family = exchange.model ? modelFamily(exchange.model) : '(unknown model)';
    increment((byFamily[family] ??= {}), exchange.stopReason);
  }
  return { overall: sortedCounts(overall), byFamily, none };
}

/** Counts re-keyed most frequent first (ties: first seen), for display and stable JSON. */
export function sortedCounts(counts: Readonly<Record<string, number>>): Record<string, number> {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(entries);
}
