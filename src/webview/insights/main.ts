// The insights panel's page: tabs over the host's analyses. Everything captured (agent, model and tool names,
// schemas, invocation inputs, family labels) is hostile input: it reaches the DOM through textContent and
// attribute-free DOM APIs only; the chart and the graph are SVG built with createElementNS.
import '../l10n';
import * as l10n from '@vscode/l10n';
import { markBidiControls } from '../../shared/bidiText';
import { countWith, exchangesText, tokensOf } from '../../shared/countText';
import {
  INSIGHTS_TABS,
  parseInsightsState,
  parseInsightsToWebview,
  type GraphSession,
  type InsightsData,
  type InsightsFromWebview,
  type InsightsState,
  type InsightsTab,
  type InvocationRow,
} from '../insightsProtocol';
import { cacheTableRows, renderCacheTab } from './cacheTab';

interface VsCodeApi {
  postMessage(message: InsightsFromWebview): void;
  setState(state: InsightsState): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const SVG = 'http://www.w3.org/2000/svg';
const TABS: Record<InsightsTab, string> = { overview: l10n.t('Overview'), tokens: l10n.t('Tokens and cache'), cache: l10n.t('Cache and cost'), tools: l10n.t('Tools'), graph: l10n.t('Conversation graph') };

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

const saved = parseInsightsState(vscode.getState());
let tab: InsightsTab = saved.tab ?? 'overview';
const expanded = new Set<string>(saved.expanded ?? []);
let chosenSession: number | undefined = saved.session;
/** The conversation the "Cache and cost" tab shows the context of (the latest until one is chosen). */
let chosenConversation: number | undefined;
let data: InsightsData | undefined;
const invocations = new Map<string, InvocationRow[]>();
const summary = byId<HTMLSpanElement>('summary');

function keyOf(agent: string, tool: string): string {
  return `${agent}\u0000${tool}`;
}

function save(): void {
  const state: InsightsState = { tab, expanded: [...expanded] };
  if (chosenSession !== undefined) state.session = chosenSession;
  vscode.setState(state);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  // Captured text shows its bidi controls and zero-width characters as markers (shared/bidiText).
  if (text !== undefined) node.textContent = markBidiControls(text);
  if (className) node.className = className;
  return node;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

const number = (value: number): string => value.toLocaleString();
const percent = (value: number | null): string => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);

function table(headers: string[], rows: (string | Node)[][], label: string): HTMLTableElement {
  const node = el('table');
  node.setAttribute('aria-label', label);
  const head = node.createTHead().insertRow();
  for (const header of headers) head.append(el('th', header));
  const body = node.createTBody();
  for (const cells of rows) {
    const row = body.insertRow();
    for (const cell of cells) {
      const td = row.insertCell();
      if (typeof cell === 'string') td.textContent = markBidiControls(cell);
      else td.append(cell);
    }
  }
  return node;
}

function linkButton(text: string, onClick: () => void, label?: string): HTMLButtonElement {
  const button = el('button', text, 'link');
  button.type = 'button';
  if (label) button.setAttribute('aria-label', label);
  button.addEventListener('click', onClick);
  return button;
}

/** A tool count that opens the Tools tab at that agent's definitions. */
function toolsLink(agent: string, tools: number): HTMLButtonElement | string {
  if (tools === 0) return '0';
  const button = linkButton(number(tools), () => showToolsOf(agent), l10n.t('Show the {0} of {1}', countWith(tools, (n) => l10n.t('{0} tool', n), (n) => l10n.t('{0} tools', n)), agent));
  button.dataset.toolsAgent = agent;
  return button;
}

function showToolsOf(agent: string): void {
  choose('tools');
  const heading = Array.from(document.querySelectorAll<HTMLElement>('#panel-tools h2')).find((node) => node.dataset.agent === agent);
  if (!heading) return;
  heading.scrollIntoView({ block: 'start' });
  heading.focus();
  report();
}

function empty(section: HTMLElement, text: string): void {
  section.append(el('p', text, 'empty'));
}

function renderOverview(section: HTMLElement, d: InsightsData): void {
  section.append(el('h2', l10n.t('Per agent')));
  if (d.agents.length === 0) empty(section, l10n.t('No analyzable exchanges in the capture folder yet.'));
  else
    section.append(
      table(
        [l10n.t('Agent'), l10n.t('Requests'), l10n.t('Distinct system samples'), l10n.t('Median system size (chars)'), l10n.t('Fixed-line share'), l10n.t('Slots'), l10n.t('Tools')],
        d.agents.map((agent) => [
          agent.agent,
          number(agent.requests),
          number(agent.distinctSystems),
          number(agent.medianSystemChars),
          agent.fixedPercent === null ? '—' : `${agent.fixedPercent.toFixed(1)} %`,
          number(agent.slots),
          toolsLink(agent.agent, agent.tools),
        ]),
        l10n.t('Per-agent figures'),
      ),
    );
  if (d.comparison.length > 0) {
    section.append(el('h2', l10n.t('Cross-agent comparison')));
    section.append(
      table(
        [l10n.t('Agent'), l10n.t('System representation'), l10n.t('Median system (chars)'), l10n.t('Distinct systems'), l10n.t('Tools'), l10n.t('Schema key'), l10n.t('Container')],
        d.comparison.map((column) => [
          column.agent,
          column.systemRepresentation,
          number(column.systemMedianChars),
          number(column.distinctSystems),
          toolsLink(column.agent, column.toolCount),
          column.toolSchemaKey,
          column.toolContainer,
        ]),
        l10n.t('Cross-agent comparison'),
      ),
    );
  }
  const families = d.agents.flatMap((agent) => agent.families.map((family) => ({ agent: agent.agent, family })));
  section.append(el('h2', l10n.t('System prompt families')));
  if (families.length === 0) empty(section, l10n.t('No system prompts.'));
  else
    section.append(
      table(
        [l10n.t('Agent'), l10n.t('Family'), l10n.t('First line'), l10n.t('Requests'), l10n.t('Slots'), ''],
        families.map(({ agent, family }) => [
          agent,
          String(family.id),
          family.label,
          number(family.requests),
          number(family.slots),
          linkButton('Skeleton diff', () => vscode.postMessage({ type: 'skeletonDiff', agent, family: family.id }), `Show skeleton diff of ${agent} family ${family.id}`),
        ]),
        l10n.t('System prompt families'),
      ),
    );
}

const SERIES = [
  { key: 'input', label: l10n.t('Input'), className: 's-input' },
  { key: 'output', label: l10n.t('Output'), className: 's-output' },
  { key: 'cacheRead', label: l10n.t('Cache read'), className: 's-read' },
  { key: 'cacheCreation', label: l10n.t('Cache creation'), className: 's-write' },
] as const;

function renderChart(d: InsightsData): Element {
  const wrap = el('figure', undefined, 'chart');
  if (d.buckets.length === 0) {
    wrap.append(el('figcaption', l10n.t('No token usage recorded yet.')));
    return wrap;
  }
  const width = 720;
  const height = 200;
  const pad = 28;
  const max = Math.max(1, ...d.buckets.map((b) => b.input + b.output + b.cacheRead + b.cacheCreation));
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height + pad}`, role: 'img', class: 'bars' });
  chart.setAttribute('aria-label', l10n.t('Tokens per {0} minutes', Math.round(d.bucketMs / 60_000)));
  // Bars stand at their time: quiet stretches stay visible as gaps instead of closing up.
  const start = d.buckets[0].t;
  const slots = Math.max(1, Math.round((d.buckets[d.buckets.length - 1].t - start) / Math.max(1, d.bucketMs)) + 1);
  const step = (width - pad) / slots;
  const barWidth = Math.max(1, step * 0.8);
  chart.append(svg('line', { x1: pad, y1: height, x2: width, y2: height, class: 'axis' }));
  const top = svg('text', { x: 0, y: 10, class: 'tick' });
  top.textContent = number(max);
  chart.append(top);
  for (const bucket of d.buckets) {
    const x = pad + Math.round((bucket.t - start) / Math.max(1, d.bucketMs)) * step;
    let y = height;
    const group = svg('g');
    const title = svg('title');
    title.textContent = `${new Date(bucket.t).toISOString().slice(0, 16).replace('T', ' ')} — ${SERIES.map((s) => `${s.label} ${number(bucket[s.key])}`).join(', ')}`;
    group.append(title);
    for (const series of SERIES) {
      const h = (bucket[series.key] / max) * (height - 12);
      if (h <= 0) continue;
      y -= h;
      group.append(svg('rect', { x, y, width: barWidth, height: h, class: series.className }));
    }
    chart.append(group);
  }
  const firstLabel = svg('text', { x: pad, y: height + 16, class: 'tick' });
  firstLabel.textContent = new Date(start).toISOString().slice(0, 16).replace('T', ' ');
  chart.append(firstLabel);
  if (slots > 1) {
    const lastLabel = svg('text', { x: width, y: height + 16, class: 'tick', 'text-anchor': 'end' });
    lastLabel.textContent = new Date(d.buckets[d.buckets.length - 1].t + d.bucketMs).toISOString().slice(0, 16).replace('T', ' ');
    chart.append(lastLabel);
  }
  wrap.append(chart);
  const legend = el('figcaption', undefined, 'legend');
  for (const series of SERIES) {
    const item = el('span', undefined, 'legend-item');
    const swatch = svg('svg', { width: 10, height: 10, 'aria-hidden': 'true' });
    swatch.append(svg('rect', { width: 10, height: 10, class: series.className }));
    item.append(swatch, document.createTextNode(` ${series.label}`));
    legend.append(item);
  }
  wrap.append(legend);
  return wrap;
}

function renderTokens(section: HTMLElement, d: InsightsData): void {
  section.append(el('h2', l10n.t('By model family')));
  if (d.tokens.length === 0) empty(section, l10n.t('No responses named a model yet.'));
  else
    section.append(
      table(
        [l10n.t('Family'), l10n.t('Models'), l10n.t('Calls'), l10n.t('Input'), l10n.t('Output'), l10n.t('Cache read'), l10n.t('Cache creation'), l10n.t('Cache-hit rate')],
        d.tokens.map((family) => [
          family.family,
          family.models.join(', '),
          number(family.calls),
          number(family.input),
          number(family.output),
          number(family.cacheRead),
          number(family.cacheCreation),
          percent(family.cacheHitRate),
        ]),
        l10n.t('Tokens by model family'),
      ),
    );
  section.append(el('h2', l10n.t('Tokens over time')));
  section.append(renderChart(d));
  section.append(el('h2', l10n.t('Stop reasons')));
  const reasons = Object.entries(d.stopReasons);
  if (reasons.length === 0 && d.stopNone === 0) empty(section, l10n.t('No responses yet.'));
  else {
    const rows = reasons.map(([reason, n]) => [reason, number(n)]);
    if (d.stopNone > 0) rows.push([l10n.t('(none)'), number(d.stopNone)]);
    section.append(table([l10n.t('Stop reason'), l10n.t('Responses')], rows, l10n.t('Stop reasons')));
  }
}

function renderInvocations(container: HTMLElement, agent: string, tool: string): void {
  container.replaceChildren();
  const rows = invocations.get(keyOf(agent, tool));
  if (!rows) {
    container.append(el('p', l10n.t('Loading invocations…'), 'empty'));
    return;
  }
  if (rows.length === 0) {
    container.append(el('p', l10n.t('Never invoked.'), 'empty'));
    return;
  }
  container.append(
    table(
      [l10n.t('Time'), l10n.t('Input'), l10n.t('Exchange')],
      rows.map((row) => [
        row.time?.slice(0, 19).replace('T', ' ') ?? '—',
        el('pre', row.input),
        linkButton(row.exchangeId, () => vscode.postMessage({ type: 'openRequest', id: row.exchangeId }), `Open request ${row.exchangeId}`),
      ]),
      l10n.t('Invocations of {0}', tool),
    ),
  );
}

function renderTools(section: HTMLElement, d: InsightsData): void {
  if (d.tools.length === 0) {
    empty(section, l10n.t('No tool definitions captured yet.'));
    return;
  }
  let agent = '';
  for (const tool of d.tools) {
    if (tool.agent !== agent) {
      agent = tool.agent;
      const heading = el('h2', agent);
      heading.dataset.agent = agent;
      // Focusable by script only: the overview's tool counts move the focus here.
      heading.tabIndex = -1;
      section.append(heading);
    }
    const key = keyOf(tool.agent, tool.name);
    const details = el('details', undefined, 'tool');
    details.dataset.key = key;
    const title = el('summary');
    title.append(el('span', tool.name, 'tool-name'), el('span', ` · ${countWith(tool.calls, (n) => l10n.t('{0} call', n), (n) => l10n.t('{0} calls', n))}`, 'muted'));
    details.append(title);
    const body = el('div', undefined, 'tool-body');
    body.append(el('h3', l10n.t('Definition')), el('pre', tool.schema), el('h3', l10n.t('Invocations')));
    const log = el('div', undefined, 'invocations');
    body.append(log);
    details.append(body);
    const load = (): void => {
      renderInvocations(log, tool.agent, tool.name);
      // Inputs are read from the log only when the entry opens, and again on live updates.
      vscode.postMessage({ type: 'invocations', agent: tool.agent, tool: tool.name });
    };
    if (expanded.has(key)) {
      details.open = true;
      load();
    }
    details.addEventListener('toggle', () => {
      if (details.open === expanded.has(key)) return;
      if (details.open) {
        expanded.add(key);
        load();
      } else expanded.delete(key);
      save();
      report();
    });
    section.append(details);
  }
}

const EDGE_CLASS = { retry: 'e-retry', continuation: 'e-continuation', next: 'e-next' } as const;
const EDGE_NAMES = { retry: l10n.t('retry'), continuation: l10n.t('continuation'), next: l10n.t('next') } as const;

function renderGraph(section: HTMLElement, d: InsightsData): void {
  if (d.sessions.length === 0) {
    empty(section, l10n.t('No sessions yet.'));
    return;
  }
  const label = el('label', l10n.t('Session '));
  const select = el('select');
  select.id = 'session';
  for (const session of d.sessions) {
    const option = el('option', `#${session.id} · ${session.start.slice(0, 19).replace('T', ' ')} · ${exchangesText(session.nodes.length)}`);
    option.value = String(session.id);
    select.append(option);
  }
  const chosen: GraphSession = d.sessions.find((session) => session.id === chosenSession) ?? d.sessions[d.sessions.length - 1];
  select.value = String(chosen.id);
  select.addEventListener('change', () => {
    chosenSession = Number(select.value);
    save();
    renderSection('graph');
    report();
    byId<HTMLSelectElement>('session').focus();
  });
  label.append(select);
  section.append(label);
  const legend = el('p', undefined, 'legend');
  for (const kind of ['next', 'continuation', 'retry'] as const) legend.append(el('span', EDGE_NAMES[kind], `legend-edge ${EDGE_CLASS[kind]}`));
  section.append(legend);
  const rowHeight = 44;
  const lane = 140;
  const width = 760;
  const height = chosen.nodes.length * rowHeight + 10;
  const graph = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'graph' });
  graph.setAttribute('aria-label', l10n.t('Conversation graph of session {0}', chosen.id));
  const yOf = new Map(chosen.nodes.map((node, index) => [node.id, 5 + index * rowHeight + rowHeight / 2]));
  for (const edge of chosen.edges) {
    const y1 = yOf.get(edge.from);
    const y2 = yOf.get(edge.to);
    if (y1 === undefined || y2 === undefined) continue;
    const bend = Math.min(lane - 10, 20 + Math.abs(y2 - y1) / 4);
    const path = svg('path', { d: `M ${lane} ${y1} C ${lane - bend} ${y1}, ${lane - bend} ${y2}, ${lane} ${y2}`, class: `edge ${EDGE_CLASS[edge.kind]}` });
    const title = svg('title');
    title.textContent = EDGE_NAMES[edge.kind];
    path.append(title);
    graph.append(path);
  }
  chosen.nodes.forEach((node, index) => {
    const y = 5 + index * rowHeight;
    // One node in the tab order (the first); ↑ ↓ Home End move along the session, Enter opens.
    const group = svg('g', { class: 'node', tabindex: index === 0 ? 0 : -1, role: 'button' });
    group.setAttribute('aria-label', l10n.t('Open request {0}', node.id));
    group.setAttribute('data-id', node.id);
    group.append(svg('rect', { x: lane, y: y + 4, width: width - lane - 4, height: rowHeight - 8, rx: 4 }));
    const line1 = svg('text', { x: lane + 8, y: y + 19 });
    line1.textContent = markBidiControls(`${node.id} · ${node.model ?? l10n.t('no model')} · ${node.tokens === undefined ? '—' : tokensOf(node.tokens)} · ${node.stopReason ?? '—'}`);
    const line2 = svg('text', { x: lane + 8, y: y + 33, class: 'muted' });
    line2.textContent = markBidiControls(node.tools.length ? l10n.t('tools: {0}', node.tools.join(', ')) : l10n.t('no tools invoked'));
    group.append(line1, line2);
    const open = (): void => vscode.postMessage({ type: 'openRequest', id: node.id });
    group.addEventListener('click', open);
    group.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        open();
      }
    });
    graph.append(group);
  });
  graph.addEventListener('keydown', (event) => {
    const nodes = Array.from(graph.querySelectorAll<SVGGElement>('g.node'));
    const at = nodes.indexOf(event.target as SVGGElement);
    const next = at < 0 ? undefined : { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: nodes.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = nodes[Math.max(0, Math.min(nodes.length - 1, next))];
    for (const node of nodes) node.setAttribute('tabindex', node === target ? '0' : '-1');
    target.focus();
  });
  const scroller = el('div', undefined, 'graph-scroll');
  scroller.append(graph);
  section.append(scroller);
}

