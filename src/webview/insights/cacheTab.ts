// The insights page's "Cache and cost" tab: the cache breaks ranked by what they cost, grouped by cause, by
// prompt slot and by tool; what fills a conversation's context turn by turn; and the cost per model family,
// session and conversation. Rows open the request panel. Captured names (tools, slots' families, causes
// naming them) reach the DOM through textContent only, in bidi-isolated cells.
import * as l10n from '@vscode/l10n';
import type { CompositionPartKind, CostTotal } from '../../core/analysis/explain';
import { PART_LABELS, percent, tokenCount, usd } from '../explainFormat';

import type { CacheCostData } from '../insightsProtocol';

export interface CacheTabDeps {
  el: <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) => HTMLElementTagNameMap[K];
  table: (headers: string[], rows: (string | Node)[][], label: string) => HTMLTableElement;
  linkButton: (text: string, onClick: () => void, label?: string) => HTMLButtonElement;
  openRequest: (id: string) => void;
  skeletonDiff: (agent: string, family: number) => void;
  /** The conversation whose composition is shown (kept in the page state). */
  chosenConversation?: number;
  chooseConversation: (conversation: number) => void;
}

const KINDS: CompositionPartKind[] = ['system', 'tools', 'context', 'history', 'toolResults', 'newTurn'];

/** Each table's rows as text, keyed by its label: what the page posts back for tests (and what a reader hears). */
export function cacheTableRows(section: HTMLElement): Record<string, string[]> {
  const tables: Record<string, string[]> = {};
  for (const table of Array.from(section.querySelectorAll('table'))) {
    const label = table.getAttribute('aria-label') ?? '';
    tables[label] = Array.from(table.tBodies[0]?.rows ?? []).map((row) =>
      Array.from(row.cells)
        .map((cell) => (cell.textContent ?? '').trim())
        .join(' · '),
    );
  }
  return tables;
}

function money(total: CostTotal): string {
  const unpriced = total.unpriced > 0 ? l10n.t(' (+{0} unpriced)', tokenCount(total.unpriced)) : '';
  return total.priced > 0 ? `${usd(total.usd)}${unpriced}` : `${l10n.t('unpriced')}${total.unpriced > 0 ? ` (${tokenCount(total.unpriced)})` : ''}`;
}

function isolated(deps: CacheTabDeps, text: string): HTMLElement {
  return deps.el('span', text, 'captured');
}

export function renderCacheTab(section: HTMLElement, data: CacheCostData, deps: CacheTabDeps): void {
  const { el, table, linkButton } = deps;
  if (data.error) {
    section.append(el('p', `The explanation of these captures is not available: ${data.error}`, 'empty'));
    return;
  }
  const total = data.cost.total;
  section.append(
    el(
      'p',
      [
        l10n.t('Cache hit {0} (read / (uncached + read + written))', percent(data.hitRate)),
        data.breakCount === 1 ? l10n.t('{0} cache break', tokenCount(data.breakCount)) : l10n.t('{0} cache breaks', tokenCount(data.breakCount)),
        total.requests === 1 ? l10n.t('cost {0} over {1} request', money(total), tokenCount(total.requests)) : l10n.t('cost {0} over {1} requests', money(total), tokenCount(total.requests)),
        data.pricing.overridden ? l10n.t('list prices of {0} with your overrides', data.pricing.date) : l10n.t('list prices of {0}', data.pricing.date),
      ].join(' · '),
      'cache-summary',
    ),
  );

  section.append(el('h2', l10n.t('Cache breaks by cost')));
  if (data.breaks.length === 0) section.append(el('p', 'No request broke its conversation’s prompt cache.', 'empty'));
  else
    section.append(
      table(
        [l10n.t('Request'), l10n.t('Cause'), l10n.t('Changed segment'), l10n.t('Missed tokens'), l10n.t('Cost')],
        data.breaks.map((entry) => {
          const open = linkButton(entry.id, () => deps.openRequest(entry.id), l10n.t('Open request {0}', entry.id));
          open.dataset.breakId = entry.id;
          return [open, isolated(deps, entry.text), isolated(deps, entry.segment?.label ?? '—'), tokenCount(entry.missed), entry.usd === null ? l10n.t('unpriced') : usd(entry.usd)];
        }),
        l10n.t('Cache breaks by cost'),
      ),
    );
  if (data.breakCount > data.breaks.length) section.append(el('p', `The ${tokenCount(data.breaks.length)} costliest of ${tokenCount(data.breakCount)} shown.`, 'empty'));

  const groups = (title: string, rows: CacheCostData['byCause'], first: string): void => {
    if (rows.length === 0) return;
    section.append(el('h2', title));
    section.append(table([first, l10n.t('Breaks'), l10n.t('Missed tokens'), l10n.t('Cost (priced)')], rows.map((group) => [isolated(deps, group.key), tokenCount(group.count), tokenCount(group.missed), usd(group.usd)]), title));
  };
  groups(l10n.t('Cache breaks by cause'), data.byCause, l10n.t('Cause'));
  if (data.bySlot.length > 0) {
    section.append(el('h2', l10n.t('Cache breaks by prompt slot')));
    section.append(
      table(
        [l10n.t('Slot'), l10n.t('Breaks'), l10n.t('Missed tokens'), l10n.t('Cost (priced)'), ''],
        data.bySlot.map((group) => [
          isolated(deps, group.key),
          tokenCount(group.count),
          tokenCount(group.missed),
          usd(group.usd),
          group.slot.source === 'system'
            ? linkButton(l10n.t('Skeleton diff'), () => deps.skeletonDiff(group.slot.agent, group.slot.family), l10n.t('Show the skeleton diff of {0} family {1}', group.slot.agent, group.slot.family))
            : '',
        ]),
        l10n.t('Cache breaks by prompt slot'),
      ),
    );
  }
  groups(l10n.t('Cache breaks by tool'), data.byTool, l10n.t('Tool'));

  section.append(el('h2', l10n.t('Cost by model family')));
  section.append(
    table(
      [l10n.t('Family'), l10n.t('Requests'), l10n.t('Cost'), l10n.t('Input'), l10n.t('Output'), l10n.t('Cache read'), l10n.t('Cache write')],
      data.cost.byFamily.map((row) => [isolated(deps, row.family), tokenCount(row.requests), money(row), tokenCount(row.input), tokenCount(row.output), tokenCount(row.cacheRead), tokenCount(row.cacheWrite)]),
      l10n.t('Cost by model family'),
    ),
  );
  section.append(el('h2', l10n.t('Cost by session')));
  section.append(table([l10n.t('Session'), l10n.t('Requests'), l10n.t('Cost')], data.cost.bySession.map((row) => [l10n.t('Session {0}', row.session + 1), tokenCount(row.requests), money(row)]), l10n.t('Cost by session')));
  section.append(el('h2', l10n.t('Cost by conversation')));
  section.append(
    table(
      [l10n.t('Conversation'), l10n.t('Requests'), l10n.t('Cost'), ''],
      data.cost.byConversation.map((row) => {
        const last = data.conversationLast[row.conversation];
        return [
          l10n.t('Conversation {0}', row.conversation),
          tokenCount(row.requests),
          money(row),
          last ? linkButton(l10n.t('Latest request'), () => deps.openRequest(last), l10n.t('Open the latest request of conversation {0}', row.conversation)) : '',
        ];
      }),
      l10n.t('Cost by conversation'),
    ),
  );

  renderComposition(section, data, deps);
}

