// The request panel's Cache, Context and Cost sections: what was read from cache, written and missed, why (the
// provider's diagnosis or what the wire shows), the segment that changed with a link to its diff, what fills
// the context (a bar, and the same figures as text), and what the request cost. Every captured string (a tool
// name, a changed line, a cause naming them) reaches the DOM through textContent in a bidi-isolated element.
import type { ExchangeExplanation, NamedAmount } from '../../core/analysis/explain';
import { markBidiControls } from '../../shared/bidiText';
import { nounOf, tokensOf } from '../../shared/countText';
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
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s after the previous request`;
  return `${Math.round(ms / 60_000)} min after the previous request`;
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
            ['Read from cache', tokensOf(usage.cacheRead)],
            ['Written to cache', tokensOf(usage.cacheCreation)],
            ['Uncached input', tokensOf(usage.input)],
            ['Cache hit', percent(hitRateOfUsage(usage))],
          ],
          rendered.cache,
        ),
      );
    } else {
      nodes.push(el('p', 'note', view.summary.pending ? 'No usage yet: the response is still streaming.' : 'The response carries no usage.'));
    }
    const why = view.explainError
      ? `The cause is not explained: ${view.explainError}`
      : view.pricingDate && !view.summary.pending && view.summary.usage
        ? 'The cause is being explained (or this request is not part of a conversation).'
        : 'No cause to explain yet.';
    nodes.push(el('p', 'note captured', why));
    rendered.cache.push(why);
    return nodes;
  }
  const { cache } = explanation;
  const nodes: Node[] = [];
  nodes.push(
    rows(
      [
        ['Read from cache', tokensOf(cache.read)],
        ['Written to cache', `${writtenText(cache)} ${nounOf(Math.round(cache.written), 'token')}`],
        ['Uncached input', tokensOf(cache.uncached)],
        ['Missed', tokensOf(cache.missed)],
        ['Cache hit', percent(cache.hitRate)],
        ['Cause', cache.cause.text],
        ['Cause from', causeSource(explanation)],
        ['Provider diagnosis', cache.cause.diagnosis ? `${cache.cause.diagnosis.provider}: ${cache.cause.diagnosis.type}` : undefined],
        ['Changed segment', cache.segment?.label],
        ['Before', cache.segment?.before],
        ['After', cache.segment?.after],
        [
          'Break cost',
          cache.breakCost ? `${tokensOf(cache.breakCost.tokens)}${cache.breakCost.usd !== null ? ` · ${usd(cache.breakCost.usd)}` : ' · unpriced'}` : undefined,
        ],
        ['Compared with', cache.previousId ? `${cache.previousId}${cache.gapMs !== undefined ? ` (${gapText(cache.gapMs)})` : ''}` : undefined],
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
  if (amounts.length > 50) list.append(el('li', 'note', `… ${amounts.length - 50} more`));
  wrap.append(list);
  return wrap;
}

function compositionBody(explanation: ExchangeExplanation, rendered: ExplainRendered): Node[] {
  const { composition } = explanation;
  const total = composition.inputTokens;
  if (total === 0) {
    const text = 'No reported input to split (the response carries no usage).';
    rendered.composition.push(text);
    return [el('p', 'note', text)];
  }
  // The bar is a picture of the list under it: screen readers read the list (the bar is hidden from them).
  const bar = el('div', 'explain-bar');
  bar.setAttribute('aria-hidden', 'true');
  const list = el('ul', 'explain-legend');
  list.setAttribute('aria-label', `Context of ${tokenCount(total)} input tokens`);
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
  const nodes: Node[] = [el('p', undefined, `${tokenCount(total)} input tokens (uncached + read + written), split by part:`), bar, list];
  const tools = namedList(`${PART_LABELS.tools} by tool`, composition.tools, rendered.composition);
  if (tools) nodes.push(tools);
  const results = namedList(`${PART_LABELS.toolResults} by tool`, composition.toolResults, rendered.composition);
  if (results) nodes.push(results);
  return nodes;
}

function costBody(view: ExchangeView, rendered: ExplainRendered): Node[] {
  const cost = view.explanation?.cost ?? view.cost;
  if (!cost) {
    rendered.cost = 'unpriced (no usage)';
    return [el('p', 'note', rendered.cost)];
  }
  rendered.cost = costText(cost);
  const nodes: Node[] = [];
  const figures: string[] = [];
  nodes.push(
    rows(
      [
        ['Cost', rendered.cost],
        ['Of which', costParts(cost) || undefined],
        ['Priced as', cost.pricedAs ? `${cost.pricedAs}${view.pricingDate ? ` (list prices of ${view.pricingDate})` : ''}` : undefined],
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
  nodes.push(deps.section('Cache', () => cache, { open: true, className: 'section explain' }));
  if (view.explanation) {
    const composition = compositionBody(view.explanation, rendered);
    nodes.push(deps.section('Context', () => composition, { open: true, className: 'section explain' }));
  }
  const cost = costBody(view, rendered);
  nodes.push(deps.section('Cost', () => cost, { open: true, className: 'section explain' }));
  return { nodes, rendered };
}
