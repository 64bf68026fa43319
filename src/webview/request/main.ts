// The request panel's page. Captured traffic is hostile input: every captured string reaches the DOM through
// textContent (or an attribute-free text node), never through innerHTML or markup strings. Long text goes into
// <pre> and is capped at TEXT_CAP characters with a "Show all" button, so a 1 MB line does not freeze the page;
// collapsed sections are built only when first opened.
import '../l10n';
import * as l10n from '@vscode/l10n';
import { markBidiControls } from '../../shared/bidiText';
import type { ExchangeSummary } from '../../core/logIndex/indexModel';
import type { CaptureRecord, RequestRecord, ResponseRecord } from '../../core/records';
import { parseToWebview, type ExchangeView, type FromWebview, type RequestPanelState } from '../protocol';
import { explainSections } from './explainSection';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  setState(state: RequestPanelState): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') ?? document.body;
const TEXT_CAP = 200_000;
/** Messages shown open when a request has this many or fewer; otherwise only the last few are open. */
const OPEN_ALL_MESSAGES = 20;
const OPEN_LAST_MESSAGES = 4;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// --- DOM helpers (text only) ------------------------------------------------------------------------------

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  // Captured text shows its bidi controls and zero-width characters as markers (shared/bidiText).
  if (text !== undefined) node.textContent = markBidiControls(text);
  return node;
}

/** Text in a <pre>, capped with a button that shows the rest. */
function textBlock(text: string, className = 'text'): HTMLElement {
  const wrap = el('div', 'text-wrap');
  const pre = el('pre', className);
  wrap.append(pre);
  if (text.length <= TEXT_CAP) {
    pre.textContent = markBidiControls(text);
    return wrap;
  }
  pre.textContent = markBidiControls(text.slice(0, TEXT_CAP));
  const more = el('button', 'show-all', l10n.t('Show all ({0} characters, {1} hidden)', text.length.toLocaleString(), (text.length - TEXT_CAP).toLocaleString()));
  more.type = 'button';
  more.addEventListener('click', () => {
    pre.textContent = markBidiControls(text);
    more.remove();
  });
  wrap.append(more);
  return wrap;
}

function jsonText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

function jsonBlock(value: unknown): HTMLElement {
  return textBlock(jsonText(value), 'json');
}

/** A <details> whose body is built the first time it opens (or now, when it starts open). */
function section(title: string, build: () => Node[], options: { open?: boolean; count?: number; className?: string } = {}): HTMLDetailsElement {
  const details = el('details', options.className ?? 'section');
  const summary = el('summary');
  summary.append(el('span', 'title', title));
  if (options.count !== undefined) summary.append(el('span', 'count', String(options.count)));
  details.append(summary);
  let built = false;
  const fill = (): void => {
    if (built) return;
    built = true;
    const body = el('div', 'body');
    body.append(...build());
    details.append(body);
  };
  details.addEventListener('toggle', () => {
    if (details.open) fill();
  });
  if (options.open) {
    details.open = true;
    fill();
  }
  return details;
}

function keyValues(rows: Array<[string, string | undefined]>): HTMLElement {
  const list = el('dl', 'kv');
  for (const [key, value] of rows) {
    if (value === undefined || value === '') continue;
    list.append(el('dt', undefined, key), el('dd', undefined, value));
  }
  return list;
}

function note(text: string, className = 'note'): HTMLElement {
  return el('p', className, text);
}

// --- formatting ---------------------------------------------------------------------------------------------

function str(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : jsonText(value);
}

