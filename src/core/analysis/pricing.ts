// Prices per million tokens, shipped as data (pricing.json, with the date its figures were taken) and
// overridable by the user (setting `agentInterlude.pricing`, `analyze --pricing <file>`): prices change
// and a stale figure must be correctable without a release. A model not in the table is unpriced —
// shown as such, never as 0.
//
// Rules the providers bill by (SPEC §6; the recurring bugs elsewhere are each one of these):
// - Anthropic: `input_tokens` is uncached input only; cache reads and writes are billed on top, writes
//   at the 5-minute or the 1-hour rate by the tier of `cache_creation` (the 1-hour rate is 2× input).
// - OpenAI: cached tokens are part of `input_tokens`; the index's usage already splits them off
//   (TokenUsage.input is uncached), so they are billed once, at the cached rate.
// - Reasoning tokens are part of output tokens; never added again.

import shipped from './pricing.json';
import type { TokenUsage } from '../logIndex/indexModel';
import { isRecord } from '../jsonValue';
import { modelFamily } from './tokenUsage';

export interface ModelPrice {
  /** USD per million uncached input tokens. */
  input: number;
  output: number;
  cacheRead: number;
  /** 5-minute cache writes; absent for providers that do not bill writes (OpenAI). */
  cacheWrite5m?: number;
  cacheWrite1h?: number;
}

export interface PricingTable {
  /** When the figures were taken (YYYY-MM-DD). */
  date: string;
  source: string;
  /** Model family (see modelFamily) or full model id → price. */
  models: Record<string, ModelPrice>;
  /** An override was merged into the shipped table. */
  overridden?: boolean;
}

export const DEFAULT_PRICING: PricingTable = { date: shipped.date, source: shipped.source, models: shipped.models };

export class PricingError extends Error {}

const PRICE_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h'] as const;

/**
 * Validates an override: `{ "models": { "<model>": { input, output, cacheRead, cacheWrite5m?, cacheWrite1h? } },
 * "date"?: "…" }` or directly the models map. Throws PricingError naming the bad entry.
 */
export function parsePricingOverride(value: unknown): Partial<PricingTable> & { models: Record<string, ModelPrice> } {
  if (!isRecord(value)) throw new PricingError('pricing must be a JSON object of model → prices');
  const modelsValue = isRecord(value.models) ? value.models : value;
  const models: Record<string, ModelPrice> = {};
  for (const [model, price] of Object.entries(modelsValue)) {
    if (modelsValue === value && (model === 'date' || model === 'source')) continue;
    if (!isRecord(price)) throw new PricingError(`pricing for "${model}" must be an object with input, output and cacheRead`);
    const entry: Partial<ModelPrice> = {};
    for (const key of PRICE_KEYS) {
      const figure = price[key];
      if (figure === undefined) continue;
      if (typeof figure !== 'number' || !Number.isFinite(figure) || figure < 0) {
        throw new PricingError(`pricing for "${model}": ${key} must be a number ≥ 0 (USD per million tokens)`);
      }
      entry[key] = figure;
    }
    for (const key of ['input', 'output', 'cacheRead'] as const) {
      if (entry[key] === undefined) throw new PricingError(`pricing for "${model}" lacks ${key}`);
    }
    models[model] = entry as ModelPrice;
  }
  const result: Partial<PricingTable> & { models: Record<string, ModelPrice> } = { models };
  if (typeof value.date === 'string') result.date = value.date;
  if (typeof value.source === 'string') result.source = value.source;
  return result;
}

/** The shipped table with an override's models replacing or adding entries. */
export function withOverride(base: PricingTable, override: unknown): PricingTable {
  const parsed = parsePricingOverride(override);
  if (Object.keys(parsed.models).length === 0) return base;
  return {
    date: parsed.date ?? base.date,
    source: parsed.source ?? `${base.source} (with user overrides)`,
    models: { ...base.models, ...parsed.models },
    overridden: true,
  };
}

/**
 * The table for a user setting (the editor's `agentInterlude.pricing`): the shipped one with the setting's
 * models merged in; a malformed setting leaves the shipped table and says why.
 */
export function pricingFromSetting(setting: unknown): { table: PricingTable; error?: string } {
  if (setting === undefined || setting === null || (isRecord(setting) && Object.keys(setting).length === 0)) return { table: DEFAULT_PRICING };
  try {
    return { table: withOverride(DEFAULT_PRICING, setting) };
  } catch (error) {
    if (!(error instanceof PricingError)) throw error;
    return { table: DEFAULT_PRICING, error: `agentInterlude.pricing ignored: ${error.message}` };
  }
}

/** The table entry for a model id: the id itself, else its family; undefined = unpriced. */
export function priceOf(table: PricingTable, model: string | undefined): { key: string; price: ModelPrice } | undefined {
  if (!model) return undefined;
  const exact = table.models[model];
  if (exact) return { key: model, price: exact };
  const family = modelFamily(model);
  const byFamily = table.models[family];
  return byFamily ? { key: family, price: byFamily } : undefined;
}

export interface TokenCost {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  total: number;
}

/**
 * USD for one response's usage. Writes without a tier split are 5-minute writes (the API's default);
 * a provider without a write price (OpenAI) bills none.
 */
export function costOfUsage(price: ModelPrice, usage: TokenUsage): TokenCost {
  const perToken = (rate: number | undefined) => (rate ?? 0) / 1_000_000;
  const oneHour = usage.cacheCreation1h ?? 0;
  const fiveMinutes = usage.cacheCreation5m ?? Math.max(0, usage.cacheCreation - oneHour);
  const cost = {
    input: usage.input * perToken(price.input),
    output: usage.output * perToken(price.output),
    cacheRead: usage.cacheRead * perToken(price.cacheRead),
    cacheWrite5m: fiveMinutes * perToken(price.cacheWrite5m ?? price.input),
    cacheWrite1h: oneHour * perToken(price.cacheWrite1h ?? price.cacheWrite5m ?? price.input),
    total: 0,
  };
  cost.total = cost.input + cost.output + cost.cacheRead + cost.cacheWrite5m + cost.cacheWrite1h;
  return cost;
}
