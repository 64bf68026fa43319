// The request panel's Cache, Context and Cost sections: what was read from cache, written and missed, why (the
// provider's diagnosis or what the wire shows), the segment that changed with a link to its diff, what fills
// the context (a bar, and the same figures as text), and what the request cost. Every captured string (a tool
// name, a changed line, a cause naming them) reaches the DOM through textContent in a bidi-isolated element.
import * as l10n from '@vscode/l10n';
import type { ExchangeExplanation, NamedAmount } from '../../core/analysis/explain';
import { markBidiControls } from '../../shared/bidiText';
import { tokensOf } from '../../shared/countText';
import {
  costParts,
  costText,
  hitRateOfUsage,
  PART_LABELS,
  partText,
  percent,
  tokenCount,
  usd,
  writtenText,
} from '../explainFormat';
import type { ExchangeView, ExplainRendered } from '../protocol';

type SectionBuilder = (title: string, build: () => Node[], options?: { open?: boolean; count?: number; className?: string }) => HTMLDetailsElement;

export interface ExplainDeps {
  section: SectionBuilder;
  openSegment: (id: string) => void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = markBidiControls(text);
  return node;
}

/** A `dl` of label → value; values may carry captured text, so they are isolated. */
function rows(entries: Array<[string, string | undefined]>, rendered: string[]): HTMLElement {
  const list = el('dl', 'kv explain-kv');
  for (const [key, value] of entries) {
    if (value === undefined || value === '') continue;
    list.append(el('dt', undefined, key), el('dd', 'captured', value));
    rendered.push(`${key}: ${value}`);
  }
  return list;
}

function causeSource(explanation: ExchangeExplanation): string {
  return explanation.cache.cause.source === 'provider' ? 'the provider’s own diagnosis' : 'inferred from the requests';
}

function gapText(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  if (ms < 60_000) return l10n.t('{0} s after the previous request', (ms / 1000).toFixed(1));
  return l10n.t('{0} min after the previous request', Math.round(ms / 60_000));
}

function cacheBody(view: ExchangeView, deps: ExplainDeps, rendered: ExplainRendered): Node[] {
  const explanation = view.explanation;
  if (!explanation) {
    const usage = view.summary.usage;
    const nodes: Node[] = [];
    if (usage) {
      nodes.push(
        rows(
          [
            [l10n.t('Read from cache'), tokensOf(usage.cacheRead)],
            [l10n.t('Written to cache'), tokensOf(usage.cacheCreation)],
            [l10n.t('Uncached input'), tokensOf(usage.input)],
            [l10n.t('Cache hit'), percent(hitRateOfUsage(usage))],
          ],
          rendered.cache,
        ),
      );
    } else {
      nodes.push(el('p', 'note', view.summary.pending ? l10n.t('No usage yet: the response is still streaming.') : l10n.t('The response carries no usage.')));
    }
    const why = view.explainError
      ? l10n.t('The cause is not explained: {0}', view.explainError)
      : view.pricingDate && !view.summary.pending && view.summary.usage
        ? l10n.t('The cause is being explained (or this request is not part of a conversation).')
        : l10n.t('No cause to explain yet.');
    nodes.push(el('p', 'note captured', why));
    rendered.cache.push(why);
    return nodes;
  }
  const { cache } = explanation;
  const nodes: Node[] = [];
  nodes.push(
    rows(
      [
        [l10n.t('Read from cache'), tokensOf(cache.read)],
        [l10n.t('Written to cache'), tokensOf(cache.written, writtenText(cache))],
        [l10n.t('Uncached input'), tokensOf(cache.uncached)],
        [l10n.t('Missed'), tokensOf(cache.missed)],
        [l10n.t('Cache hit'), percent(cache.hitRate)],
        [l10n.t('Cause'), cache.cause.text],
        [l10n.t('Cause from'), causeSource(explanation)],
        [l10n.t('Provider diagnosis'), cache.cause.diagnosis ? `${cache.cause.diagnosis.provider}: ${cache.cause.diagnosis.type}` : undefined],
        [l10n.t('Changed segment'), cache.segment?.label],
        [l10n.t('Before'), cache.segment?.before],
        [l10n.t('After'), cache.segment?.after],
        [
          l10n.t('Break cost'),
          cache.breakCost ? `${tokensOf(cache.breakCost.tokens)}${cache.breakCost.usd !== null ? ` · ${usd(cache.breakCost.usd)}` : ` · ${l10n.t('unpriced')}`}` : undefined,
        ],
        [l10n.t('Compared with'), cache.previousId ? `${cache.previousId}${cache.gapMs !== undefined ? ` (${gapText(cache.gapMs)})` : ''}` : undefined],
      ],
      rendered.cache,
    ),
  );
  if (cache.segment || (cache.isBreak && cache.previousId)) {
    const label = cache.segment?.slot?.source === 'system' ? 'Open the skeleton diff at this slot' : 'Diff with the request before';
    const link = el('button', 'explain-link', label);
    link.type = 'button';
    link.dataset.segmentLink = 'true';
    link.addEventListener('click', () => deps.openSegment(explanation.id));
    nodes.push(link);
    rendered.segmentLink = label;
  }
  return nodes;
}

