// How the exchanges hang together in time and as conversations: sessions, threads,
// retries, the conversation graph, per-hour density and round-trip times.
//
// Rules (the original's, made robust to what real agents do, SPEC §2):
// - Sessions: exchanges in request order; a new session starts when the request comes
//   more than `sessionGapMs` after the end of everything before it (an exchange ends at
//   its response, or at its request while the response is pending). The original
//   measured from the last response in request order, which overlapping side requests
//   can make earlier than the true end.
// - Threads are the agents' own conversations (SPEC §6): requests carrying the same conversation
//   id (Claude Code's session id, Codex's prompt_cache_key / session id; ExchangeSummary
//   .conversationKey) are one conversation, and requests whose ids differ never join. Within an
//   id, a request continues the thread whose latest request's messages it extends; one that extends
//   none is a side request when it carries no tools while the conversation does (Claude Code's
//   title request: same session id, its own short prompt, `tools: []`) — its own thread, linked to
//   its parent — and otherwise stays in the conversation (a model switch lays messages[0] out anew).
// - Without ids (older clients, the original's logs), prefix matching is the fallback: a request
//   continues a thread when its messages (compared by the index's per-message hashes, which compare
//   by meaning: Claude's moving `cache_control` markers and Codex item ids ignored, a string content
//   equal to its one-text-block list) start with all of the thread's latest request's messages, same
//   agent, wire and system prompt (two runs in different folders can send identical first messages
//   under different prompts: they are not one conversation). The original compared only with the immediately preceding request, so a title
//   side request between two turns broke the thread; here every open thread is a
//   candidate (the longest match wins). Open threads are indexed by their latest
//   request's last message hash, so a request looks up its own hashes from the longest
//   prefix down (a continuation usually hits on the first or second) and verifies the
//   match; nothing is allocated per message.
// - Retry: system, tools and messages identical to the thread's latest request (messages
//   byte-identical, `exactHash`): e.g. Claude Code resending after a 529. It stays in the thread; repeats are runs of
//   such resends. The same messages differing only in volatile markers are no retry but a
//   continuation that adds nothing (newMessages 0).
// - Graph edges: `retry` or `continuation` from the thread's previous request; otherwise
//   `next` from the previous conversational request of the same session.
// - Claude Code's `HEAD /` probe (wire `unknown`) and other requests without messages
//   count in sessions and densities but belong to no thread and no graph.

import type { ExchangeSummary, TokenUsage } from '../logIndex/indexModel';
import { isConversational } from './analysisInput';
import { isoTime } from './stats';

export const DEFAULT_SESSION_GAP_MS = 30_000;

export type EdgeKind = 'retry' | 'continuation' | 'next';

export interface ConversationOptions {
  sessionGapMs?: number;
}

export interface Session {
  id: number;
  start: string;
  end: string;
  durationMs: number;
  exchanges: number;
  /** Exchanges that are no conversation (probes, WebSocket attempts). */
  probes: number;
  agents: string[];
  threads: number[];
  tokens: TokenUsage;
  stopReasons: Record<string, number>;
}

export interface Thread {
  id: number;
  agent: string;
  wire: string;
  start: string;
  end: string;
  exchanges: number;
  retries: number;
  /** Messages the thread's requests added: the first request's, then each continuation's growth. */
  newMessages: number;
  lastMessageCount: number;
  sessions: number[];
  firstId: string;
  lastId: string;
  /** The agent's own conversation id (Claude Code session id, Codex prompt_cache_key / thread id), when sent. */
  key?: string;
  /** A side request (e.g. Claude Code's title request): the thread of the main conversation it belongs to. */
  parent?: number;
}

export interface RepeatRun {
  /** The original request, then its resends. */
  ids: string[];
  count: number;
  agent: string;
  thread: number;
}

export interface ConversationNode {
  id: string;
  agent: string;
  wire: string;
  time: string;
  session: number;
  /** null for probes and other requests without messages. */
  thread: number | null;
  messages: number;
  status?: number;
  model?: string;
  stopReason?: string;
  rttMs?: number;
  pending: boolean;
  toolsInvoked: string[];
}

export interface ConversationEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** The session of `to`. */
  session: number;
  /** Tools the `from` response invoked: what the agent ran before sending `to`. */
  toolsAtFrom: string[];
  /** Messages `to` added to `from`'s (0 for a retry; undefined for `next`). */
  newMessages?: number;
}