/** What fills one conversation's context, turn by turn: stacked bars, and the same figures in a table. */
function renderComposition(section: HTMLElement, data: CacheCostData, deps: CacheTabDeps): void {
  const { el, table, linkButton } = deps;
  section.append(el('h2', l10n.t('Context over a conversation')));
  if (data.conversations.length === 0) {
    section.append(el('p', 'No conversation yet.', 'empty'));
    return;
  }
  const chosen = data.conversations.find((conversation) => conversation.conversation === deps.chosenConversation) ?? data.conversations[data.conversations.length - 1]!;
  const picker = el('select');
  picker.setAttribute('aria-label', l10n.t('Conversation'));
  for (const conversation of data.conversations) {
    const turns = conversation.turns.length;
    const option = el('option', turns === 1
      ? l10n.t('Conversation {0} · {1} · {2} turn', conversation.conversation, conversation.agent, turns)
      : l10n.t('Conversation {0} · {1} · {2} turns', conversation.conversation, conversation.agent, turns));
    option.value = String(conversation.conversation);
    option.selected = conversation === chosen;
    picker.append(option);
  }
  picker.addEventListener('change', () => deps.chooseConversation(Number(picker.value)));
  section.append(picker);

  const max = Math.max(1, ...chosen.turns.map((turn) => turn.inputTokens));
  // The bars picture the table below them; screen readers read the table.
  const bars = el('div', undefined, 'composition-turns');
  bars.setAttribute('aria-hidden', 'true');
  for (const turn of chosen.turns) {
    const column = el('div', undefined, 'composition-turn');
    column.style.height = `${Math.max(2, (turn.inputTokens / max) * 100)}%`;
    column.title = `${turn.time} · ${Math.round(turn.inputTokens) === 1 ? l10n.t('{0} input token', tokenCount(turn.inputTokens)) : l10n.t('{0} input tokens', tokenCount(turn.inputTokens))}`;
    for (const part of turn.parts) {
      if (part.tokens <= 0) continue;
      const piece = el('span', undefined, `explain-part part-${part.kind}`);
      piece.style.flexGrow = String(part.tokens);
      column.append(piece);
    }
    bars.append(column);
  }
  section.append(bars);
  const legend = el('ul', undefined, 'explain-legend');
  for (const kind of KINDS) {
    const item = el('li');
    item.append(el('span', undefined, `explain-swatch part-${kind}`), el('span', PART_LABELS[kind]));
    legend.append(item);
  }
  section.append(legend);
  section.append(
    table(
      [l10n.t('Turn'), l10n.t('Input tokens'), ...KINDS.map((kind) => PART_LABELS[kind]), ''],
      chosen.turns.map((turn, at) => {
        const byKind = new Map(turn.parts.map((part) => [part.kind, part.tokens]));
        return [
          String(at + 1),
          tokenCount(turn.inputTokens),
          ...KINDS.map((kind) => tokenCount(byKind.get(kind) ?? 0)),
          linkButton(l10n.t('Open'), () => deps.openRequest(turn.id), l10n.t('Open turn {0}, request {1}', at + 1, turn.id)),
        ];
      }),
      l10n.t('Context over the conversation'),
    ),
  );
  if (chosen.topToolResults.length > 0) {
    section.append(el('h3', l10n.t('Tool results filling it most (last turn)')));
    section.append(
      table([l10n.t('Tool'), l10n.t('Tokens')], chosen.topToolResults.map((amount) => [isolated(deps, amount.name), tokenCount(amount.tokens)]), l10n.t('Tool results filling the context')),
    );
  }
}