function ms(value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

function time(value: number | undefined): string | undefined {
  return value === undefined ? undefined : new Date(value).toLocaleString();
}

function usageText(summary: ExchangeSummary): string | undefined {
  const usage = summary.usage;
  if (!usage) return undefined;
  return l10n.t('in {0} · out {1} · cache read {2} · cache write {3}', usage.input.toLocaleString(), usage.output.toLocaleString(), usage.cacheRead.toLocaleString(), usage.cacheCreation.toLocaleString());
}

function statusText(summary: ExchangeSummary): string {
  if (summary.pending) return l10n.t('pending');
  const parts = [summary.status !== undefined ? String(summary.status) : l10n.t('no status')];
  if (summary.partial) parts.push(l10n.t('partial'));
  if (summary.error) parts.push(l10n.t('error: {0}', summary.error));
  return parts.join(' · ');
}

// --- sections ------------------------------------------------------------------------------------------------

function header(view: ExchangeView): HTMLElement {
  const { summary } = view;
  const head = el('header', 'header');
  head.append(el('h1', undefined, `${summary.method} ${summary.path}`));
  head.append(
    keyValues([
      [l10n.t('Agent'), summary.agent],
      [l10n.t('Wire'), String(summary.wire)],
      [l10n.t('Time'), time(summary.requestTime ?? summary.responseTime)],
      [l10n.t('Status'), statusText(summary)],
      [l10n.t('Model'), summary.model],
      [l10n.t('Usage'), usageText(summary)],
      [l10n.t('Stop reason'), summary.stopReason],
      [l10n.t('TTFB'), ms(summary.ttfbMs)],
      [l10n.t('Duration'), ms(summary.durationMs ?? summary.rttMs)],
      [l10n.t('Request bytes'), summary.requestBytes?.toLocaleString()],
      [l10n.t('Response bytes'), summary.responseBytes?.toLocaleString()],
      [l10n.t('ID'), summary.id],
    ]),
  );
  const actions = el('div', 'actions');
  for (const record of ['request', 'response'] as const) {
    if (!summary[record]) continue;
    const button = el('button', undefined, record === 'request' ? l10n.t('Open request in log') : l10n.t('Open response in log'));
    button.type = 'button';
    button.addEventListener('click', () => vscode.postMessage({ type: 'openLog', id: summary.id, record }));
    actions.append(button);
  }
  head.append(actions);
  if (summary.requestTruncated) head.append(note(l10n.t('The log copy of this request body hit its cap or could not be decoded.'), 'warning'));
  return head;
}

function asRequest(record: CaptureRecord | undefined): RequestRecord | undefined {
  return record && record.kind === 'request' ? record : undefined;
}

function asResponse(record: CaptureRecord | undefined): ResponseRecord | undefined {
  return record && record.kind === 'response' ? record : undefined;
}

/** system, tools and messages: the record's extract, else the body's own fields. */
function extracted(request: RequestRecord): { system: unknown; tools: unknown; messages: unknown } {
  if (request.extract) return request.extract;
  const body = isObject(request.request) ? request.request : {};
  return { system: body.system ?? body.instructions, tools: body.tools, messages: body.messages ?? body.input };
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A text-like item of any wire: `text`, `content` string, or the value itself when it is a string. */
function itemText(item: unknown): string | undefined {
  if (typeof item === 'string') return item;
  if (!isObject(item)) return undefined;
  if (typeof item.text === 'string') return item.text;
  if (typeof item.content === 'string') return item.content;
  return undefined;
}

function contentBlock(block: unknown): HTMLElement {
  const box = el('div', 'block');
  if (typeof block === 'string') {
    box.append(textBlock(block));
    return box;
  }
  if (!isObject(block)) {
    box.append(jsonBlock(block));
    return box;
  }
  const type = typeof block.type === 'string' ? block.type : 'item';
  const label = el('div', 'block-type', type);
  box.append(label);
  switch (type) {
    case 'text':
    case 'input_text':
    case 'output_text':
    case 'summary_text':
    case 'instructions':
      box.append(textBlock(typeof block.text === 'string' ? block.text : jsonText(block.text)));
      break;
    case 'thinking':
      box.append(textBlock(typeof block.thinking === 'string' ? block.thinking : jsonText(block)));
      break;
    case 'tool_use':
    case 'server_tool_use':
      label.textContent = markBidiControls(`${type} · ${str(block.name) ?? '?'}${block.id ? ` · ${str(block.id)}` : ''}`);
      box.append(jsonBlock(block.input));
      break;
    case 'tool_result':
      label.textContent = markBidiControls(`tool_result${block.tool_use_id ? ` · ${str(block.tool_use_id)}` : ''}${block.is_error ? ` · ${l10n.t('error')}` : ''}`);
      for (const inner of list(block.content)) box.append(contentBlock(inner));
      break;
    case 'function_call':
    case 'custom_tool_call':
      label.textContent = markBidiControls(`${type} · ${str(block.name) ?? '?'}${block.call_id ? ` · ${str(block.call_id)}` : ''}`);
      box.append(jsonBlock(parseMaybeJson(block.arguments ?? block.input)));
      break;
    case 'function_call_output':
    case 'custom_tool_call_output':
      label.textContent = markBidiControls(`${type}${block.call_id ? ` · ${str(block.call_id)}` : ''}`);
      box.append(typeof block.output === 'string' ? textBlock(block.output) : jsonBlock(block.output));
      break;
    case 'message':
      box.append(message(block, 0, true));
      break;
    default: {
      const text = itemText(block);
      if (text !== undefined && Object.keys(block).length <= 3) box.append(textBlock(text));
      else box.append(jsonBlock(block));
    }
  }
  return box;
}

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** One message (Claude / chat) or input item (Responses): role and its content blocks. */
function message(item: unknown, position: number, open: boolean): HTMLElement {
  if (!isObject(item)) return section(`#${position + 1}`, () => [contentBlock(item)], { open, className: 'message' });
  const role = str(item.role) ?? str(item.type) ?? 'item';
  const isMessage = item.role !== undefined;
  const blocks = isMessage ? list(item.content) : [item];
  const extra: Node[] = [];
  if (isMessage && Array.isArray(item.tool_calls)) {
    for (const call of item.tool_calls) {
      const fn = isObject(call) && isObject(call.function) ? call.function : undefined;
      const box = el('div', 'block');
      box.append(el('div', 'block-type', `tool_call · ${str(fn?.name) ?? '?'}${isObject(call) && call.id ? ` · ${str(call.id)}` : ''}`));
      box.append(jsonBlock(parseMaybeJson(fn?.arguments ?? call)));
      extra.push(box);
    }
  }
  const kinds = blocks.map((block) => (isObject(block) && typeof block.type === 'string' ? block.type : typeof block === 'string' ? 'text' : 'item'));
  const title = `#${position + 1} ${role}${kinds.length > 0 ? ` · ${kinds.join(', ')}` : ''}`;
  return section(title, () => [...blocks.map(contentBlock), ...extra], { open, className: `message role-${role.replace(/[^\w-]/g, '')}` });
}

function systemSection(system: unknown): HTMLElement {
  const items = list(system);
  return section(
    l10n.t('System'),
    () => (items.length === 0 ? [note(l10n.t('No system prompt.'))] : items.map((item, position) => systemItem(item, position))),
    { count: items.length },
  );
}

function systemItem(item: unknown, position: number): HTMLElement {
  if (isObject(item) && item.role !== undefined) return message(item, position, true);
  return contentBlock(item);
}

function toolsSection(tools: unknown): HTMLElement {
  const items = list(tools);
  return section(
    l10n.t('Tools'),
    () =>
      items.length === 0
        ? [note(l10n.t('No tools.'))]
        : items.map((tool) => {
            const record = isObject(tool) ? tool : {};
            const fn = isObject(record.function) ? record.function : undefined;
            const name = str(record.name) ?? str(fn?.name) ?? str(record.type) ?? '?';
            const qualified = typeof record.namespace === 'string' ? `${record.namespace}.${name}` : name;
            const description = str(record.description) ?? str(fn?.description);
            const schema = record.input_schema ?? record.parameters ?? fn?.parameters ?? record.format;
            return section(qualified, () => {
              const nodes: Node[] = [];
              if (description) nodes.push(textBlock(description));
              nodes.push(schema !== undefined ? jsonBlock(schema) : jsonBlock(tool));
              return nodes;
            }, { className: 'tool' });
          }),
    { count: items.length },
  );
}

function messagesSection(messages: unknown): HTMLElement {
  const items = list(messages);
  const firstOpen = items.length <= OPEN_ALL_MESSAGES ? 0 : items.length - OPEN_LAST_MESSAGES;
  return section(
    l10n.t('Messages'),
    () => (items.length === 0 ? [note(l10n.t('No messages.'))] : items.map((item, position) => message(item, position, position >= firstOpen))),
    { open: true, count: items.length },
  );
}

function responseSection(view: ExchangeView): HTMLElement {
  const response = asResponse(view.response);
  return section(
    l10n.t('Response'),
    () => {
      if (!response) return [note(view.summary.pending ? l10n.t('No response logged yet (still streaming, or the writer stopped).') : l10n.t('No response record.'))];
      const nodes: Node[] = [];
      const rebuilt = isObject(response.reconstructed) ? response.reconstructed : undefined;
      const stop = rebuilt ? str(rebuilt.stop_reason ?? rebuilt.status ?? rebuilt.finish_reason) : undefined;
      nodes.push(
        keyValues([
          [l10n.t('Status'), String(response.status)],
          [l10n.t('Streamed'), response.stream === undefined ? undefined : response.stream ? l10n.t('yes') : l10n.t('no')],
          [l10n.t('Stop reason'), stop ?? view.summary.stopReason],
          [l10n.t('Events'), response.event_count?.toLocaleString()],
          [l10n.t('Error'), str(response.error ?? rebuilt?.error)],
          [l10n.t('Note'), response.note],
          [l10n.t('Partial'), response.partial ? l10n.t('yes: the stream ended early') : undefined],
          [l10n.t('Truncated'), response.truncated ? l10n.t('yes') : undefined],
        ]),
      );
      if (rebuilt) {
        if (typeof rebuilt.thinking === 'string' && rebuilt.thinking !== '') {
          nodes.push(el('h3', undefined, l10n.t('Thinking')), textBlock(rebuilt.thinking));
        }
        nodes.push(el('h3', undefined, l10n.t('Text')));
        nodes.push(typeof rebuilt.text === 'string' && rebuilt.text !== '' ? textBlock(rebuilt.text) : note(l10n.t('No text.')));
        const uses = list(rebuilt.tool_uses);
        if (uses.length > 0) {
          nodes.push(el('h3', undefined, l10n.t('Tool uses ({0})', uses.length)));
          for (const use of uses) {
            const record = isObject(use) ? use : {};
            const box = el('div', 'block');
            box.append(el('div', 'block-type', `${str(record.name) ?? '?'}${record.id ?? record.call_id ? ` · ${str(record.id ?? record.call_id)}` : ''}`));
            box.append(jsonBlock(record.input));
            nodes.push(box);
          }
        }
        if (rebuilt.usage !== undefined) nodes.push(el('h3', undefined, l10n.t('Usage')), jsonBlock(rebuilt.usage));
      } else if (response.body !== undefined) {
        nodes.push(el('h3', undefined, l10n.t('Body')), jsonBlock(response.body));
      }
      if (response.event_types && Object.keys(response.event_types).length > 0) {
        nodes.push(el('h3', undefined, l10n.t('Event types')));
        nodes.push(keyValues(Object.entries(response.event_types).map(([type, count]) => [type, String(count)])));
      }
      return nodes;
    },
    { open: true },
  );
}

function headersSection(request: RequestRecord | undefined): HTMLElement {
  const headers = request && isObject(request.headers_kept) ? request.headers_kept : {};
  const entries = Object.entries(headers);
  return section(
    l10n.t('Kept headers'),
    () => (entries.length === 0 ? [note(l10n.t('No headers kept.'))] : [keyValues(entries.map(([name, value]) => [name, str(value) ?? '']))]),
    { count: entries.length },
  );
}

/** Kind, where and the placeholder of each secret the recorder found; open, since it is what the user must see. */
function secretsSection(view: ExchangeView): HTMLElement | undefined {
  const secrets = view.secrets ?? [];
  const flagged = view.summary.secrets;
  if (!secrets.length && !flagged?.found.length) return undefined;
  return section(
    l10n.t('Secrets'),
    () => [
      note(
        flagged?.masked
          ? l10n.t('Masked in the log: it holds the placeholders below; the upstream received the values.')
          : l10n.t('Flagged: the log holds these values. Set agentInterlude.redact to "mask" to keep them out of new captures; exports mask them.'),
      ),
      ...secrets.map((secret) => keyValues([[l10n.t('Kind'), secret.kind], [l10n.t('Where'), secret.where], [l10n.t('Masked'), secret.masked]])),
    ],
    { open: true, count: secrets.length || flagged?.found.length, className: 'section secrets' },
  );
}

function rawSection(view: ExchangeView): HTMLElement {
  return section(l10n.t('Raw JSON'), () => {
    const nodes: Node[] = [];
    for (const [name, record] of [[l10n.t('Request record'), view.request], [l10n.t('Response record'), view.response]] as const) {
      if (record === undefined) continue;
      nodes.push(section(name, () => [jsonBlock(record)], { className: 'raw' }));
    }
    return nodes.length > 0 ? nodes : [note(l10n.t('No records.'))];
  });
}

// --- rendering -----------------------------------------------------------------------------------------------

/** The exchange on the page now: shown again (it finished streaming), it keeps the reader's place. */
let shownId: string | undefined;

/** A section's place: the titles of it and of the sections around it, and its rank among same-named siblings. */
function sectionKey(details: HTMLDetailsElement): string {
  const parts: string[] = [];
  for (let node: HTMLDetailsElement | null = details; node; node = node.parentElement?.closest('details') ?? null) {
    const title = node.querySelector(':scope > summary .title')?.textContent ?? '';
    parts.unshift(title);
  }
  return parts.join(' › ');
}

function openSections(): Map<string, boolean> {
  const state = new Map<string, boolean>();
  for (const details of Array.from(root.querySelectorAll('details'))) state.set(sectionKey(details), details.open);
  return state;
}

/** Opens and closes sections as they were; opening one builds its body (and the sections inside), so repeat. */
function restoreSections(state: Map<string, boolean>): void {
  const seen = new Set<HTMLDetailsElement>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const details of Array.from(root.querySelectorAll('details'))) {
      if (seen.has(details)) continue;
      seen.add(details);
      const open = state.get(sectionKey(details));
      if (open === undefined || open === details.open) continue;
      details.open = open;
      // The toggle event comes later; the body (and the sections in it) must exist now.
      details.dispatchEvent(new Event('toggle'));
      changed = true;
    }
  }
}