export interface HourCount {
  /** Start of the UTC hour, ISO. */
  hour: string;
  count: number;
}

export interface RoundTrips {
  count: number;
  minMs: number;
  medianMs: number;
  p90Ms: number;
  maxMs: number;
}

export interface ConversationReport {
  sessionGapMs: number;
  summary: {
    exchanges: number;
    sessions: number;
    threads: number;
    continuations: number;
    retries: number;
    nexts: number;
    probes: number;
    /** Exchanges with no request time (a response whose request was not logged). */
    unplaced: number;
  };
  sessions: Session[];
  threads: Thread[];
  repeats: RepeatRun[];
  nodes: ConversationNode[];
  edges: ConversationEdge[];
  hourly: HourCount[];
  roundTrips: RoundTrips | null;
}

interface ThreadState {
  thread: Thread;
  /** The latest request's system and tool set hashes ('' when absent): a retry resends both. */
  tailSystem: string;
  tailTools: string;
  /** The thread's requests carry tools (a side request does not). */
  hasTools: boolean;
  /** The per-message hashes of the thread's latest request. */
  tailHashes: readonly string[];
  tailExact: string;
  tailId: string;
  /** Tools the latest request's response invoked. */
  tailInvoked: string[];
  /** Its repeat run, once it has been resent. */
  tailRun?: RepeatRun;
}

/** agent → wire → last message hash of a thread's latest request → those threads. */
type OpenThreads = Map<string, Map<string, Map<string, ThreadState[]>>>;

function forget(open: Map<string, ThreadState[]>, state: ThreadState): void {
  const last = state.tailHashes[state.tailHashes.length - 1];
  if (last === undefined) return;
  const list = open.get(last);
  if (!list) return;
  const at = list.indexOf(state);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) open.delete(last);
}

function remember(open: Map<string, ThreadState[]>, state: ThreadState): void {
  const last = state.tailHashes[state.tailHashes.length - 1];
  if (last === undefined) return;
  const list = open.get(last);
  if (list) list.push(state);
  else open.set(last, [state]);
}

/** The open thread whose latest request's messages are the longest prefix of `hashes`. */
function continuedThread(
  open: Map<string, ThreadState[]> | undefined,
  hashes: readonly string[],
  accept: (state: ThreadState) => boolean = () => true,
): ThreadState | undefined {
  if (!open) return undefined;
  for (let length = hashes.length; length > 0; length--) {
    const candidates = open.get(hashes[length - 1]);
    if (!candidates) continue;
    // Latest first: of two identical conversations, the newer one continues.
    for (let index = candidates.length - 1; index >= 0; index--) {
      const state = candidates[index];
      if (state.tailHashes.length !== length || !accept(state)) continue;
      let same = true;
      for (let at = length - 2; at >= 0; at--) {
        if (state.tailHashes[at] !== hashes[at]) {
          same = false;
          break;
        }
      }
      if (same) return state;
    }
  }
  return undefined;
}

const iso = isoTime;
const HOUR_MS = 3_600_000;

