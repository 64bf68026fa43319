// How cache, composition and cost figures read, the same in every place that shows them: the request panel,
// the timeline's marks, the insights tab (page bundles) and the Captures tree tooltip and slot hover (host).
// Plain functions only: page bundles import this file, so it must never import `vscode` or runtime code.
import * as l10n from '@vscode/l10n';
import type { CacheExplanation, CompositionPartKind, CostBreakdown } from '../core/analysis/explain';
import type { TokenUsage } from '../core/logIndex/indexModel';
import { tokensOf } from '../shared/countText';

const counts = new Intl.NumberFormat('en-US');

export function tokenCount(value: number): string {
  return counts.format(Math.round(value));
}

/**
 * `$1.23`, `$0.123`; below a cent two significant digits (`$0.0034`, `$0.000029`), so a cheap request is
 * never shown as $0.00.
 */
export function usd(value: number): string {
  if (value === 0) return '$0';
  const size = Math.abs(value);
  const digits = size >= 10 ? 2 : size >= 0.01 ? 3 : Math.min(10, Math.ceil(-Math.log10(size)) + 1);
  return `$${value.toFixed(digits)}`;
}

export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return 'n/a';
  return `${Math.round(rate * 100)}%`;
}

/** Cache-hit rate of one response: read / (uncached + read + written); null without input. */
export function hitRateOfUsage(usage: TokenUsage): number | null {
  const input = usage.input + usage.cacheRead + usage.cacheCreation;
  return input > 0 ? usage.cacheRead / input : null;
}

/** `$0.0123`, or `unpriced (why)`: an unknown model is never shown as $0. */
export function costText(cost: CostBreakdown): string {
  if (!cost.priced || cost.total === null) return `${l10n.t('unpriced')}${cost.unpricedReason ? ` (${cost.unpricedReason})` : ''}`;
  return usd(cost.total);
}

/** `input $0.01 · output $0.02 · cache read $0.001 · cache write 5m $0.003 · cache write 1h $0.004`, the non-zero ones. */
export function costParts(cost: CostBreakdown): string {
  if (!cost.priced) return '';
  const parts: Array<[string, number]> = [
    [l10n.t('input'), cost.input],
    [l10n.t('output'), cost.output],
    [l10n.t('cache read'), cost.cacheRead],
    [l10n.t('cache write 5m'), cost.cacheWrite5m],
    [l10n.t('cache write 1h'), cost.cacheWrite1h],
  ];
  return parts
    .filter(([, value]) => value > 0)
    .map(([name, value]) => `${name} ${usd(value)}`)
    .join(' · ');
}

/** `written 1,200 (5m 1,000 · 1h 200)`: the tiers only when the response split them. */
export function writtenText(cache: Pick<CacheExplanation, 'written' | 'written5m' | 'written1h'>): string {
  const tiers = cache.written1h > 0 ? ` (5m ${tokenCount(cache.written5m)} · 1h ${tokenCount(cache.written1h)})` : '';
  return `${tokenCount(cache.written)}${tiers}`;
}

/** One line for a tooltip: `hit 64% · read 9,000 · written 1,200 · uncached 12 · missed 0`. */
export function cacheLine(cache: CacheExplanation): string {
  return l10n.t('hit {0} · read {1} · written {2} · uncached {3} · missed {4}', percent(cache.hitRate), tokenCount(cache.read), writtenText(cache), tokenCount(cache.uncached), tokenCount(cache.missed));
}

export const PART_LABELS: Record<CompositionPartKind, string> = {
  system: l10n.t('System prompt'),
  tools: l10n.t('Tool definitions'),
  context: l10n.t('Injected context'),
  history: l10n.t('Conversation history'),
  toolResults: l10n.t('Tool results'),
  newTurn: l10n.t('New user turn'),
};

/** The composition's parts in words, e.g. `System prompt 3,100 tokens (12%)`. */
export function partText(kind: CompositionPartKind, tokens: number, total: number): string {
  return `${PART_LABELS[kind]} ${tokensOf(tokens)} (${total > 0 ? percent(tokens / total) : '0%'})`;
}