function renderCache(section: HTMLElement, d: InsightsData): void {
  renderCacheTab(section, d.cache, {
    el,
    table,
    linkButton,
    openRequest: (id) => vscode.postMessage({ type: 'openRequest', id }),
    skeletonDiff: (agent, family) => vscode.postMessage({ type: 'skeletonDiff', agent, family }),
    chosenConversation,
    chooseConversation: (conversation) => {
      chosenConversation = conversation;
      renderSection('cache');
      report();
    },
  });
}

function showTab(): void {
  for (const name of INSIGHTS_TABS) {
    const button = byId<HTMLButtonElement>(`tab-${name}`);
    const selected = name === tab;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    byId(`panel-${name}`).hidden = !selected;
  }
}

function renderSection(name: InsightsTab): void {
  const section = byId<HTMLElement>(`panel-${name}`);
  section.replaceChildren();
  if (!data) {
    empty(section, l10n.t('Loading…'));
    return;
  }
  if (name === 'overview') renderOverview(section, data);
  else if (name === 'tokens') renderTokens(section, data);
  else if (name === 'cache') renderCache(section, data);
  else if (name === 'tools') renderTools(section, data);
  else renderGraph(section, data);
}

/** Every tab is rebuilt from new figures, so a tab chosen later never shows stale ones. */
function render(): void {
  showTab();
  for (const name of INSIGHTS_TABS) renderSection(name);
  if (data) summary.textContent = `${exchangesText(data.exchanges)} · ${countWith(data.agents.length, (n) => l10n.t('{0} agent', n), (n) => l10n.t('{0} agents', n))}`;
  report();
}

