// The timeline panel's page: a sequence diagram (agent lane ↔ API lane), two arrows per exchange, grouped into
// sessions. Only the items in view are in the DOM: the page keeps the compact row list, lays it out as items of
// fixed heights (session header, exchange, expanded half) and draws the slice the viewport shows. Captured text
// (paths, models, snippets, expanded halves) is hostile input: it reaches the DOM through textContent only.
import '../l10n';
import * as l10n from '@vscode/l10n';
import {
  unpackRows,
  parseTimelineToWebview,
  parseTimelineState,
  type TimelineDetail,
  type TimelineFilter,
  type TimelineFromWebview,
  type TimelineHalf,
  type TimelineRow,
  type TimelineSnippet,
  type Spread,
  type TimelineState,
} from '../timelineProtocol';
import { hasBidiControls, markBidiControls } from '../../shared/bidiText';
import { countWith, exchangesText } from '../../shared/countText';

interface VsCodeApi {
  postMessage(message: TimelineFromWebview): void;
  setState(state: TimelineState): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const HEADER_HEIGHT = 26;
const ROW_HEIGHT = 46;
const DETAIL_HEIGHT = 260;
const OVERSCAN = 6;
const HOUR_MS = 3_600_000;
const MAX_BINS = 240;
/** Expanded halves' contents kept in the page (each up to a few KB), beyond those open now. */
const DETAILS_KEPT = 200;

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

const viewport = byId<HTMLDivElement>('viewport');
const spacer = byId<HTMLDivElement>('spacer');
const density = byId<HTMLDivElement>('density');
const agentSelect = byId<HTMLSelectElement>('agent');
const toolSelect = byId<HTMLSelectElement>('tool');
const fromInput = byId<HTMLInputElement>('from');
const toInput = byId<HTMLInputElement>('to');
const clearRange = byId<HTMLButtonElement>('clear-range');
const queryInput = byId<HTMLInputElement>('query');
const repeatsBox = byId<HTMLInputElement>('repeats');
const gapInput = byId<HTMLInputElement>('gap');
const summaryText = byId<HTMLSpanElement>('summary');
const layer = document.createElement('div');
layer.className = 'layer';
viewport.append(layer);

type Item =
  | { kind: 'session'; session: number; start: number; count: number }
  | { kind: 'row'; row: TimelineRow }
  | { kind: 'detail'; row: TimelineRow; half: TimelineHalf };

const saved = parseTimelineState(vscode.getState());
let rows: TimelineRow[] = [];
let sessions = 0;
let maxRtt = 1;
let items: Item[] = [];
let offsets = new Float64Array(1);
/** Item index of each shown exchange, in order, and an exchange id's place in that list (keyboard moves). */
let rowItems: number[] = [];
let rowPlace = new Map<string, number>();
/** The exchange arrow keyboard focus is on: the one arrow in the tab order. */
let cursor: { id: string; half: TimelineHalf } | undefined;
/** Time range, epoch ms, both ends inclusive. */
let rangeFrom = saved.from;
let rangeTo = saved.to;
const expanded = new Set<string>(saved.expanded ?? []);
const details = new Map<string, TimelineDetail>();
let matches: Set<string> | undefined;
let snippets: Record<string, TimelineSnippet[]> = {};
let searchedQuery = '';
/**
 * Tests: the last batches of hits the page received (and, apart, those it applied), each with the query searched
 * when it came: an applied batch of another query is an old query's hits shown.
 */
const searchTrace: { received: Array<{ query: string; current: string }>; applied: Array<{ query: string; current: string }>; ms: number } = { received: [], applied: [], ms: 0 };
function noteSearchMessage(query: string, applied: boolean): void {
  const list = applied ? searchTrace.applied : searchTrace.received;
  list.push({ query, current: searchedQuery });
  if (list.length > 200) list.shift();
}
/** Exchanges the running or last search found in the whole log (rows filtered out or beyond the limit included). */
let searchMatched = 0;
let searchDone = true;
let searchTimer: ReturnType<typeof setTimeout> | undefined;
let pendingScroll = saved.scrollTop;
let lastReported = -1;
let lastExpandedReported = -1;
let lastShownReported = -1;
let shownCount = 0;
let frame = 0;

agentSelect.dataset.wanted = saved.agent ?? '';
toolSelect.dataset.wanted = saved.tool ?? '';
queryInput.value = saved.query ?? '';
showRange();
repeatsBox.checked = saved.repeatsOnly === true;

const key = (id: string, half: TimelineHalf): string => `${half}|${id}`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function saveState(): void {
  vscode.setState(currentState());
}

function currentState(): TimelineState {
  return {
    agent: agentSelect.value || agentSelect.dataset.wanted || undefined,
    tool: toolSelect.value || toolSelect.dataset.wanted || undefined,
    from: rangeFrom,
    to: rangeTo,
    query: queryInput.value,
    repeatsOnly: repeatsBox.checked,
    gapSeconds: Number(gapInput.value) || 0,
    scrollTop: viewport.scrollTop,
    expanded: [...expanded].slice(-100),
  };
}

// --- data -----------------------------------------------------------------------------------------------------

function setRows(next: TimelineRow[]): void {
  rows = next;
  maxRtt = 1;
  for (const row of rows) if (row.rtt !== undefined && row.rtt > maxRtt) maxRtt = row.rtt;
  fillSelect(agentSelect, rows.map((row) => row.agent));
  fillSelect(toolSelect, rows.flatMap((row) => row.tools ?? []));
  drawDensity();
}

/**
 * Offers each distinct value after the select's first ("all") option. A wanted value (restored state, or a
 * filter set before the rows arrived) is chosen once it exists.
 */
function fillSelect(select: HTMLSelectElement, values: string[]): void {
  const wanted = select.value || select.dataset.wanted || '';
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const distinct = [...counts.keys()].sort();
  const have = Array.from(select.options).slice(1);
  const same = have.length === distinct.length && have.every((option, at) => option.value === distinct[at] && option.dataset.count === String(counts.get(option.value)));
  if (!same) {
    while (select.options.length > 1) select.remove(1);
    for (const value of distinct) {
      const option = el('option', 'captured', `${markBidiControls(value)} (${(counts.get(value) ?? 0).toLocaleString()})`);
      option.value = value;
      option.dataset.count = String(counts.get(value));
      select.append(option);
    }
  }
  if (distinct.includes(wanted)) select.value = wanted;
}

function passes(row: TimelineRow): boolean {
  const agent = agentSelect.value;
  if (agent && row.agent !== agent) return false;
  const tool = toolSelect.value;
  if (tool && !row.tools?.includes(tool)) return false;
  if (rangeFrom !== undefined && row.t < rangeFrom) return false;
  if (rangeTo !== undefined && row.t > rangeTo) return false;
  if (repeatsBox.checked && !row.repeat) return false;
  if (matches && !matches.has(row.id)) return false;
  return true;
}

/** Focus was in the list when layout() dropped the drawn items: the next render gives it back. */
let refocus = false;

function layout(): void {
  // What items show (and where) may have changed: draw them all anew.
  if (layer.contains(document.activeElement)) refocus = true;
  for (const node of drawn.values()) node.remove();
  drawn = new Map();
  items = [];
  rowItems = [];
  rowPlace = new Map();
  const counts = new Map<number, number>();
  const shown = rows.filter(passes);
  shownCount = shown.length;
  for (const row of shown) counts.set(row.session, (counts.get(row.session) ?? 0) + 1);
  let session = -1;
  for (const row of shown) {
    if (row.session !== session) {
      session = row.session;
      items.push({ kind: 'session', session, start: row.t, count: counts.get(session) ?? 0 });
    }
    rowPlace.set(row.id, rowItems.length);
    rowItems.push(items.length);
    items.push({ kind: 'row', row });
    for (const half of ['request', 'response'] as const) if (expanded.has(key(row.id, half))) items.push({ kind: 'detail', row, half });
  }
  offsets = new Float64Array(items.length + 1);
  for (let at = 0; at < items.length; at++) offsets[at + 1] = offsets[at] + heightOf(items[at]);
  spacer.style.height = `${offsets[items.length]}px`;
  const searching = queryInput.value.trim() !== '';
  summaryText.textContent =
    `${l10n.t('{0} of {1}', shown.length.toLocaleString(), exchangesText(rows.length))} · ${countWith(sessions, (n) => l10n.t('{0} session', n), (n) => l10n.t('{0} sessions', n))}` +
    (!searching ? '' : searchDone && matches ? ` · ${countWith(searchMatched, (n) => l10n.t('{0} match', n), (n) => l10n.t('{0} matches', n))}` : ` · ${l10n.t('searching… {0} so far', countWith(searchMatched, (n) => l10n.t('{0} match', n), (n) => l10n.t('{0} matches', n)))}`);
}

function heightOf(item: Item): number {
  return item.kind === 'session' ? HEADER_HEIGHT : item.kind === 'row' ? ROW_HEIGHT : DETAIL_HEIGHT;
}

/** The first item whose bottom is below `y`. */
function itemAt(y: number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (offsets[mid + 1] <= y) low = mid + 1;
    else high = mid;
  }
  return low;
}

