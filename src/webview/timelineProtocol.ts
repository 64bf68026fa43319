// Messages between the extension host and the timeline panel's page. Types and plain validators only: the page
// bundle imports this file, so it must never import `vscode` or host code.
import type { EdgeKind } from '../core/analysis/conversations';

/** One exchange as a compact row: all the page keeps per exchange, so thousands stay cheap. */
export interface TimelineRow {
  id: string;
  /** Request time, epoch ms. */
  t: number;
  agent: string;
  method: string;
  path: string;
  status?: number;
  pending: boolean;
  error?: boolean;
  model?: string;
  /** Input + output tokens. */
  tokens?: number;
  rtt?: number;
  session: number;
  /** How this exchange relates to the one before it in its thread. */
  edge?: EdgeKind;
  /** Part of a run of identical resends. */
  repeat: boolean;
  /** Tools the response invoked, by name (the "tool invoked" filter). */
  tools?: string[];
  /** Distinct secrets the recorder found in the exchange (badge). */
  secrets?: number;
  /** The request broke its conversation's prompt cache: the cause and what it cost, in one line. */
  cacheBreak?: string;
}

export interface TimelineSnippet {
  source: string;
  before: string;
  match: string;
  after: string;
}

export type TimelineHalf = 'request' | 'response';

/** What an expanded half shows: labelled lines of plain text (the page renders each with textContent). */
export interface DetailSection {
  title: string;
  lines: string[];
}

export interface TimelineDetail {
  id: string;
  half: TimelineHalf;
  sections: DetailSection[];
}

export type TimelineToWebview =
  /**
   * The whole row list (first load, a new session gap, or the index was rebuilt). `partial`: only the first
   * screens of it, sent ahead of the rest on a page's first load so it draws before the whole list has crossed;
   * the whole list follows in the next `rows` message.
   */
  | { type: 'rows'; rows: PackedRows; gapSeconds: number; sessions: number; partial?: boolean }
  /** Rows appended by new captures, and rows that changed (a response arrived). */
  | { type: 'append'; rows: TimelineRow[]; updated: TimelineRow[]; sessions: number }
  /**
   * Search results as the scan finds them: `ids` and `snippets` are new since the previous message of the same
   * query (the first one of a query starts the list afresh); `matched` counts every exchange found so far,
   * `done` ends the query.
   */
  | { type: 'searchHits'; query: string; ids: string[]; snippets: Record<string, TimelineSnippet[]>; matched: number; done: boolean; truncated: boolean; first: boolean }
  | { type: 'detail'; detail: TimelineDetail }
  /** Tests: act as the user would. */
  | { type: 'test'; search?: string; expand?: { id: string; half: TimelineHalf }; filter?: TimelineFilter; probe?: boolean; sweep?: number; scroll?: number };

/** Spread of a measured series, in milliseconds. */
export interface Spread {
  p50: number;
  p95: number;
  max: number;
}

/** A scroll through the whole list, one step per animation frame (the benchmark asks for it). */
export interface SweepFigures {
  steps: number;
  /** Time between animation frames while scrolling two rows a frame: ~16.7 ms is smooth. */
  frameMs: Spread;
  /** The same while every frame jumps elsewhere in the list (dragging the scrollbar). */
  jumpFrameMs: Spread;
  /** The same, over as many frames with nothing to do just before: what this browser manages at best. */
  idleFrameMs: Spread;
  /** Time to redraw the rows in view after each step. */
  renderMs: Spread;
  /** Most elements in the page's document at any step. */
  maxElements: number;
  /** The page's used JS heap before and after, when the browser reports it (Chromium's performance.memory). */
  heapBefore?: number;
  heapAfter?: number;
}

/** The list filters besides text search; a test sets them as a user would in the toolbar. */
export interface TimelineFilter {
  agent?: string;
  tool?: string;
  /** Request time range, epoch ms, both ends inclusive; null clears that end. */
  from?: number | null;
  to?: number | null;
  repeatsOnly?: boolean;
}