function report(): void {
  if (!data) return;
  const agentRequests: Record<string, number> = {};
  for (const cell of Array.from(document.querySelectorAll<HTMLTableRowElement>('#panel-overview table[aria-label="Per-agent figures"] tbody tr'))) {
    agentRequests[cell.cells[0].textContent ?? ''] = Number((cell.cells[1].textContent ?? '').replace(/\D/g, ''));
  }
  vscode.postMessage({
    type: 'rendered',
    tab,
    agentRequests,
    familyRows: document.querySelectorAll('#panel-tokens table[aria-label="Tokens by model family"] tbody tr').length,
    toolRows: document.querySelectorAll('#panel-tools details.tool').length,
    invocationRows: document.querySelectorAll('#panel-tools .invocations tbody tr').length,
    graphNodes: document.querySelectorAll('#panel-graph .node').length,
    cacheTables: cacheTableRows(byId('panel-cache')),
    ...(document.activeElement instanceof HTMLElement && document.activeElement.matches('#panel-tools h2')
      ? { focusedAgent: document.activeElement.dataset.agent ?? '' }
      : {}),
  });
}

function choose(next: InsightsTab, focus = false): void {
  tab = next;
  save();
  showTab();
  report();
  if (focus) byId(`tab-${next}`).focus();
}