function emptyUsage(): TokenUsage {
  return { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
}

/** The exchanges a fold has taken in, and whether a new list only adds to them. */
export interface FoldedExchange {
  exchange: ExchangeSummary;
  /** What the fold read of it: a change to its request or a second response means folding again from the start. */
  request: ExchangeSummary['request'];
  response: ExchangeSummary['response'];
}

/**
 * How `exchanges` relates to the list folded before (`seen`): the same exchanges first (the index appends and fills
 * summaries in place), with `landed` the positions whose response arrived since; or `restart` when anything already
 * folded moved, lost or changed its request, or got a second response.
 */
export function compareFolded(seen: readonly FoldedExchange[], exchanges: readonly ExchangeSummary[]): { restart: boolean; landed: number[] } {
  const landed: number[] = [];
  if (exchanges.length < seen.length) return { restart: true, landed };
  for (let at = 0; at < seen.length; at++) {
    const was = seen[at] as FoldedExchange;
    const exchange = exchanges[at] as ExchangeSummary;
    if (was.exchange !== exchange || was.request !== exchange.request) return { restart: true, landed };
    if (was.response !== exchange.response) {
      if (was.response !== undefined) return { restart: true, landed };
      landed.push(at);
    }
  }
  return { restart: false, landed };
}

/** Counts keyed by name, each ordered where its first contribution stands: a late one lands where a cold pass puts it. */
export class FirstSeenCounts {
  private readonly counts = new Map<string, { count: number; first: number }>();

  add(key: string, position: number): void {
    const entry = this.counts.get(key);
    if (!entry) this.counts.set(key, { count: 1, first: position });
    else {
      entry.count++;
      if (position < entry.first) entry.first = position;
    }
  }

  get size(): number {
    return this.counts.size;
  }

  record(): Record<string, number> {
    const entries = [...this.counts.entries()].sort((a, b) => a[1].first - b[1].first);
    const out: Record<string, number> = {};
    for (const [key, { count }] of entries) out[key] = count;
    return out;
  }
}

/** The same report as a cold `analyzeConversations`, kept across updates: a grown list folds only its new exchanges. */
export function analyzeConversations(
  exchanges: readonly ExchangeSummary[],
  options: ConversationOptions = {},
): ConversationReport {
  return new ConversationAnalyzer(options).update(exchanges);
}

interface PlacedFold {
  /** Position in the list of placed exchanges (request order). */
  at: number;
  node: ConversationNode;
  /** Outgoing edges (they carry the tools its response invoked). */
  out: ConversationEdge[];
  stopCounted: boolean;
  usageCounted: boolean;
  rttCounted: boolean;
}

/**
 * `analyzeConversations` as a fold: exchanges are taken in request order into kept sessions, threads, nodes and edges.
 * An update that only appends (and fills in responses of requests already folded) costs what the new exchanges cost;
 * anything else (a request placed before the last one folded, a changed request, a response that would join two
 * sessions) folds everything again, which is what a cold pass does.
 */
export class ConversationAnalyzer {
  private readonly sessionGapMs: number;
  private seen: FoldedExchange[] = [];
  private state!: ReturnType<typeof emptyFold>;
  /** Folds from the start, for tests and the work counter. */
  readonly work = { folded: 0, restarts: 0 };

  constructor(options: ConversationOptions = {}) {
    this.sessionGapMs = options.sessionGapMs ?? DEFAULT_SESSION_GAP_MS;
    this.state = emptyFold();
  }

  update(exchanges: readonly ExchangeSummary[]): ConversationReport {
    const compared = compareFolded(this.seen, exchanges);
    const landed = compared.landed;
    let restart = compared.restart;
    const fold = this.state;
    if (!restart) {
      // New exchanges must come after the last placed one (a stable sort keeps ties in list order), and an exchange
      // folded unplaced must still be unplaced.
      for (let at = this.seen.length; !restart && at < exchanges.length; at++) {
        const time = (exchanges[at] as ExchangeSummary).requestTime;
        if (time !== undefined && time < fold.lastRequestTime) restart = true;
      }
      for (const exchange of fold.unplaced) if (exchange.requestTime !== undefined) restart = true;
      for (let at = 0; !restart && at < landed.length; at++) {
        if (!this.land((this.seen[landed[at] as number] as FoldedExchange).exchange)) restart = true;
      }
    }
    if (restart) {
      this.state = emptyFold();
      this.seen = [];
      this.work.restarts++;
    }
    const start = this.seen.length;
    const fresh: ExchangeSummary[] = [];
    for (let at = start; at < exchanges.length; at++) {
      const exchange = exchanges[at] as ExchangeSummary;
      this.seen.push({ exchange, request: exchange.request, response: exchange.response });
      if (exchange.requestTime === undefined) this.state.unplaced.push(exchange);
      else fresh.push(exchange);
    }
    if (fresh.length > 1) fresh.sort((a, b) => (a.requestTime ?? 0) - (b.requestTime ?? 0));
    for (const exchange of fresh) this.fold(exchange);
    return this.report();
  }

  /** A response landed on a folded request: what it changes, in place; false when only a fold from the start is exact. */
  private land(exchange: ExchangeSummary): boolean {
    const fold = this.state;
    const placed = fold.placedOf.get(exchange);
    if (!placed) return true; // unplaced: only counted
    const { node } = placed;
    const session = fold.sessions[node.session] as Session;
    const responseEnd = exchange.responseTime ?? (exchange.requestTime as number);
    const end = fold.sessionEnds[session.id] as number;
    if (responseEnd > end) {
      const next = fold.sessions[session.id + 1];
      if (next && fold.sessionStarts[next.id]! - responseEnd <= this.sessionGapMs) return false;
      fold.sessionEnds[session.id] = responseEnd;
      session.durationMs = responseEnd - (fold.sessionStarts[session.id] as number);
      session.end = iso(responseEnd);
      if (!next) fold.sessionEnd = responseEnd;
    }
    if (exchange.usage && !placed.usageCounted) {
      placed.usageCounted = true;
      session.tokens.input += exchange.usage.input;
      session.tokens.output += exchange.usage.output;
      session.tokens.cacheRead += exchange.usage.cacheRead;
      session.tokens.cacheCreation += exchange.usage.cacheCreation;
    }
    if (exchange.stopReason && !placed.stopCounted) {
      placed.stopCounted = true;
      const counts = fold.sessionStops[session.id] as FirstSeenCounts;
      counts.add(exchange.stopReason, placed.at);
      session.stopReasons = counts.record();
    }
    if (exchange.rttMs !== undefined && !placed.rttCounted) {
      placed.rttCounted = true;
      insertSorted(fold.rtts, exchange.rttMs);
    }
    const toolsInvoked = exchange.toolUses ?? [];
    node.status = exchange.status;
    node.model = exchange.model;
    node.stopReason = exchange.stopReason;
    node.rttMs = exchange.rttMs;
    node.pending = exchange.pending;
    node.toolsInvoked = toolsInvoked;
    for (const edge of placed.out) edge.toolsAtFrom = toolsInvoked;
    const state = node.thread === null ? undefined : fold.threads[node.thread];
    if (state && state.tailId === exchange.id) state.tailInvoked = toolsInvoked;
    return true;
  }

  private fold(exchange: ExchangeSummary): void {
    const fold = this.state;
    const requestTime = exchange.requestTime as number;
    fold.lastRequestTime = requestTime;
    const placed: PlacedFold = { at: fold.nodes.length, node: undefined as unknown as ConversationNode, out: [], stopCounted: false, usageCounted: false, rttCounted: false };
    const { sessions, threads, edges } = fold;

    // --- session
    if (sessions.length === 0 || requestTime - fold.sessionEnd > this.sessionGapMs) {
      fold.sessionStarts.push(requestTime);
      sessions.push({
        id: sessions.length,
        start: iso(requestTime),
        end: iso(requestTime),
        durationMs: 0,
        exchanges: 0,
        probes: 0,
        agents: [],
        threads: [],
        tokens: emptyUsage(),
        stopReasons: {},
      });
      fold.sessionStops.push(new FirstSeenCounts());
      fold.threadsInSession.push(new Set());
      fold.lastInSession = undefined;
    }
    const session = sessions[sessions.length - 1] as Session;
    const end = Math.max(fold.sessionEnd, exchange.responseTime ?? requestTime, requestTime);
    fold.sessionEnd = end;
    if (fold.sessionEnds[session.id] !== end) {
      fold.sessionEnds[session.id] = end;
      session.end = iso(end);
    }
    session.durationMs = end - (fold.sessionStarts[session.id] as number);
    session.exchanges++;
    if (!session.agents.includes(exchange.agent)) session.agents.push(exchange.agent);
    if (exchange.usage) {
      placed.usageCounted = true;
      session.tokens.input += exchange.usage.input;
      session.tokens.output += exchange.usage.output;
      session.tokens.cacheRead += exchange.usage.cacheRead;
      session.tokens.cacheCreation += exchange.usage.cacheCreation;
    }
    if (exchange.stopReason) {
      placed.stopCounted = true;
      const counts = fold.sessionStops[session.id] as FirstSeenCounts;
      counts.add(exchange.stopReason, placed.at);
      session.stopReasons = counts.record();
    }

    const hour = Math.floor(requestTime / HOUR_MS) * HOUR_MS;
    const lastHour = fold.hourly[fold.hourly.length - 1];
    if (lastHour && lastHour.ms === hour) lastHour.count++;
    else fold.hourly.push({ ms: hour, count: 1 });
    if (exchange.rttMs !== undefined) {
      placed.rttCounted = true;
      insertSorted(fold.rtts, exchange.rttMs);
    }

    const toolsInvoked = exchange.toolUses ?? [];
    const systemHash = exchange.system?.hash ?? '';
    const toolsHash = exchange.tools?.hash ?? '';
    const hasTools = (exchange.tools?.count ?? 0) > 0;
    // One object shape for every node (absent fields stay undefined and drop out of JSON).
    const node: ConversationNode = {
      id: exchange.id,
      agent: exchange.agent,
      wire: exchange.wire,
      time: iso(requestTime),
      session: session.id,
      thread: null,
      messages: exchange.messages?.count ?? 0,
      status: exchange.status,
      model: exchange.model,
      stopReason: exchange.stopReason,
      rttMs: exchange.rttMs,
      pending: exchange.pending,
      toolsInvoked,
    };
    placed.node = node;
    fold.nodes.push(node);
    fold.placedOf.set(exchange, placed);

    if (!isConversational(exchange) || !exchange.messages) {
      session.probes++;
      fold.summary.probes++;
      return;
    }

    // --- thread: the open thread whose latest request is the longest prefix of this one
    const messages = exchange.messages;
    const key = exchange.conversationKey;
    const scope = key === undefined ? undefined : `${exchange.agent}\u0000${exchange.wire}\u0000${key}`;
    let open: Map<string, ThreadState[]>;
    if (scope === undefined) {
      let byWire = fold.openThreads.get(exchange.agent);
      if (!byWire) fold.openThreads.set(exchange.agent, (byWire = new Map()));
      let keyless = byWire.get(exchange.wire);
      if (!keyless) byWire.set(exchange.wire, (keyless = new Map()));
      open = keyless;
    } else {
      let keyed = fold.keyedOpen.get(scope);
      if (!keyed) fold.keyedOpen.set(scope, (keyed = new Map()));
      open = keyed;
    }
    let match =
      scope === undefined
        ? continuedThread(open, messages.hashes, (state) => state.tailSystem === systemHash)
        : continuedThread(open, messages.hashes);
    // Same conversation id, extends none of its threads: a side request gets its own thread; anything
    // else stays in the conversation, its prefix laid out anew.
    const main = scope === undefined ? undefined : fold.keyedMain.get(scope);
    const isSide = !match && main !== undefined && main.hasTools && !hasTools;
    const relaid = !match && main !== undefined && !isSide;
    if (relaid) match = main;

    let state: ThreadState;
    let nextRun: RepeatRun | undefined;
    if (match) {
      state = match;
      const thread = state.thread;
      const isRetry =
        !relaid &&
        state.tailHashes.length === messages.count &&
        state.tailExact === messages.exactHash &&
        state.tailSystem === systemHash &&
        state.tailTools === toolsHash;
      const added = relaid ? messages.count : messages.count - state.tailHashes.length;
      const kind: EdgeKind = isRetry ? 'retry' : relaid ? 'next' : 'continuation';
      const edge: ConversationEdge = {
        from: state.tailId,
        to: exchange.id,
        kind,
        session: session.id,
        toolsAtFrom: state.tailInvoked,
        newMessages: relaid ? undefined : added,
      };
      edges.push(edge);
      fold.placedById.get(state.tailId)?.out.push(edge);
      if (isRetry) {
        thread.retries++;
        fold.summary.retries++;
        let run = state.tailRun;
        if (!run) {
          run = { ids: [state.tailId], count: 1, agent: exchange.agent, thread: thread.id };
          fold.runs.push(run);
        }
        run.ids.push(exchange.id);
        run.count++;
        nextRun = run;
      } else if (relaid) {
        fold.summary.nexts++;
      } else {
        fold.summary.continuations++;
      }
      thread.exchanges++;
      thread.newMessages += added;
      thread.end = iso(requestTime);
      thread.lastId = exchange.id;
      if (thread.sessions[thread.sessions.length - 1] !== session.id) thread.sessions.push(session.id);
    } else {
      const thread: Thread = {
        id: threads.length,
        agent: exchange.agent,
        wire: exchange.wire,
        start: iso(requestTime),
        end: iso(requestTime),
        exchanges: 1,
        retries: 0,
        newMessages: messages.count,
        lastMessageCount: messages.count,
        sessions: [session.id],
        firstId: exchange.id,
        lastId: exchange.id,
      };
      if (key !== undefined) thread.key = key;
      if (isSide && main) thread.parent = main.thread.id;
      state = { thread, tailHashes: [], tailExact: '', tailId: exchange.id, tailInvoked: [], tailSystem: '', tailTools: '', hasTools };
      threads.push(state);
      if (scope !== undefined && (!main || (!main.hasTools && hasTools))) fold.keyedMain.set(scope, state);
      const previous = fold.lastInSession;
      if (previous) {
        const edge: ConversationEdge = {
          from: previous.id,
          to: exchange.id,
          kind: 'next',
          session: session.id,
          toolsAtFrom: previous.toolsInvoked,
        };
        edges.push(edge);
        fold.placedById.get(previous.id)?.out.push(edge);
        fold.summary.nexts++;
      }
    }
    fold.placedById.set(exchange.id, placed);
    state.thread.lastMessageCount = messages.count;
    forget(open, state);
    state.tailHashes = messages.hashes;
    state.tailExact = messages.exactHash;
    state.tailId = exchange.id;
    state.tailInvoked = toolsInvoked;
    state.tailSystem = systemHash;
    state.tailTools = toolsHash;
    if (hasTools) state.hasTools = true;
    state.tailRun = nextRun;
    remember(open, state);
    node.thread = state.thread.id;
    const inSession = fold.threadsInSession[session.id] as Set<number>;
    if (!inSession.has(state.thread.id)) {
      inSession.add(state.thread.id);
      session.threads.push(state.thread.id);
    }
    fold.lastInSession = node;
  }

  /** A report of its own. */
  private report(): ConversationReport {
    const fold = this.state;
    const placed = fold.nodes.length;
    return {
      sessionGapMs: this.sessionGapMs,
      summary: {
        exchanges: placed,
        sessions: fold.sessions.length,
        threads: fold.threads.length,
        ...fold.summary,
        unplaced: fold.unplaced.length,
      },
      // Sessions and threads grow with every exchange: copies, so a report handed out stays as it was. Nodes and
      // edges are the fold's own (thousands; only a landing response changes one, in place).
      sessions: fold.sessions.map((session) => ({ ...session, agents: [...session.agents], threads: [...session.threads], tokens: { ...session.tokens } })),
      threads: fold.threads.map(({ thread }) => ({ ...thread, sessions: [...thread.sessions] })),
      repeats: fold.runs.slice(),
      nodes: fold.nodes.slice(),
      edges: fold.edges.slice(),
      hourly: fold.hourly.map(({ ms, count }) => ({ hour: iso(ms), count })),
      roundTrips: roundTrips(fold.rtts),
    };
  }
}

function emptyFold() {
  return {
    sessions: [] as Session[],
    sessionStarts: [] as number[],
    sessionEnds: [] as number[],
    sessionStops: [] as FirstSeenCounts[],
    threadsInSession: [] as Set<number>[],
    threads: [] as ThreadState[],
    nodes: [] as ConversationNode[],
    edges: [] as ConversationEdge[],
    runs: [] as RepeatRun[],
    openThreads: new Map() as OpenThreads,
    /** agent, wire and conversation id → its threads' open tails (the same structure as openThreads). */
    keyedOpen: new Map<string, Map<string, ThreadState[]>>(),
    /** agent, wire and conversation id → its main thread (the first with tools, else the first). */
    keyedMain: new Map<string, ThreadState>(),
    hourly: [] as Array<{ ms: number; count: number }>,
    /** Round trips, kept sorted. */
    rtts: [] as number[],
    summary: { continuations: 0, retries: 0, nexts: 0, probes: 0 },
    sessionEnd: -Infinity,
    lastRequestTime: -Infinity,
    lastInSession: undefined as ConversationNode | undefined,
    placedOf: new Map<ExchangeSummary, PlacedFold>(),
    placedById: new Map<string, PlacedFold>(),
    unplaced: [] as ExchangeSummary[],
  };
}

function insertSorted(sorted: number[], value: number): void {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((sorted[middle] as number) <= value) low = middle + 1;
    else high = middle;
  }
  if (low === sorted.length) sorted.push(value);
  else sorted.splice(low, 0, value);
}

function roundTrips(sorted: readonly number[]): RoundTrips | null {
  if (sorted.length === 0) return null;
  const middle = sorted.length >> 1;
  return {
    count: sorted.length,
    minMs: sorted[0] as number,
    medianMs: sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2,
    p90Ms: sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(0.9 * sorted.length) - 1))] as number,
    maxMs: sorted[sorted.length - 1] as number,
  };
}