export type TimelineFromWebview =
  | { type: 'ready' }
  /** Drawn row elements, drawn expanded halves, and rows passing the filters. */
  | { type: 'rendered'; count: number; expanded: number; shown: number }
  | { type: 'search'; query: string }
  | { type: 'expand'; id: string; half: TimelineHalf }
  | { type: 'openRequest'; id: string }
  | { type: 'setGap'; seconds: number }
  | ({ type: 'sweep' } & SweepFigures)
  /** The row list arrived and was laid out and drawn in `ms` (the benchmark splits the first paint with it). */
  | { type: 'drawn'; rows: number; ms: number }
  /** Tests: what the page sees of itself. */
  | {
      type: 'probe';
      scripts: number;
      pwned: boolean;
      highlights: number;
      detailsShown: number;
      state: TimelineState;
      focused?: string;
      /** Text nodes in the page still holding a bidi control or zero-width character (should be none). */
      bidiControls: number;
      /** Captured-text elements showing a bidi marker (shared/bidiText), and whether each is isolated. */
      bidiMarked: number;
      bidiIsolated: boolean;
      secretBadges?: string[];
      /** The cache-break marks drawn: their row and the cause they say (tooltip and accessible name). */
      breakMarks?: Array<{ id: string; label: string }>;
      /** The summary line above the list (counts, the search's matches). */
      summary?: string;
      /** The last batches of hits received and applied, with the query searched when each came; ms: the page's time taking in the current query's batches. */
      searchTrace?: { received: SearchTraceEntry[]; applied: SearchTraceEntry[]; ms?: number };
    };

export interface SearchTraceEntry {
  query: string;
  current: string;
}

/** What the page keeps with vscode.setState (and the serializer hands back after a reload). */
export interface TimelineState {
  agent?: string;
  tool?: string;
  /** Time range, epoch ms. */
  from?: number;
  to?: number;
  query?: string;
  repeatsOnly?: boolean;
  gapSeconds?: number;
  scrollTop?: number;
  expanded?: string[];
}

export const TIMELINE_VIEW_TYPE = 'agentInterlude.timeline';

/**
 * The whole row list as the page gets it on open: ids, a table of the strings rows share (agents, methods,
 * paths, models, tool lists), and per row ROW_CELLS numbers. Thousands of small objects were the biggest part
 * of the first paint (~180 ms for 7 611 rows carried from the host to the page); numbers and a few strings
 * carry in a fraction of that.
 */
export interface PackedRows {
  ids: string[];
  strings: string[];
  /** Per row: t, agent, method, path, status, flags, model, tokens, rtt, session, edge, tools, secrets, cache break (-1: none). */
  cells: number[];
}

const ROW_CELLS = 14;
const EDGES: readonly EdgeKind[] = ['retry', 'continuation', 'next'];
const PENDING = 1;
const ERROR = 2;
const REPEAT = 4;

export function packRows(rows: readonly TimelineRow[]): PackedRows {
  const strings: string[] = [];
  const at = new Map<string, number>();
  const ref = (text: string | undefined): number => {
    if (text === undefined) return -1;
    let index = at.get(text);
    if (index === undefined) {
      index = strings.push(text) - 1;
      at.set(text, index);
    }
    return index;
  };
  const cells = new Array<number>(rows.length * ROW_CELLS);
  let cell = 0;
  for (const row of rows) {
    cells[cell++] = row.t;
    cells[cell++] = ref(row.agent);
    cells[cell++] = ref(row.method);
    cells[cell++] = ref(row.path);
    cells[cell++] = row.status ?? -1;
    cells[cell++] = (row.pending ? PENDING : 0) | (row.error ? ERROR : 0) | (row.repeat ? REPEAT : 0);
    cells[cell++] = ref(row.model);
    cells[cell++] = row.tokens ?? -1;
    cells[cell++] = row.rtt ?? -1;
    cells[cell++] = row.session;
    cells[cell++] = row.edge === undefined ? -1 : EDGES.indexOf(row.edge);
    // Tool names never hold a newline (they are identifiers), so one string per distinct list.
    cells[cell++] = row.tools ? ref(row.tools.join('\n')) : -1;
    cells[cell++] = row.secrets ?? -1;
    cells[cell++] = ref(row.cacheBreak);
  }
  return { ids: rows.map((row) => row.id), strings, cells };
}

