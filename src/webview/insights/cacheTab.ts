// The insights page's "Cache and cost" tab: the cache breaks ranked by what they cost, grouped by cause, by
// prompt slot and by tool; what fills a conversation's context turn by turn; and the cost per model family,
// session and conversation. Rows open the request panel. Captured names (tools, slots' families, causes
// naming them) reach the DOM through textContent only, in bidi-isolated cells.
import type { CompositionPartKind, CostTotal } from '../../core/analysis/explain';
import { PART_LABELS, percent, tokenCount, usd } from '../explainFormat';
import { countOf } from '../../shared/countText';
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
  const unpriced = total.unpriced > 0 ? ` (+${tokenCount(total.unpriced)} unpriced)` : '';
  return total.priced > 0 ? `${usd(total.usd)}${unpriced}` : `unpriced${total.unpriced > 0 ? ` (${tokenCount(total.unpriced)})` : ''}`;
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
      `Cache hit ${percent(data.hitRate)} (read / (uncached + read + written)) · ${countOf(data.breakCount, 'cache break')} · cost ${money(total)} over ${countOf(total.requests, 'request')} · list prices of ${data.pricing.date}${data.pricing.overridden ? ' with your overrides' : ''}`,
      'cache-summary',
    ),
  );

  section.append(el('h2', 'Cache breaks by cost'));
  if (data.breaks.length === 0) section.append(el('p', 'No request broke its conversation’s prompt cache.', 'empty'));
  else
    section.append(
      table(
        ['Request', 'Cause', 'Changed segment', 'Missed tokens', 'Cost'],
        data.breaks.map((entry) => {
          const open = linkButton(entry.id, () => deps.openRequest(entry.id), `Open request ${entry.id}`);
          open.dataset.breakId = entry.id;
          return [open, isolated(deps, entry.text), isolated(deps, entry.segment?.label ?? '—'), tokenCount(entry.missed), entry.usd === null ? 'unpriced' : usd(entry.usd)];
        }),
        'Cache breaks by cost',
      ),
    );
  if (data.breakCount > data.breaks.length) section.append(el('p', `The ${tokenCount(data.breaks.length)} costliest of ${tokenCount(data.breakCount)} shown.`, 'empty'));

  const groups = (title: string, rows: CacheCostData['byCause'], first: string): void => {
    if (rows.length === 0) return;
    section.append(el('h2', title));
    section.append(table([first, 'Breaks', 'Missed tokens', 'Cost (priced)'], rows.map((group) => [isolated(deps, group.key), tokenCount(group.count), tokenCount(group.missed), usd(group.usd)]), title));
  };
  groups('Cache breaks by cause', data.byCause, 'Cause');
  if (data.bySlot.length > 0) {
    section.append(el('h2', 'Cache breaks by prompt slot'));
    section.append(
      table(
        ['Slot', 'Breaks', 'Missed tokens', 'Cost (priced)', ''],
        data.bySlot.map((group) => [
          isolated(deps, group.key),
          tokenCount(group.count),
          tokenCount(group.missed),
          usd(group.usd),
          group.slot.source === 'system'
            ? linkButton('Skeleton diff', () => deps.skeletonDiff(group.slot.agent, group.slot.family), `Show the skeleton diff of ${group.slot.agent} family ${group.slot.family}`)
            : '',
        ]),
        'Cache breaks by prompt slot',
      ),
    );
  }
  groups('Cache breaks by tool', data.byTool, 'Tool');

  section.append(el('h2', 'Cost by model family'));
  section.append(
    table(
      ['Family', 'Requests', 'Cost', 'Input', 'Output', 'Cache read', 'Cache write'],
      data.cost.byFamily.map((row) => [isolated(deps, row.family), tokenCount(row.requests), money(row), tokenCount(row.input), tokenCount(row.output), tokenCount(row.cacheRead), tokenCount(row.cacheWrite)]),
      'Cost by model family',
    ),
  );
  section.append(el('h2', 'Cost by session'));
  section.append(table(['Session', 'Requests', 'Cost'], data.cost.bySession.map((row) => [`Session ${row.session + 1}`, tokenCount(row.requests), money(row)]), 'Cost by session'));
  section.append(el('h2', 'Cost by conversation'));
  section.append(
    table(
      ['Conversation', 'Requests', 'Cost', ''],
      data.cost.byConversation.map((row) => {
        const last = data.conversationLast[row.conversation];
        return [
          `Conversation ${row.conversation}`,
          tokenCount(row.requests),
          money(row),
          last ? linkButton('Latest request', () => deps.openRequest(last), `Open the latest request of conversation ${row.conversation}`) : '',
        ];
      }),
      'Cost by conversation',
    ),
  );

  renderComposition(section, data, deps);
}

/** What fills one conversation's context, turn by turn: stacked bars, and the same figures in a table. */
function renderComposition(section: HTMLElement, data: CacheCostData, deps: CacheTabDeps): void {
  const { el, table, linkButton } = deps;
  section.append(el('h2', 'Context over a conversation'));
  if (data.conversations.length === 0) {
    section.append(el('p', 'No conversation yet.', 'empty'));
    return;
  }
  const chosen = data.conversations.find((conversation) => conversation.conversation === deps.chosenConversation) ?? data.conversations[data.conversations.length - 1]!;
  const picker = el('select');
  picker.setAttribute('aria-label', 'Conversation');
  for (const conversation of data.conversations) {
    const option = el('option', `Conversation ${conversation.conversation} · ${conversation.agent} · ${countOf(conversation.turns.length, 'turn')}`);
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
    column.title = `${turn.time} · ${countOf(Math.round(turn.inputTokens), 'input token')}`;
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
      ['Turn', 'Input tokens', ...KINDS.map((kind) => PART_LABELS[kind]), ''],
      chosen.turns.map((turn, at) => {
        const byKind = new Map(turn.parts.map((part) => [part.kind, part.tokens]));
        return [
          String(at + 1),
          tokenCount(turn.inputTokens),
          ...KINDS.map((kind) => tokenCount(byKind.get(kind) ?? 0)),
          linkButton('Open', () => deps.openRequest(turn.id), `Open turn ${at + 1}, request ${turn.id}`),
        ];
      }),
      'Context over the conversation',
    ),
  );
  if (chosen.topToolResults.length > 0) {
    section.append(el('h3', 'Tool results filling it most (last turn)'));
    section.append(
      table(['Tool', 'Tokens'], chosen.topToolResults.map((amount) => [isolated(deps, amount.name), tokenCount(amount.tokens)]), 'Tool results filling the context'),
    );
  }
}