// --- drawing --------------------------------------------------------------------------------------------------

function clock(t: number): string {
  const date = new Date(t);
  return date.toLocaleTimeString(undefined, { hour12: false });
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function drawSession(item: Extract<Item, { kind: 'session' }>): HTMLElement {
  const node = el('div', 'session');
  node.setAttribute('role', 'heading');
  node.setAttribute('aria-level', '2');
  node.textContent = `${l10n.t('Session {0}', item.session + 1)} · ${new Date(item.start).toLocaleString()} · ${exchangesText(item.count)}`;
  return node;
}

function snippetNode(snippet: TimelineSnippet): HTMLElement {
  // Text nodes around a highlighted span: the match is marked without ever parsing captured text as markup.
  const node = el('span', 'snippet captured');
  node.append(
    el('span', 'source', `${snippet.source}: `),
    document.createTextNode(markBidiControls(snippet.before)),
    el('span', 'hl', markBidiControls(snippet.match)),
    document.createTextNode(markBidiControls(snippet.after)),
  );
  return node;
}

function arrow(row: TimelineRow, half: TimelineHalf): HTMLButtonElement {
  const open = expanded.has(key(row.id, half));
  const button = el('button', `arrow ${half}${open ? ' open' : ''}`);
  button.type = 'button';
  button.setAttribute('aria-expanded', String(open));
  button.dataset.id = row.id;
  button.dataset.half = half;
  const label = el('span', 'label captured');
  if (half === 'request') {
    label.textContent = markBidiControls(`${row.method} ${row.path}${row.model ? ` · ${row.model}` : ''}`);
    button.title = l10n.t('Request {0}: show system, tools and messages', row.id);
    button.append(el('span', 'line'), label);
    if (row.edge === 'retry' || row.edge === 'continuation') button.append(el('span', `mark ${row.edge}`, row.edge === 'retry' ? l10n.t('↻ retry') : l10n.t('↳ continues')));
    else if (row.repeat) button.append(el('span', 'mark retry', l10n.t('↻ resent')));
    if (row.secrets) button.append(el('span', 'mark secrets', row.secrets === 1 ? l10n.t('⚠ 1 secret') : l10n.t('⚠ {0} secrets', row.secrets)));
    if (row.cacheBreak) {
      // The cause carries captured names (a tool, a file): text only, bidi-isolated; read with the row's name.
      const cause = markBidiControls(row.cacheBreak);
      const mark = el('span', 'mark cache-break', l10n.t('✂ cache break'));
      mark.title = cause;
      mark.setAttribute('aria-label', l10n.t('cache break: {0}', cause));
      button.append(mark);
      button.title = `${button.title}\n${l10n.t('Cache break: {0}', cause)}`;
    }
  } else {
    const status = row.pending ? l10n.t('pending') : row.status !== undefined ? String(row.status) : row.error ? l10n.t('error') : '—';
    label.textContent = [status, row.tokens !== undefined ? l10n.t('{0} tok', row.tokens.toLocaleString()) : undefined, row.rtt !== undefined ? ms(row.rtt) : undefined]
      .filter(Boolean)
      .join(' · ');
    button.title = l10n.t('Response {0}: show text, tool uses, usage and events', row.id);
    const line = el('span', 'line');
    if (row.rtt !== undefined) {
      const bar = el('span', 'rtt');
      // A log scale: a 100 ms and a 60 s round trip both stay visible.
      bar.style.width = `${Math.max(2, (Math.log1p(row.rtt) / Math.log1p(maxRtt)) * 100)}%`;
      line.append(bar);
    }
    button.append(line, label);
    if (row.pending || row.error || (row.status !== undefined && row.status >= 400)) button.classList.add('bad');
  }
  return button;
}

function drawRow(row: TimelineRow): HTMLElement {
  const node = el('div', 'row');
  node.setAttribute('role', 'listitem');
  node.dataset.id = row.id;
  const when = el('div', 'when');
  when.append(el('span', 'time', clock(row.t)), el('span', 'agent captured', markBidiControls(row.agent)));
  const lanes = el('div', 'arrows');
  lanes.append(arrow(row, 'request'), arrow(row, 'response'));
  node.append(when, lanes);
  const found = snippets[row.id];
  if (found && found.length > 0 && matches) {
    const side = el('div', 'snippets');
    for (const snippet of found.slice(0, 2)) side.append(snippetNode(snippet));
    node.append(side);
  }
  return node;
}

function drawDetail(row: TimelineRow, half: TimelineHalf): HTMLElement {
  const node = el('div', `detail ${half}`);
  const head = el('div', 'detail-head');
  head.append(el('span', 'detail-title captured', `${half === 'request' ? l10n.t('Request') : l10n.t('Response')} · ${markBidiControls(row.id)}`));
  const openFull = el('button', 'open-full', l10n.t('Open Request Panel'));
  openFull.type = 'button';
  openFull.dataset.open = row.id;
  const close = el('button', 'close', l10n.t('Collapse'));
  close.type = 'button';
  close.dataset.id = row.id;
  close.dataset.half = half;
  head.append(openFull, close);
  node.append(head);
  const body = el('div', 'detail-body');
  const detail = details.get(key(row.id, half));
  if (!detail) body.append(el('p', 'placeholder', l10n.t('Loading…')));
  else {
    for (const section of detail.sections) {
      const part = el('div', 'section');
      part.append(el('h4', 'captured', markBidiControls(section.title)));
      for (const line of section.lines) part.append(el('pre', 'captured', markBidiControls(line)));
      body.append(part);
    }
  }
  node.append(body);
  return node;
}

/** The drawn element of each item in view, by item key: kept while the layout holds, so a scroll draws only new items. */
let drawn = new Map<string, HTMLElement>();

function itemKey(item: Item): string {
  return item.kind === 'session' ? `s|${item.session}` : item.kind === 'row' ? `r|${item.row.id}` : `d|${item.half}|${item.row.id}`;
}

function render(): void {
  frame = 0;
  const hadFocus = refocus || layer.contains(document.activeElement);
  refocus = false;
  const top = viewport.scrollTop;
  const bottom = top + viewport.clientHeight;
  const first = Math.max(0, itemAt(top) - OVERSCAN);
  const last = Math.min(items.length, itemAt(bottom) + 1 + OVERSCAN);
  const next = new Map<string, HTMLElement>();
  const nodes: HTMLElement[] = [];
  let drawnRows = 0;
  let drawnDetails = 0;
  for (let at = first; at < last; at++) {
    const item = items[at];
    const itemId = itemKey(item);
    let node = drawn.get(itemId);
    if (!node) {
      node = item.kind === 'session' ? drawSession(item) : item.kind === 'row' ? drawRow(item.row) : drawDetail(item.row, item.half);
      node.style.top = `${offsets[at]}px`;
      node.style.height = `${heightOf(item)}px`;
    }
    if (item.kind === 'row') drawnRows++;
    if (item.kind === 'detail') drawnDetails++;
    next.set(itemId, node);
    nodes.push(node);
  }
  for (const [itemId, node] of drawn) if (!next.has(itemId)) node.remove();
  drawn = next;
  // New items go in document order next to the kept ones (screen readers and Tab follow the DOM, not `top`).
  let after: Node | null = null;
  for (let at = nodes.length - 1; at >= 0; at--) {
    if (nodes[at].parentNode !== layer || nodes[at].nextSibling !== after) layer.insertBefore(nodes[at], after);
    after = nodes[at];
  }
  // One arrow in the tab order (the keyboard cursor's), so Tab leaves the list instead of walking every row.
  const current = cursor;
  for (const button of Array.from(layer.querySelectorAll<HTMLButtonElement>('button.arrow'))) {
    button.tabIndex = current !== undefined && current.id === button.dataset.id && current.half === button.dataset.half ? 0 : -1;
  }
  // An element that held the focus may have left the view.
  if (hadFocus && !layer.contains(document.activeElement)) {
    const button = cursorButton();
    // Scrolled out of view: the list keeps the focus, so the arrow keys still work.
    if (button) button.focus({ preventScroll: true });
    else viewport.focus({ preventScroll: true });
  }
  if (drawnRows !== lastReported || drawnDetails !== lastExpandedReported || shownCount !== lastShownReported) {
    lastReported = drawnRows;
    lastExpandedReported = drawnDetails;
    lastShownReported = shownCount;
    vscode.postMessage({ type: 'rendered', count: drawnRows, expanded: drawnDetails, shown: shownCount });
  }
}

function cursorButton(): HTMLButtonElement | null {
  if (!cursor) return null;
  return layer.querySelector<HTMLButtonElement>(`button.arrow[data-id="${CSS.escape(cursor.id)}"][data-half="${cursor.half}"]`);
}

function focusCursor(): void {
  cursorButton()?.focus({ preventScroll: true });
}

function schedule(): void {
  if (frame === 0) frame = requestAnimationFrame(render);
}

function relayout(): void {
  layout();
  render();
}

function drawDensity(): void {
  density.replaceChildren();
  if (rows.length === 0) return;
  const start = Math.floor(rows[0].t / HOUR_MS) * HOUR_MS;
  const end = rows[rows.length - 1].t;
  const hours = Math.floor((end - start) / HOUR_MS) + 1;
  const perBin = Math.max(1, Math.ceil(hours / MAX_BINS));
  const bins = new Array<number>(Math.ceil(hours / perBin)).fill(0);
  for (const row of rows) bins[Math.min(bins.length - 1, Math.floor((row.t - start) / HOUR_MS / perBin))]++;
  const most = Math.max(...bins);
  bins.forEach((count, at) => {
    const from = start + at * perBin * HOUR_MS;
    const bar = el('button', 'bin');
    bar.type = 'button';
    bar.title = `${new Date(from).toLocaleString()}: ${exchangesText(count)}${perBin > 1 ? l10n.t(' in {0} h', perBin) : ''}`;
    bar.setAttribute('aria-label', bar.title);
    const fill = el('span', 'fill');
    fill.style.height = `${count === 0 ? 0 : Math.max(8, (count / most) * 100)}%`;
    bar.append(fill);
    bar.dataset.from = String(from);
    bar.dataset.to = String(from + perBin * HOUR_MS - 1);
    const selected = rangeFrom === from && rangeTo === from + perBin * HOUR_MS - 1;
    bar.classList.toggle('selected', selected);
    bar.setAttribute('aria-pressed', String(selected));
    bar.tabIndex = -1;
    density.append(bar);
  });
  // One tab stop for the whole strip (the chosen hour, else the latest); arrow keys move along it.
  const bars = Array.from(density.querySelectorAll<HTMLButtonElement>('button.bin'));
  (bars.find((bar) => bar.classList.contains('selected')) ?? bars[bars.length - 1]).tabIndex = 0;
}

function scrollToId(id: string): void {
  const at = items.findIndex((item) => item.kind === 'row' && item.row.id === id);
  if (at >= 0) viewport.scrollTop = Math.max(0, offsets[at] - HEADER_HEIGHT);
}

// --- actions --------------------------------------------------------------------------------------------------

function toggle(id: string, half: TimelineHalf, open?: boolean): void {
  const k = key(id, half);
  const next = open ?? !expanded.has(k);
  if (next) {
    expanded.add(k);
    if (!details.has(k)) vscode.postMessage({ type: 'expand', id, half });
  } else expanded.delete(k);
  relayout();
  saveState();
}

/** Time inputs show local time to the second; `to` covers its whole second. */
function toLocalInput(t: number | undefined): string {
  if (t === undefined) return '';
  const date = new Date(t);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function fromLocalInput(value: string, endOfSecond: boolean): number | undefined {
  if (value === '') return undefined;
  const t = new Date(value).getTime();
  if (!Number.isFinite(t)) return undefined;
  return endOfSecond ? t + 999 : t;
}

function showRange(): void {
  fromInput.value = toLocalInput(rangeFrom);
  toInput.value = toLocalInput(rangeTo === undefined ? undefined : rangeTo - (rangeTo % 1000));
  clearRange.disabled = rangeFrom === undefined && rangeTo === undefined;
}

function setRange(from: number | undefined, to: number | undefined): void {
  rangeFrom = from;
  rangeTo = to;
  showRange();
  drawDensity();
  layout();
  viewport.scrollTop = 0;
  render();
  saveState();
}

/** Arrow keys move between exchanges (↑ ↓, Page, Home, End) and halves (← →); Enter expands; O opens; Esc collapses. */
function onListKey(event: KeyboardEvent): void {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if ((event.target as HTMLElement).closest('.detail-body')) return;
  const page = Math.max(1, Math.floor(viewport.clientHeight / ROW_HEIGHT) - 1);
  switch (event.key) {
    case 'ArrowDown':
      moveCursor(1);
      break;
    case 'ArrowUp':
      moveCursor(-1);
      break;
    case 'PageDown':
      moveCursor(page);
      break;
    case 'PageUp':
      moveCursor(-page);
      break;
    case 'Home':
      moveCursor(-Infinity);
      break;
    case 'End':
      moveCursor(Infinity);
      break;
    case 'ArrowLeft':
    case 'ArrowRight':
      if (!cursor) moveCursor(0);
      if (cursor) cursor = { id: cursor.id, half: event.key === 'ArrowLeft' ? 'request' : 'response' };
      showCursor();
      break;
    case 'Enter':
    case ' ':
      // A focused arrow is a button: its own click toggles it. From the list itself, expand the cursor's.
      if (event.target !== viewport) return;
      if (!cursor) moveCursor(0);
      if (cursor) toggle(cursor.id, cursor.half);
      break;
    case 'Escape':
      if (cursor && expanded.has(key(cursor.id, cursor.half))) toggle(cursor.id, cursor.half, false);
      else return;
      break;
    case 'o':
    case 'O':
      if (!cursor) return;
      vscode.postMessage({ type: 'openRequest', id: cursor.id });
      break;
    default:
      return;
  }
  event.preventDefault();
}

/**
 * Moves the cursor by `delta` shown exchanges. With no cursor yet (a freshly focused list) the move starts from
 * the first exchange in view, so End, Home and the Page keys act on the first press; a single step (↑ ↓) or 0
 * lands on that first exchange itself.
 */
function moveCursor(delta: number): void {
  if (rowItems.length === 0) return;
  const place = cursor ? rowPlace.get(cursor.id) : undefined;
  let next: number;
  if (place === undefined) {
    let start = rowItems.findIndex((at) => offsets[at] >= viewport.scrollTop);
    if (start < 0) start = rowItems.length - 1;
    next = Math.abs(delta) <= 1 ? start : Math.min(rowItems.length - 1, Math.max(0, start + delta));
  } else if (delta === 0) next = place;
  else next = Math.min(rowItems.length - 1, Math.max(0, place + delta));
  const row = (items[rowItems[next]] as Extract<Item, { kind: 'row' }>).row;
  cursor = { id: row.id, half: cursor?.half ?? 'request' };
  showCursor();
}

/** Scrolls the cursor's row into view, draws, and focuses its arrow. */
function showCursor(): void {
  const place = cursor ? rowPlace.get(cursor.id) : undefined;
  if (place === undefined) return;
  const at = rowItems[place];
  const top = offsets[at] - (at > 0 && items[at - 1].kind === 'session' ? HEADER_HEIGHT : 0);
  if (top < viewport.scrollTop) viewport.scrollTop = top;
  else if (offsets[at] + ROW_HEIGHT > viewport.scrollTop + viewport.clientHeight) viewport.scrollTop = offsets[at] + ROW_HEIGHT - viewport.clientHeight;
  render();
  focusCursor();
}

function runSearch(): void {
  clearTimeout(searchTimer);
  const query = queryInput.value.trim();
  searchedQuery = query;
  searchMatched = 0;
  searchDone = query === '';
  if (query === '') {
    matches = undefined;
    snippets = {};
    relayout();
  } else {
    matches = undefined;
    vscode.postMessage({ type: 'search', query });
    relayout();
  }
  saveState();
}

layer.addEventListener('click', (event) => {
  const target = (event.target as HTMLElement).closest('button');
  if (!target) return;
  if (target.dataset.open) {
    vscode.postMessage({ type: 'openRequest', id: target.dataset.open });
    return;
  }
  const { id, half } = target.dataset;
  if (id && (half === 'request' || half === 'response')) {
    if (target.classList.contains('arrow')) cursor = { id, half };
    toggle(id, half, target.classList.contains('close') ? false : undefined);
  }
});
density.addEventListener('click', (event) => {
  const bin = (event.target as HTMLElement).closest('button');
  if (!bin?.dataset.from || !bin.dataset.to) return;
  // An hour bar shows only that hour; choosing it again shows every time.
  const from = Number(bin.dataset.from);
  const to = Number(bin.dataset.to);
  if (rangeFrom === from && rangeTo === to) setRange(undefined, undefined);
  else setRange(from, to);
});
density.addEventListener('keydown', (event) => {
  const bars = Array.from(density.querySelectorAll<HTMLButtonElement>('button.bin'));
  const at = bars.indexOf(event.target as HTMLButtonElement);
  if (at < 0) return;
  const next = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: bars.length - 1 }[event.key];
  if (next === undefined) return;
  event.preventDefault();
  const bar = bars[Math.max(0, Math.min(bars.length - 1, next))];
  for (const other of bars) other.tabIndex = other === bar ? 0 : -1;
  bar.focus();
});
fromInput.addEventListener('change', () => setRange(fromLocalInput(fromInput.value, false), rangeTo));
toInput.addEventListener('change', () => setRange(rangeFrom, fromLocalInput(toInput.value, true)));
clearRange.addEventListener('click', () => setRange(undefined, undefined));
toolSelect.addEventListener('change', () => {
  toolSelect.dataset.wanted = toolSelect.value;
  relayout();
  saveState();
});
viewport.addEventListener('keydown', onListKey);
viewport.addEventListener('scroll', () => {
  schedule();
  saveState();
});
window.addEventListener('resize', schedule);
agentSelect.addEventListener('change', () => {
  agentSelect.dataset.wanted = agentSelect.value;
  relayout();
  saveState();
});
repeatsBox.addEventListener('change', () => {
  relayout();
  saveState();
});
queryInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 300);
});
queryInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') runSearch();
});
gapInput.addEventListener('change', () => {
  const seconds = Number(gapInput.value);
  if (Number.isFinite(seconds) && seconds >= 0) vscode.postMessage({ type: 'setGap', seconds });
  saveState();
});

