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

import type { ExchangeSummary, TokenUsage } from '../indexModel';
import { isConversational } from './analysisInput';
import { increment, isoTime } from './stats';

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

export function analyzeConversations(
  exchanges: readonly ExchangeSummary[],
  options: ConversationOptions = {},
): ConversationReport {
  const sessionGapMs = options.sessionGapMs ?? DEFAULT_SESSION_GAP_MS;
  const placed = exchanges.filter((exchange) => exchange.requestTime !== undefined);
  placed.sort((a, b) => (a.requestTime ?? 0) - (b.requestTime ?? 0));

  const sessions: Session[] = [];
  const threads: ThreadState[] = [];
  const nodes: ConversationNode[] = [];
  const edges: ConversationEdge[] = [];
  const runs: RepeatRun[] = [];
  const openThreads: OpenThreads = new Map();
  /** agent, wire and conversation id → its threads' open tails (the same structure as openThreads). */
  const keyedOpen = new Map<string, Map<string, ThreadState[]>>();
  /** agent, wire and conversation id → its main thread (the first with tools, else the first). */
  const keyedMain = new Map<string, ThreadState>();
  const hourly = new Map<number, number>();
  const rtts: number[] = [];
  const summary = { continuations: 0, retries: 0, nexts: 0, probes: 0 };

  let sessionEnd = -Infinity;
  let sessionStartMs = 0;
  let lastInSession: ConversationNode | undefined;
  const threadsInSession: Set<number>[] = [];
  // Ends are kept as numbers while walking and written as ISO once at the end.
  const sessionEnds: number[] = [];
  const threadEnds: number[] = [];

  for (const exchange of placed) {
    const requestTime = exchange.requestTime as number;

    // --- session
    if (sessions.length === 0 || requestTime - sessionEnd > sessionGapMs) {
      sessionStartMs = requestTime;
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
      threadsInSession.push(new Set());
      lastInSession = undefined;
    }
    const session = sessions[sessions.length - 1];
    const end = Math.max(sessionEnd, exchange.responseTime ?? requestTime, requestTime);
    sessionEnd = end;
    sessionEnds[session.id] = end;
    session.durationMs = end - sessionStartMs;
    session.exchanges++;
    if (!session.agents.includes(exchange.agent)) session.agents.push(exchange.agent);
    if (exchange.usage) {
      session.tokens.input += exchange.usage.input;
      session.tokens.output += exchange.usage.output;
      session.tokens.cacheRead += exchange.usage.cacheRead;
      session.tokens.cacheCreation += exchange.usage.cacheCreation;
    }
    if (exchange.stopReason) increment(session.stopReasons, exchange.stopReason);

    const hour = Math.floor(requestTime / HOUR_MS) * HOUR_MS;
    hourly.set(hour, (hourly.get(hour) ?? 0) + 1);
    if (exchange.rttMs !== undefined) rtts.push(exchange.rttMs);

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
    nodes.push(node);

    if (!isConversational(exchange) || !exchange.messages) {
      session.probes++;
      summary.probes++;
      continue;
    }

    // --- thread: the open thread whose latest request is the longest prefix of this one
    const messages = exchange.messages;
    const key = exchange.conversationKey;
    const scope = key === undefined ? undefined : `${exchange.agent}\u0000${exchange.wire}\u0000${key}`;
    let open: Map<string, ThreadState[]>;
    if (scope === undefined) {
      let byWire = openThreads.get(exchange.agent);
      if (!byWire) openThreads.set(exchange.agent, (byWire = new Map()));
      let keyless = byWire.get(exchange.wire);
      if (!keyless) byWire.set(exchange.wire, (keyless = new Map()));
      open = keyless;
    } else {
      let keyed = keyedOpen.get(scope);
      if (!keyed) keyedOpen.set(scope, (keyed = new Map()));
      open = keyed;
    }
    let match =
      scope === undefined
        ? continuedThread(open, messages.hashes, (state) => state.tailSystem === systemHash)
        : continuedThread(open, messages.hashes);
    // Same conversation id, extends none of its threads: a side request gets its own thread; anything
    // else stays in the conversation, its prefix laid out anew.
    const main = scope === undefined ? undefined : keyedMain.get(scope);
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
      edges.push({
        from: state.tailId,
        to: exchange.id,
        kind,
        session: session.id,
        toolsAtFrom: state.tailInvoked,
        newMessages: relaid ? undefined : added,
      });
      if (isRetry) {
        thread.retries++;
        summary.retries++;
        let run = state.tailRun;
        if (!run) {
          run = { ids: [state.tailId], count: 1, agent: exchange.agent, thread: thread.id };
          runs.push(run);
        }
        run.ids.push(exchange.id);
        run.count++;
        nextRun = run;
      } else if (relaid) {
        summary.nexts++;
      } else {
        summary.continuations++;
      }
      thread.exchanges++;
      thread.newMessages += added;
      threadEnds[thread.id] = requestTime;
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
      if (scope !== undefined && (!main || (!main.hasTools && hasTools))) keyedMain.set(scope, state);
      if (lastInSession) {
        edges.push({
          from: lastInSession.id,
          to: exchange.id,
          kind: 'next',
          session: session.id,
          toolsAtFrom: lastInSession.toolsInvoked,
        });
        summary.nexts++;
      }
    }
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
    const inSession = threadsInSession[session.id];
    if (!inSession.has(state.thread.id)) {
      inSession.add(state.thread.id);
      session.threads.push(state.thread.id);
    }
    lastInSession = node;
  }

  sessions.forEach((session) => (session.end = iso(sessionEnds[session.id] ?? Date.parse(session.start))));
  threads.forEach(({ thread }) => {
    if (threadEnds[thread.id] !== undefined) thread.end = iso(threadEnds[thread.id]);
  });
  return {
    sessionGapMs,
    summary: {
      exchanges: placed.length,
      sessions: sessions.length,
      threads: threads.length,
      ...summary,
      unplaced: exchanges.length - placed.length,
    },
    sessions,
    threads: threads.map((state) => state.thread),
    repeats: runs,
    nodes,
    edges,
    hourly: [...hourly.entries()].sort((a, b) => a[0] - b[0]).map(([hour, count]) => ({ hour: iso(hour), count })),
    roundTrips: roundTrips(rtts),
  };
}

function roundTrips(rtts: readonly number[]): RoundTrips | null {
  if (rtts.length === 0) return null;
  const sorted = Float64Array.from(rtts).sort();
  const middle = sorted.length >> 1;
  return {
    count: sorted.length,
    minMs: sorted[0],
    medianMs: sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2,
    p90Ms: sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(0.9 * sorted.length) - 1))],
    maxMs: sorted[sorted.length - 1],
  };
}