function namedList(title: string, amounts: NamedAmount[], rendered: string[]): HTMLElement | undefined {
  if (amounts.length === 0) return undefined;
  const wrap = el('div', 'explain-named');
  wrap.append(el('h3', undefined, title));
  const list = el('ul', 'explain-named-list');
  for (const amount of amounts.slice(0, 50)) {
    const item = el('li');
    item.append(el('span', 'captured', amount.name), el('span', 'explain-figure', ` ${tokensOf(amount.tokens)}`));
    list.append(item);
    rendered.push(`${title}: ${amount.name} ${tokensOf(amount.tokens)}`);
  }
  if (amounts.length > 50) list.append(el('li', 'note', l10n.t('… {0} more', amounts.length - 50)));
  wrap.append(list);
  return wrap;
}

function compositionBody(explanation: ExchangeExplanation, rendered: ExplainRendered): Node[] {
  const { composition } = explanation;
  const total = composition.inputTokens;
  if (total === 0) {
    const text = l10n.t('No reported input to split (the response carries no usage).');
    rendered.composition.push(text);
    return [el('p', 'note', text)];
  }
  // The bar is a picture of the list under it: screen readers read the list (the bar is hidden from them).
  const bar = el('div', 'explain-bar');
  bar.setAttribute('aria-hidden', 'true');
  const list = el('ul', 'explain-legend');
  list.setAttribute('aria-label', l10n.t('Context of {0} input tokens', tokenCount(total)));
  for (const part of composition.parts) {
    const text = partText(part.kind, part.tokens, total);
    rendered.composition.push(text);
    if (part.tokens > 0) {
      const piece = el('span', `explain-part part-${part.kind}`);
      piece.style.flexGrow = String(part.tokens);
      piece.title = markBidiControls(text);
      bar.append(piece);
    }
    const item = el('li');
    item.append(el('span', `explain-swatch part-${part.kind}`), el('span', undefined, text));
    list.append(item);
  }
  const nodes: Node[] = [el('p', undefined, l10n.t('{0} input tokens (uncached + read + written), split by part:', tokenCount(total))), bar, list];
  const tools = namedList(l10n.t('{0} by tool', PART_LABELS.tools), composition.tools, rendered.composition);
  if (tools) nodes.push(tools);
  const results = namedList(l10n.t('{0} by tool', PART_LABELS.toolResults), composition.toolResults, rendered.composition);
  if (results) nodes.push(results);
  return nodes;
}

function costBody(view: ExchangeView, rendered: ExplainRendered): Node[] {
  const cost = view.explanation?.cost ?? view.cost;
  if (!cost) {
    rendered.cost = l10n.t('unpriced (no usage)');
    return [el('p', 'note', rendered.cost)];
  }
  rendered.cost = costText(cost);
  const nodes: Node[] = [];
  const figures: string[] = [];
  nodes.push(
    rows(
      [
        [l10n.t('Cost'), rendered.cost],
        [l10n.t('Of which'), costParts(cost) || undefined],
        [l10n.t('Priced as'), cost.pricedAs ? `${cost.pricedAs}${view.pricingDate ? l10n.t(' (list prices of {0})', view.pricingDate) : ''}` : undefined],
      ],
      figures,
    ),
  );
  return nodes;
}

/** The three sections, and what they show as text (posted back for tests). */
export function explainSections(view: ExchangeView, deps: ExplainDeps): { nodes: HTMLElement[]; rendered: ExplainRendered } {
  const rendered: ExplainRendered = { id: view.summary.id, explained: view.explanation !== undefined, cache: [], composition: [], cost: '' };
  const nodes: HTMLElement[] = [];
  // Built now (not when first opened), so what is posted back is what the reader can open.
  const cache = cacheBody(view, deps, rendered);
  // Titles stay fixed: the page keeps sections open or closed by title when the exchange is shown again.
  nodes.push(deps.section(l10n.t('Cache'), () => cache, { open: true, className: 'section explain' }));
  if (view.explanation) {
    const composition = compositionBody(view.explanation, rendered);
    nodes.push(deps.section(l10n.t('Context'), () => composition, { open: true, className: 'section explain' }));
  }
  const cost = costBody(view, rendered);
  nodes.push(deps.section(l10n.t('Cost'), () => cost, { open: true, className: 'section explain' }));
  return { nodes, rendered };
}