function spread(values: number[]): Spread {
  const sorted = values.slice().sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (value: number): number => Math.round(value * 100) / 100;
  return { p50: round(at(0.5)), p95: round(at(0.95)), max: round(sorted[sorted.length - 1] ?? 0) };
}

function usedHeap(): number | undefined {
  // Only the benchmark's browser exposes gc (--js-flags=--expose-gc).
  (window as unknown as { gc?: () => void }).gc?.();
  return (performance as unknown as { memory?: { usedJSHeapSize?: number } }).memory?.usedJSHeapSize;
}

/**
 * The benchmark: `steps` frames doing nothing (the browser's own frame rate), then `steps` frames of continuous
 * scrolling, two rows a frame (a fast wheel or a fling), in ten stretches spread over the whole list, then
 * `steps` frames each jumping to another place (dragging the scrollbar). Times frames and redraws.
 */
async function sweep(steps: number): Promise<void> {
  const heapBefore = usedHeap();
  const range = Math.max(0, viewport.scrollHeight - viewport.clientHeight);
  const nextFrame = (): Promise<number> => new Promise((resolveFrame) => requestAnimationFrame(resolveFrame));
  const idleFrames: number[] = [];
  let last = await nextFrame();
  for (let step = 1; step <= steps; step++) {
    const now = await nextFrame();
    idleFrames.push(now - last);
    last = now;
  }
  const renders: number[] = [];
  let maxElements = 0;
  const scrollTo = (y: number): void => {
    viewport.scrollTop = y;
    const started = performance.now();
    render();
    renders.push(performance.now() - started);
    maxElements = Math.max(maxElements, document.getElementsByTagName('*').length);
  };
  const frames: number[] = [];
  const stretch = Math.max(1, Math.floor(steps / 10));
  for (let step = 0; step < steps; step++) {
    if (step % stretch === 0) {
      scrollTo(Math.round((range * Math.floor(step / stretch)) / 10));
      last = await nextFrame();
      continue;
    }
    const now = await nextFrame();
    frames.push(now - last);
    last = now;
    scrollTo(viewport.scrollTop + 2 * ROW_HEIGHT);
  }
  const jumpFrames: number[] = [];
  last = await nextFrame();
  for (let step = 1; step <= steps; step++) {
    const now = await nextFrame();
    jumpFrames.push(now - last);
    last = now;
    scrollTo(Math.round((range * step) / steps));
  }
  const heapAfter = usedHeap();
  vscode.postMessage({
    type: 'sweep',
    steps,
    frameMs: spread(frames),
    jumpFrameMs: spread(jumpFrames),
    idleFrameMs: spread(idleFrames),
    renderMs: spread(renders),
    maxElements,
    ...(heapBefore !== undefined ? { heapBefore } : {}),
    ...(heapAfter !== undefined ? { heapAfter } : {}),
  });
}

