// The timeline panel's page: a sequence diagram (agent lane ↔ API lane), two arrows per exchange, grouped into
// sessions. Only the items in view are in the DOM: the page keeps the compact row list, lays it out as items of
// fixed heights (session header, exchange, expanded half) and draws the slice the viewport shows. Captured text
// (paths, models, snippets, expanded halves) is hostile input: it reaches the DOM through textContent only.
import {
  parseTimelineToWebview,
  parseTimelineState,
  type TimelineDetail,
  type TimelineFromWebview,
  type TimelineHalf,
  type TimelineRow,
  type TimelineSnippet,
  type TimelineState,
} from '../timelineProtocol';

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

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

const viewport = byId<HTMLDivElement>('viewport');
const spacer = byId<HTMLDivElement>('spacer');
const density = byId<HTMLDivElement>('density');
const agentSelect = byId<HTMLSelectElement>('agent');
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
const expanded = new Set<string>(saved.expanded ?? []);
const details = new Map<string, TimelineDetail>();
let matches: Set<string> | undefined;
let snippets: Record<string, TimelineSnippet[]> = {};
let searchedQuery = '';
let searchTimer: ReturnType<typeof setTimeout> | undefined;
let pendingScroll = saved.scrollTop;
let lastReported = -1;
let lastExpandedReported = -1;
let frame = 0;

agentSelect.dataset.wanted = saved.agent ?? '';
queryInput.value = saved.query ?? '';
repeatsBox.checked = saved.repeatsOnly === true;

const key = (id: string, half: TimelineHalf): string => `${half}|${id}`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function saveState(): void {
  vscode.setState({
    agent: agentSelect.value || agentSelect.dataset.wanted || undefined,
    query: queryInput.value,
    repeatsOnly: repeatsBox.checked,
    gapSeconds: Number(gapInput.value) || 0,
    scrollTop: viewport.scrollTop,
    expanded: [...expanded].slice(-100),
  });
}

// --- data -----------------------------------------------------------------------------------------------------

function setRows(next: TimelineRow[]): void {
  rows = next;
  maxRtt = 1;
  for (const row of rows) if (row.rtt !== undefined && row.rtt > maxRtt) maxRtt = row.rtt;
  fillAgents();
  drawDensity();
}

function fillAgents(): void {
  const wanted = agentSelect.value || agentSelect.dataset.wanted || '';
  const agents = [...new Set(rows.map((row) => row.agent))].sort();
  const have = Array.from(agentSelect.options).map((option) => option.value).slice(1);
  if (have.length === agents.length && have.every((agent, at) => agent === agents[at])) return;
  while (agentSelect.options.length > 1) agentSelect.remove(1);
  for (const agent of agents) {
    const option = el('option', undefined, agent);
    option.value = agent;
    agentSelect.append(option);
  }
  if (agents.includes(wanted)) agentSelect.value = wanted;
}

function passes(row: TimelineRow): boolean {
  const agent = agentSelect.value;
  if (agent && row.agent !== agent) return false;
  if (repeatsBox.checked && !row.repeat) return false;
  if (matches && !matches.has(row.id)) return false;
  return true;
}

function layout(): void {
  items = [];
  const counts = new Map<number, number>();
  const shown = rows.filter(passes);
  for (const row of shown) counts.set(row.session, (counts.get(row.session) ?? 0) + 1);
  let session = -1;
  for (const row of shown) {
    if (row.session !== session) {
      session = row.session;
      items.push({ kind: 'session', session, start: row.t, count: counts.get(session) ?? 0 });
    }
    items.push({ kind: 'row', row });
    for (const half of ['request', 'response'] as const) if (expanded.has(key(row.id, half))) items.push({ kind: 'detail', row, half });
  }
  offsets = new Float64Array(items.length + 1);
  for (let at = 0; at < items.length; at++) offsets[at + 1] = offsets[at] + heightOf(items[at]);
  spacer.style.height = `${offsets[items.length]}px`;
  const searching = queryInput.value.trim() !== '';
  summaryText.textContent =
    `${shown.length.toLocaleString()} of ${rows.length.toLocaleString()} exchanges · ${sessions} sessions` +
    (searching && !matches ? ' · searching…' : '');
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
  node.textContent = `Session ${item.session + 1} · ${new Date(item.start).toLocaleString()} · ${item.count.toLocaleString()} exchanges`;
  return node;
}

function snippetNode(snippet: TimelineSnippet): HTMLElement {
  // Text nodes around a highlighted span: the match is marked without ever parsing captured text as markup.
  const node = el('span', 'snippet');
  node.append(el('span', 'source', `${snippet.source}: `), document.createTextNode(snippet.before), el('span', 'hl', snippet.match), document.createTextNode(snippet.after));
  return node;
}