function show(view: ExchangeView): void {
  const again = shownId === view.summary.id;
  const sections = again ? openSections() : undefined;
  const scrollY = window.scrollY;
  shownId = view.summary.id;
  const request = asRequest(view.request);
  const explained = explainSections(view, { section, openSegment: (id) => vscode.postMessage({ type: 'openSegment', id }) });
  const nodes: Node[] = [header(view)];
  const secrets = secretsSection(view);
  if (secrets) nodes.push(secrets);
  nodes.push(...explained.nodes);
  if (request) {
    const { system, tools, messages } = view.extract ?? extracted(request);
    nodes.push(systemSection(system), toolsSection(tools), messagesSection(messages));
  } else {
    nodes.push(note(l10n.t('No request record for this exchange.')));
  }
  nodes.push(responseSection(view), headersSection(request), rawSection(view));
  root.replaceChildren(...nodes);
  if (sections) restoreSections(sections);
  window.scrollTo(0, again ? scrollY : 0);
  vscode.setState({ id: view.summary.id });
  vscode.postMessage({ type: 'rendered', ...explained.rendered });
}

function showMissing(id: string, reason: string): void {
  shownId = undefined;
  root.replaceChildren(el('h1', undefined, l10n.t('Request {0}', id)), note(reason, 'warning'));
  vscode.setState({ id });
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseToWebview(event.data);
  if (!message) return;
  switch (message.type) {
    case 'show':
      show(message.exchange);
      return;
    case 'missing':
      showMissing(message.id, message.reason);
      return;
    case 'test':
      if (message.clickSegment) root.querySelector<HTMLButtonElement>('[data-segment-link]')?.click();
      return;
  }
});

vscode.postMessage({ type: 'ready' });