export function unpackRows(packed: PackedRows): TimelineRow[] {
  const { ids, strings, cells } = packed;
  const text = (index: number): string | undefined => (index >= 0 ? strings[index] : undefined);
  const rows: TimelineRow[] = new Array(ids.length);
  for (let index = 0, cell = 0; index < ids.length; index++, cell += ROW_CELLS) {
    const flags = cells[cell + 5];
    const row: TimelineRow = {
      id: ids[index],
      t: cells[cell],
      agent: text(cells[cell + 1]) ?? '',
      method: text(cells[cell + 2]) ?? '',
      path: text(cells[cell + 3]) ?? '',
      pending: (flags & PENDING) !== 0,
      session: cells[cell + 9],
      repeat: (flags & REPEAT) !== 0,
    };
    if (cells[cell + 4] >= 0) row.status = cells[cell + 4];
    if ((flags & ERROR) !== 0) row.error = true;
    const model = text(cells[cell + 6]);
    if (model !== undefined) row.model = model;
    if (cells[cell + 7] >= 0) row.tokens = cells[cell + 7];
    if (cells[cell + 8] >= 0) row.rtt = cells[cell + 8];
    if (cells[cell + 10] >= 0) row.edge = EDGES[cells[cell + 10]];
    const tools = text(cells[cell + 11]);
    if (tools !== undefined) row.tools = tools.split('\n');
    if (cells[cell + 12] >= 0) row.secrets = cells[cell + 12];
    const cacheBreak = text(cells[cell + 13]);
    if (cacheBreak !== undefined) row.cacheBreak = cacheBreak;
    rows[index] = row;
  }
  return rows;
}

function isPackedRows(value: unknown): value is PackedRows {
  return (
    isObject(value) &&
    Array.isArray(value.ids) &&
    Array.isArray(value.strings) &&
    Array.isArray(value.cells) &&
    value.cells.length === value.ids.length * ROW_CELLS &&
    value.ids.every((id) => typeof id === 'string') &&
    value.strings.every((text) => typeof text === 'string') &&
    value.cells.every((cell) => typeof cell === 'number')
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHalf(value: unknown): value is TimelineHalf {
  return value === 'request' || value === 'response';
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function parseTimelineFromWebview(value: unknown): TimelineFromWebview | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'ready':
      return { type: 'ready' };
    case 'rendered': {
      const rendered = count(value.count);
      const expanded = count(value.expanded) ?? 0;
      const shown = count(value.shown) ?? 0;
      return rendered === undefined ? undefined : { type: 'rendered', count: rendered, expanded, shown };
    }
    case 'search':
      return typeof value.query === 'string' ? { type: 'search', query: value.query.slice(0, 1000) } : undefined;
    case 'expand':
      return typeof value.id === 'string' && isHalf(value.half) ? { type: 'expand', id: value.id, half: value.half } : undefined;
    case 'openRequest':
      return typeof value.id === 'string' ? { type: 'openRequest', id: value.id } : undefined;
    case 'setGap': {
      const seconds = count(value.seconds);
      return seconds === undefined ? undefined : { type: 'setGap', seconds };
    }
    case 'drawn': {
      const rows = count(value.rows);
      const ms = count(value.ms);
      return rows === undefined || ms === undefined ? undefined : { type: 'drawn', rows, ms };
    }
    case 'sweep':
      return isSpread(value.frameMs) && isSpread(value.jumpFrameMs) && isSpread(value.idleFrameMs) && isSpread(value.renderMs)
        ? {
            type: 'sweep',
            steps: count(value.steps) ?? 0,
            frameMs: value.frameMs,
            idleFrameMs: value.idleFrameMs,
            jumpFrameMs: value.jumpFrameMs,
            renderMs: value.renderMs,
            maxElements: count(value.maxElements) ?? 0,
            ...(count(value.heapBefore) !== undefined ? { heapBefore: value.heapBefore as number } : {}),
            ...(count(value.heapAfter) !== undefined ? { heapAfter: value.heapAfter as number } : {}),
          }
        : undefined;
    case 'probe':
      return {
        type: 'probe',
        scripts: count(value.scripts) ?? -1,
        pwned: value.pwned === true,
        highlights: count(value.highlights) ?? 0,
        detailsShown: count(value.detailsShown) ?? 0,
        state: parseTimelineState(value.state),
        bidiControls: count(value.bidiControls) ?? -1,
        bidiMarked: count(value.bidiMarked) ?? 0,
        bidiIsolated: value.bidiIsolated === true,
        ...(typeof value.focused === 'string' ? { focused: value.focused.slice(0, 200) } : {}),
        ...(typeof value.summary === 'string' ? { summary: value.summary.slice(0, 1000) } : {}),
        ...(isObject(value.searchTrace) ? { searchTrace: { received: traceEntries(value.searchTrace.received), applied: traceEntries(value.searchTrace.applied), ...(typeof value.searchTrace.ms === 'number' && Number.isFinite(value.searchTrace.ms) ? { ms: Math.round(value.searchTrace.ms) } : {}) } } : {}),
        ...(Array.isArray(value.secretBadges) ? { secretBadges: value.secretBadges.filter((badge): badge is string => typeof badge === 'string').slice(0, 100) } : {}),
        ...(Array.isArray(value.breakMarks)
          ? {
              breakMarks: value.breakMarks
                .filter((mark): mark is { id: string; label: string } => isObject(mark) && typeof mark.id === 'string' && typeof mark.label === 'string')
                .slice(0, 500)
                .map((mark) => ({ id: mark.id, label: mark.label.slice(0, 1000) })),
            }
          : {}),
      };
    default:
      return undefined;
  }
}

function traceEntries(value: unknown): SearchTraceEntry[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((entry): entry is SearchTraceEntry => isObject(entry) && typeof entry.query === 'string' && typeof entry.current === 'string')
    .slice(-200)
    .map((entry) => ({ query: entry.query.slice(0, 500), current: entry.current.slice(0, 500) }));
}

export function parseTimelineToWebview(value: unknown): TimelineToWebview | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'rows':
      return isPackedRows(value.rows) && typeof value.gapSeconds === 'number'
        ? { type: 'rows', rows: value.rows, gapSeconds: value.gapSeconds, sessions: Number(value.sessions) || 0, ...(value.partial === true ? { partial: true } : {}) }
        : undefined;
    case 'append':
      return Array.isArray(value.rows) && Array.isArray(value.updated)
        ? { type: 'append', rows: value.rows as TimelineRow[], updated: value.updated as TimelineRow[], sessions: Number(value.sessions) || 0 }
        : undefined;
    case 'searchHits':
      return typeof value.query === 'string' && Array.isArray(value.ids) && isObject(value.snippets)
        ? {
            type: 'searchHits',
            query: value.query,
            ids: value.ids.filter((id): id is string => typeof id === 'string'),
            snippets: value.snippets as Record<string, TimelineSnippet[]>,
            matched: count(value.matched) ?? 0,
            done: value.done === true,
            truncated: value.truncated === true,
            first: value.first === true,
          }
        : undefined;
    case 'detail':
      return isObject(value.detail) && typeof value.detail.id === 'string' && isHalf(value.detail.half) && Array.isArray(value.detail.sections)
        ? { type: 'detail', detail: value.detail as unknown as TimelineDetail }
        : undefined;
    case 'test': {
      const message: TimelineToWebview = { type: 'test' };
      if (typeof value.search === 'string') message.search = value.search;
      if (isObject(value.expand) && typeof value.expand.id === 'string' && isHalf(value.expand.half)) {
        message.expand = { id: value.expand.id, half: value.expand.half };
      }
      const filter = parseTimelineFilter(value.filter);
      if (filter) message.filter = filter;
      if (value.probe === true) message.probe = true;
      const scroll = count(value.scroll);
      if (scroll !== undefined) message.scroll = scroll;
      const sweep = count(value.sweep);
      if (sweep !== undefined) message.sweep = Math.min(10_000, Math.floor(sweep));
      return message;
    }
    default:
      return undefined;
  }
}