for (const name of INSIGHTS_TABS) {
  const button = byId<HTMLButtonElement>(`tab-${name}`);
  button.title = TABS[name];
  button.addEventListener('click', () => choose(name));
  // Arrow keys move between tabs, as in any tab list.
  button.addEventListener('keydown', (event) => {
    const at = INSIGHTS_TABS.indexOf(name);
    if (event.key === 'ArrowRight') choose(INSIGHTS_TABS[(at + 1) % INSIGHTS_TABS.length], true);
    else if (event.key === 'ArrowLeft') choose(INSIGHTS_TABS[(at + INSIGHTS_TABS.length - 1) % INSIGHTS_TABS.length], true);
    else return;
    event.preventDefault();
  });
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseInsightsToWebview(event.data);
  if (!message) return;
  switch (message.type) {
    case 'data':
      data = message.data;
      render();
      // Open tool entries asked for their invocations again while rebuilding: a new capture may have added some.
      return;
    case 'invocations': {
      invocations.set(keyOf(message.agent, message.tool), message.rows);
      const key = keyOf(message.agent, message.tool);
      for (const details of Array.from(document.querySelectorAll<HTMLDetailsElement>('#panel-tools details.tool'))) {
        if (details.dataset.key !== key) continue;
        const log = details.querySelector<HTMLElement>('.invocations');
        if (log) renderInvocations(log, message.agent, message.tool);
      }
      report();
      return;
    }
    case 'test':
      if (message.tab) choose(message.tab);
      if (message.clickGraphNode !== undefined) {
        choose('graph');
        const node = Array.from(document.querySelectorAll<SVGGElement>('#panel-graph .node')).find((candidate) => candidate.getAttribute('data-id') === message.clickGraphNode);
        node?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      }
      if (message.clickBreak !== undefined) {
        choose('cache');
        Array.from(document.querySelectorAll<HTMLButtonElement>('#panel-cache button[data-break-id]'))
          .find((button) => button.dataset.breakId === message.clickBreak)
          ?.click();
      }
      if (message.followToolsLink !== undefined) {
        const link = Array.from(document.querySelectorAll<HTMLButtonElement>('#panel-overview button[data-tools-agent]')).find(
          (button) => button.dataset.toolsAgent === message.followToolsLink,
        );
        link?.click();
      }
      if (message.expandTool) {
        if (tab !== 'tools') choose('tools');
        const key = keyOf(message.expandTool.agent, message.expandTool.tool);
        for (const details of Array.from(document.querySelectorAll<HTMLDetailsElement>('#panel-tools details.tool'))) {
          if (details.dataset.key === key) details.open = true;
        }
      }
      if (message.probe) {
        setTimeout(() => {
          vscode.postMessage({
            type: 'probe',
            scripts: document.querySelectorAll('script').length,
            pwned: (window as unknown as { __pwned?: unknown }).__pwned !== undefined,
          });
        }, 200);
      }
      return;
  }
});

render();
vscode.postMessage({ type: 'ready' });