/** Sets toolbar filters as a user would (tests). */
function applyFilter(filter: TimelineFilter): void {
  if (filter.agent !== undefined) agentSelect.value = agentSelect.dataset.wanted = filter.agent;
  if (filter.tool !== undefined) toolSelect.value = toolSelect.dataset.wanted = filter.tool;
  if (filter.repeatsOnly !== undefined) repeatsBox.checked = filter.repeatsOnly;
  setRange(filter.from === undefined ? rangeFrom : (filter.from ?? undefined), filter.to === undefined ? rangeTo : (filter.to ?? undefined));
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseTimelineToWebview(event.data);
  if (!message) return;
  switch (message.type) {
    case 'rows': {
      const received = performance.now();
      sessions = message.sessions;
      gapInput.value = String(message.gapSeconds);
      setRows(unpackRows(message.rows));
      layout();
      // The first screens, ahead of the whole list: drawn at once; a restored place, a search and expanded halves
      // wait for the whole list.
      if (message.partial) {
        render();
        vscode.postMessage({ type: 'drawn', rows: rows.length, ms: Math.round((performance.now() - received) * 10) / 10 });
        return;
      }
      if (pendingScroll !== undefined) {
        viewport.scrollTop = pendingScroll;
        pendingScroll = undefined;
      }
      render();
      vscode.postMessage({ type: 'drawn', rows: rows.length, ms: Math.round((performance.now() - received) * 10) / 10 });
      // A restored query runs again over the current captures.
      if (queryInput.value.trim() !== '' && searchedQuery === '') runSearch();
      for (const k of expanded) {
        const [half, id] = [k.slice(0, k.indexOf('|')), k.slice(k.indexOf('|') + 1)];
        if (!details.has(k) && (half === 'request' || half === 'response')) vscode.postMessage({ type: 'expand', id, half });
      }
      return;
    }
    case 'append': {
      sessions = message.sessions;
      const next = rows.slice();
      if (message.updated.length > 0) {
        const at = new Map(next.map((row, index) => [row.id, index]));
        for (const row of message.updated) {
          const index = at.get(row.id);
          if (index !== undefined) next[index] = row;
        }
      }
      next.push(...message.rows);
      setRows(next);
      // The scroll offset stays: new rows land below, the spacer grows.
      relayout();
      // A live search covers new captures too.
      if (matches && message.rows.length > 0) vscode.postMessage({ type: 'search', query: searchedQuery });
      return;
    }
    case 'searchHits': {
      noteSearchMessage(message.query.trim(), false);
      // Hits of an older query still on their way are dropped; the first message of a query starts afresh.
      if (message.query.trim() !== searchedQuery) return;
      noteSearchMessage(message.query.trim(), true);
      if (message.first) searchTrace.ms = 0;
      const takenFrom = performance.now();
      if (message.first || !matches) {
        matches = new Set();
        snippets = {};
      }
      for (const id of message.ids) matches.add(id);
      for (const [id, found] of Object.entries(message.snippets)) snippets[id] = [...(snippets[id] ?? []), ...found];
      searchMatched = message.matched;
      searchDone = message.done;
      relayout();
      searchTrace.ms += performance.now() - takenFrom;
      return;
    }
    case 'detail':
      details.set(key(message.detail.id, message.detail.half), message.detail);
      // Fetched halves are kept for re-expanding, up to a bound: the oldest collapsed ones go first.
      for (const k of details.keys()) {
        if (details.size <= DETAILS_KEPT) break;
        if (!expanded.has(k)) details.delete(k);
      }
      relayout();
      return;
    case 'test':
      if (message.search !== undefined) {
        queryInput.value = message.search;
        runSearch();
      }
      if (message.filter) applyFilter(message.filter);
      if (message.scroll !== undefined) {
        viewport.scrollTop = message.scroll;
        render();
        saveState();
      }
      if (message.expand) {
        toggle(message.expand.id, message.expand.half, true);
        scrollToId(message.expand.id);
        render();
      }
      if (message.sweep !== undefined) void sweep(message.sweep);
      if (message.probe) {
        setTimeout(() => {
          render();
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          let bidiControls = 0;
          for (let node = walker.nextNode(); node; node = walker.nextNode()) if (hasBidiControls(node.textContent ?? '')) bidiControls++;
          const marked = Array.from(document.querySelectorAll<HTMLElement>('.captured')).filter((node) => (node.textContent ?? '').includes('⟨U+202E RLO⟩'));
          vscode.postMessage({
            type: 'probe',
            scripts: document.querySelectorAll('script').length,
            pwned: (window as unknown as { __pwned?: unknown }).__pwned !== undefined,
            highlights: document.querySelectorAll('.hl').length,
            detailsShown: document.querySelectorAll('.detail .section').length,
            secretBadges: Array.from(document.querySelectorAll('.mark.secrets')).map((node) => node.textContent ?? ''),
            state: currentState(),
            bidiControls,
            bidiMarked: marked.length,
            bidiIsolated: marked.every((node) => getComputedStyle(node).unicodeBidi === 'isolate'),
            summary: summaryText.textContent ?? '',
            searchTrace,
            focused: document.activeElement instanceof HTMLElement ? `${document.activeElement.className}|${document.activeElement.dataset.id ?? ''}` : undefined,
            breakMarks: Array.from(document.querySelectorAll<HTMLElement>('.mark.cache-break')).map((mark) => ({
              id: mark.closest<HTMLElement>('.row')?.dataset.id ?? '',
              label: mark.getAttribute('aria-label') ?? '',
            })),
          });
        }, 200);
      }
      return;
  }
});

vscode.postMessage({ type: 'ready' });