function isSpread(value: unknown): value is Spread {
  return isObject(value) && count(value.p50) !== undefined && count(value.p95) !== undefined && count(value.max) !== undefined;
}

function parseTimelineFilter(value: unknown): TimelineFilter | undefined {
  if (!isObject(value)) return undefined;
  const filter: TimelineFilter = {};
  if (typeof value.agent === 'string') filter.agent = value.agent;
  if (typeof value.tool === 'string') filter.tool = value.tool;
  if (value.from === null || count(value.from) !== undefined) filter.from = value.from as number | null;
  if (value.to === null || count(value.to) !== undefined) filter.to = value.to as number | null;
  if (typeof value.repeatsOnly === 'boolean') filter.repeatsOnly = value.repeatsOnly;
  return filter;
}

export function parseTimelineState(value: unknown): TimelineState {
  if (!isObject(value)) return {};
  const state: TimelineState = {};
  if (typeof value.agent === 'string') state.agent = value.agent;
  if (typeof value.tool === 'string') state.tool = value.tool;
  const from = count(value.from);
  if (from !== undefined) state.from = from;
  const to = count(value.to);
  if (to !== undefined) state.to = to;
  if (typeof value.query === 'string') state.query = value.query;
  if (typeof value.repeatsOnly === 'boolean') state.repeatsOnly = value.repeatsOnly;
  const gap = count(value.gapSeconds);
  if (gap !== undefined) state.gapSeconds = gap;
  const scroll = count(value.scrollTop);
  if (scroll !== undefined) state.scrollTop = scroll;
  if (Array.isArray(value.expanded)) state.expanded = value.expanded.filter((key): key is string => typeof key === 'string').slice(0, 100);
  return state;
}