function arrow(row: TimelineRow, half: TimelineHalf): HTMLButtonElement {
  const open = expanded.has(key(row.id, half));
  const button = el('button', `arrow ${half}${open ? ' open' : ''}`);
  button.type = 'button';
  button.setAttribute('aria-expanded', String(open));
  button.dataset.id = row.id;
  button.dataset.half = half;
  const label = el('span', 'label');
  if (half === 'request') {
    label.textContent = `${row.method} ${row.path}${row.model ? ` · ${row.model}` : ''}`;
    button.title = `Request ${row.id}: show system, tools and messages`;
    button.append(el('span', 'line'), label);
    if (row.edge === 'retry' || row.edge === 'continuation') button.append(el('span', `mark ${row.edge}`, row.edge === 'retry' ? '↻ retry' : '↳ continues'));
    else if (row.repeat) button.append(el('span', 'mark retry', '↻ resent'));
  } else {
    const status = row.pending ? 'pending' : row.status !== undefined ? String(row.status) : row.error ? 'error' : '—';
    label.textContent = [status, row.tokens !== undefined ? `${row.tokens.toLocaleString()} tok` : undefined, row.rtt !== undefined ? ms(row.rtt) : undefined]
      .filter(Boolean)
      .join(' · ');
    button.title = `Response ${row.id}: show text, tool uses, usage and events`;
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
  when.append(el('span', 'time', clock(row.t)), el('span', 'agent', row.agent));
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
  head.append(el('span', 'detail-title', `${half === 'request' ? 'Request' : 'Response'} · ${row.id}`));
  const openFull = el('button', 'open-full', 'Open Request Panel');
  openFull.type = 'button';
  openFull.dataset.open = row.id;
  const close = el('button', 'close', 'Collapse');
  close.type = 'button';
  close.dataset.id = row.id;
  close.dataset.half = half;
  head.append(openFull, close);
  node.append(head);
  const body = el('div', 'detail-body');
  const detail = details.get(key(row.id, half));
  if (!detail) body.append(el('p', 'placeholder', 'Loading…'));
  else {
    for (const section of detail.sections) {
      const part = el('div', 'section');
      part.append(el('h4', undefined, section.title));
      for (const line of section.lines) part.append(el('pre', undefined, line));
      body.append(part);
    }
  }
  node.append(body);
  return node;
}

function render(): void {
  frame = 0;
  const top = viewport.scrollTop;
  const bottom = top + viewport.clientHeight;
  const first = Math.max(0, itemAt(top) - OVERSCAN);
  const last = Math.min(items.length, itemAt(bottom) + 1 + OVERSCAN);
  const fragment = document.createDocumentFragment();
  let drawnRows = 0;
  let drawnDetails = 0;
  for (let at = first; at < last; at++) {
    const item = items[at];
    const node = item.kind === 'session' ? drawSession(item) : item.kind === 'row' ? drawRow(item.row) : drawDetail(item.row, item.half);
    if (item.kind === 'row') drawnRows++;
    if (item.kind === 'detail') drawnDetails++;
    node.style.top = `${offsets[at]}px`;
    node.style.height = `${heightOf(item)}px`;
    fragment.append(node);
  }
  layer.replaceChildren(fragment);
  if (drawnRows !== lastReported || drawnDetails !== lastExpandedReported) {
    lastReported = drawnRows;
    lastExpandedReported = drawnDetails;
    vscode.postMessage({ type: 'rendered', count: drawnRows, expanded: drawnDetails });
  }
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
    bar.title = `${new Date(from).toLocaleString()}: ${count.toLocaleString()} exchanges${perBin > 1 ? ` in ${perBin} h` : ''}`;
    bar.setAttribute('aria-label', bar.title);
    const fill = el('span', 'fill');
    fill.style.height = `${count === 0 ? 0 : Math.max(8, (count / most) * 100)}%`;
    bar.append(fill);
    bar.dataset.from = String(from);
    density.append(bar);
  });
}

function scrollToTime(t: number): void {
  const at = items.findIndex((item) => item.kind === 'row' && item.row.t >= t);
  if (at >= 0) viewport.scrollTop = offsets[at];
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

function runSearch(): void {
  clearTimeout(searchTimer);
  const query = queryInput.value.trim();
  searchedQuery = query;
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
  if (id && (half === 'request' || half === 'response')) toggle(id, half, target.classList.contains('close') ? false : undefined);
});
density.addEventListener('click', (event) => {
  const bin = (event.target as HTMLElement).closest('button');
  if (bin?.dataset.from) scrollToTime(Number(bin.dataset.from));
});
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

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseTimelineToWebview(event.data);
  if (!message) return;
  switch (message.type) {
    case 'rows': {
      sessions = message.sessions;
      gapInput.value = String(message.gapSeconds);
      setRows(message.rows);
      layout();
      if (pendingScroll !== undefined) {
        viewport.scrollTop = pendingScroll;
        pendingScroll = undefined;
      }
      render();
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
    case 'searchResult':
      if (message.query.trim() !== searchedQuery) return;
      matches = new Set(message.ids);
      snippets = message.snippets;
      relayout();
      return;
    case 'detail':
      details.set(key(message.detail.id, message.detail.half), message.detail);
      relayout();
      return;
    case 'test':
      if (message.search !== undefined) {
        queryInput.value = message.search;
        runSearch();
      }
      if (message.expand) {
        toggle(message.expand.id, message.expand.half, true);
        scrollToId(message.expand.id);
        render();
      }
      if (message.probe) {
        setTimeout(() => {
          render();
          vscode.postMessage({
            type: 'probe',
            scripts: document.querySelectorAll('script').length,
            pwned: (window as unknown as { __pwned?: unknown }).__pwned !== undefined,
            highlights: document.querySelectorAll('.hl').length,
            detailsShown: document.querySelectorAll('.detail .section').length,
          });
        }, 200);
      }
      return;
  }
});

vscode.postMessage({ type: 'ready' });
