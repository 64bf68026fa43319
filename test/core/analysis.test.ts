// The analyses: prompt families, skeletons and slots, tools, messages, sessions and threads,
// tokens, diff, search. Fixture logs under test/fixtures/logs are in the original tool's exact
// record format; where a test name says "cross-checked", its numbers are the ones the original
// (agent-interlude 0.2.x `agent-interlude-analyze`) printed for the same file.

import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExchangeSummary, MessagesDigest } from '../../src/core/logIndex/indexModel';
import { LogIndex } from '../../src/core/logIndex/logIndex';
import { analyzeAgent, compareAgents, type AgentAnalysis } from '../../src/core/analysis/agentPrompts';
import type { AnalysisInput } from '../../src/core/analysis/analysisInput';
import { buildAnalysisReport } from '../../src/core/analysis/analysisReport';
import { analyzeConversations } from '../../src/core/analysis/conversations';
import { diffMessages, diffRequests, diffSystem, diffTools } from '../../src/core/analysis/exchangeDiff';
import { clusterFamilies, lineSkeleton, promptFamilies, type PromptSample } from '../../src/core/analysis/promptSkeleton';
import { isoTime, median, roundHalfEven, weightedSpread } from '../../src/core/analysis/stats';
import { searchExchanges, snippetOf, type SearchableExchange } from '../../src/core/analysis/textSearch';
import { collectInvocations, invocationCounts, readInvocations } from '../../src/core/analysis/toolInvocations';
import { modelFamily, stopReasons, tokensByModelFamily } from '../../src/core/analysis/tokenUsage';

const LOGS = join(__dirname, '..', 'fixtures', 'logs');
const WITH_SIDE_REQUESTS = join(LOGS, 'original-format.jsonl');
const WITHOUT_SIDE_REQUESTS = join(LOGS, 'no-side-requests.jsonl');

function inputOf(index: LogIndex): AnalysisInput {
  return index.analysisInput();
}

function agentOf(index: LogIndex, agent: string): AgentAnalysis {
  return analyzeAgent(inputOf(index), agent, index.exchanges());
}

// ---------------------------------------------------------------------------------------------
// Hand-made summaries

let nextId = 0;
const T0 = Date.UTC(2026, 10, 29, 10, 0, 0);

function messages(hashes: string[], exactHash = hashes.join('+')): MessagesDigest {
  return { count: hashes.length, hashes, roles: { user: hashes.length }, blockTypes: { text: hashes.length }, exactHash };
}

function exchange(fields: Partial<ExchangeSummary> & { at: number; took?: number }): ExchangeSummary {
  const { at, took = 1000, ...rest } = fields;
  return {
    id: `x${++nextId}`,
    agent: 'claude',
    wire: 'claude-messages',
    method: 'POST',
    path: '/v1/messages',
    requestTime: T0 + at,
    responseTime: T0 + at + took,
    rttMs: took,
    pending: false,
    status: 200,
    ...rest,
  };
}

function samples(...texts: [string, number][]): PromptSample[] {
  return texts.map(([text, requests], index) => ({ key: `s${index}`, text, requests }));
}

const MAIN_A = [
  'You are a coding agent.',
  '',
  '# Environment',
  'cwd: /home/u/one',
  'Is a git repository: true',
  '',
  'gitStatus:',
  'Current branch: main',
  'Status:',
  'M a.ts',
  '',
  'Recent commits:',
  'abc Add a',
].join('\n');
const MAIN_B = MAIN_A.replace('/home/u/one', '/home/u/two').replace('M a.ts', 'M b.ts\n?? c.md').replace('abc Add a', 'def Add b');
const MAIN_C = MAIN_A.replace('/home/u/one', '/home/u/three').replace('\nM a.ts', '');
const TITLE = 'Summarize this conversation in under 50 characters.\nReturn JSON with a "title" field.';

describe('analysis: skeleton and prompt families', () => {
  it("lineSkeleton is the original's rule: a line in every distinct sample is fixed, blank lines counted", () => {
    const skeleton = lineSkeleton(['a\nb\n\nc', 'a\nx\n\nc', 'a\ny\n\nc\nc']);
    assert.equal(skeleton.distinct, 3);
    assert.equal(skeleton.uniqueLines, 6); // a b '' c x y
    assert.equal(skeleton.fixedLines, 3); // a '' c
    assert.equal(skeleton.fixedPercent, 50);
    assert.deepEqual(skeleton.dynamicLines.sort(), ['b', 'x', 'y']);
  });

  it('a title side request founds its own family instead of turning every line into a slot', () => {
    const families = clusterFamilies(samples([MAIN_A, 5], [TITLE, 1], [MAIN_B, 3]));
    assert.deepEqual(
      families.map((family) => family.map((sample) => sample.key)),
      [['s0', 's2'], ['s1']],
    );
  });

  it('families join at Jaccard ≥ 0.5 of distinct non-blank lines and split below; two empty prompts are one family', () => {
    const base = ['l1', 'l2', 'l3', 'l4'].join('\n');
    const half = ['l1', 'l2', 'm3', 'm4'].join('\n'); // 2 shared of 6: 0.33
    const most = ['l1', 'l2', 'l3', 'm4', '', ''].join('\n'); // 3 shared of 5: 0.6
    assert.equal(clusterFamilies(samples([base, 2], [half, 1])).length, 2);
    assert.equal(clusterFamilies(samples([base, 2], [most, 1])).length, 1);
    assert.equal(clusterFamilies(samples([base, 2], [half, 1]), 0.3).length, 1);
    assert.equal(clusterFamilies(samples(['', 2], ['\n\n', 1])).length, 1);
  });

  it('slots say where they sit (nearest non-blank fixed lines) and list their values with sample and request counts', () => {
    const [main, title] = promptFamilies(samples([MAIN_A, 5], [TITLE, 1], [MAIN_B, 3], [MAIN_C, 1]));
    assert.equal(main.samples, 3);
    assert.equal(main.requests, 9);
    assert.equal(main.label, 'You are a coding agent.');
    assert.equal(title.samples, 1);
    assert.deepEqual(title.slots, []);

    const slots = main.slots.map((slot) => ({
      after: slot.after,
      before: slot.before,
      line: slot.canonicalLine,
      filled: slot.filled,
      values: slot.values.map((value) => [value.text, value.samples, value.requests]),
    }));
    assert.deepEqual(slots, [
      {
        after: '# Environment',
        before: 'Is a git repository: true',
        line: 4,
        filled: 3,
        values: [
          ['cwd: /home/u/one', 1, 5],
          ['cwd: /home/u/two', 1, 3],
          ['cwd: /home/u/three', 1, 1],
        ],
      },
      {
        // Empty in one sample: '' is one of its values.
        after: 'Status:',
        before: 'Recent commits:',
        line: 10,
        filled: 2,
        values: [
          ['M a.ts', 1, 5],
          ['M b.ts\n?? c.md', 1, 3],
          ['', 1, 1],
        ],
      },
      {
        after: 'Recent commits:',
        before: null,
        line: 13,
        filled: 3,
        values: [
          ['abc Add a', 2, 6],
          ['def Add b', 1, 3],
        ],
      },
    ]);
    // Fixed/unique counted as the original does, within the family.
    assert.equal(main.fixedLines, 8);
    assert.equal(main.uniqueLines, 16);
    assert.equal(lineSkeleton([MAIN_A, MAIN_B, MAIN_C]).fixedLines, 8);
    assert.deepEqual(main.skeleton.slice(0, 3), ['You are a coding agent.', '', '# Environment']);
  });

  it('the canonical sample is the most requested one; sizes are per request', () => {
    const [family] = promptFamilies(samples(['a\nb\nx', 1], ['a\nb\nyyyy', 3]));
    assert.equal(family.canonicalKey, 's1');
    assert.deepEqual(family.size, { min: 5, median: 8, max: 8 });
  });

  it('isoTime formats like Date.toISOString', () => {
    const samples = [0, 1, 999, T0, T0 + 86_399_999, Date.UTC(1969, 11, 31, 23, 59, 59, 7), Date.UTC(2099, 1, 28, 1, 2, 3, 4)];
    for (let i = 0; i < 200; i++) samples.push(Math.floor(T0 + (i - 100) * 7_777_777.7));
    for (const ms of samples) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  });

  it("medians and rounding follow Python's (even counts average, .5 rounds to even)", () => {
    assert.equal(median([3, 1, 2, 10]), 2.5);
    assert.equal(roundHalfEven(2.5), 2);
    assert.equal(roundHalfEven(3.5), 4);
    assert.deepEqual(weightedSpread([{ value: 10, weight: 1 }, { value: 20, weight: 1 }]), { min: 10, median: 15, max: 20 });
  });
});

describe('analysis: per-agent report on a log in the original format', () => {
  let index: LogIndex;
  let bare: LogIndex;
  before(async () => {
    index = await LogIndex.open([WITH_SIDE_REQUESTS], { workers: false });
    bare = await LogIndex.open([WITHOUT_SIDE_REQUESTS], { workers: false });
  });

  // Records without our schema version are re-extracted with our extraction, which counts Claude Code's
  // role:"system" agents list as part of the system prompt (as our own logs do): one part and one line
  // more than the original printed (3 block(s)/req, median 699, 0/34 and 16/31 fixed lines).
  it('cross-checked: requests, wires, representation, sizes, distinct samples and pooled skeleton (0/35 lines fixed, re-extracted)', () => {
    const claude = agentOf(index, 'claude');
    assert.equal(claude.requests, 9);
    assert.deepEqual(claude.wires, { 'claude-messages': 9 });
    const system = claude.system;
    assert.ok(system);
    assert.equal(system.representation, '4 block(s)/req');
    assert.deepEqual(system.size, { min: 242, median: 754, max: 778 });
    assert.equal(system.distinct, 4);
    assert.equal(system.requests, 9);
    assert.equal(system.pooled.fixedLines, 0);
    assert.equal(system.pooled.uniqueLines, 35);
    assert.equal(system.pooled.dynamicLines.length, 35);

    const codex = agentOf(index, 'codex');
    assert.equal(codex.requests, 2);
    assert.equal(codex.system?.representation, 'single string');
    assert.deepEqual(codex.system?.size, { min: 107, median: 107, max: 107 });
    assert.equal(codex.system?.distinct, 1);
  });

  it('cross-checked: without side requests the pooled skeleton is 17/32 (53%), 15 dynamic lines — and equals the main family with them', () => {
    const pooled = agentOf(bare, 'claude').system?.pooled;
    assert.equal(pooled?.fixedLines, 17);
    assert.equal(pooled?.uniqueLines, 32);
    assert.equal(roundHalfEven(pooled?.fixedPercent ?? 0), 53);
    assert.equal(pooled?.dynamicLines.length, 15);

    const families = agentOf(index, 'claude').system?.families ?? [];
    assert.equal(families.length, 2);
    const [main, title] = families;
    assert.equal(main.requests, 7);
    assert.equal(main.samples, 2);
    assert.equal(main.fixedLines, 17);
    assert.equal(main.uniqueLines, 32);
    assert.equal(main.label, "You are Claude Code, Anthropic's official CLI for Claude.");
    assert.equal(title.requests, 2);
    assert.equal(title.label, 'Summarize this coding conversation in under 50 characters.');
    // No title line is a slot of the main family.
    for (const slot of main.slots) for (const value of slot.values) assert.doesNotMatch(value.text, /Summarize|title/);
  });

  it('main-family slots: billing header, memory dir, working directories, branch, status, commits — in order, with values', () => {
    const main = agentOf(index, 'claude').system?.families[0];
    const where = main?.slots.map((slot) => [slot.canonicalLine, slot.after, slot.before, slot.values.map((value) => value.text)]);
    assert.deepEqual(where, [
      [1, null, "You are Claude Code, Anthropic's official CLI for Claude.", [
        'x-anthropic-billing-header: cc_version=2.1.3.a1f; cc_entrypoint=cli;',
        'x-anthropic-billing-header: cc_version=2.1.3.7c2; cc_entrypoint=cli;',
      ]],
      [9, '# Memory', '# Environment', [
        'Your memory directory is /home/u/.claude/projects/-home-u-proj1/memory',
        'Your memory directory is /home/u/.claude/projects/-home-u-proj2/memory',
      ]],
      [13, '<env>', 'Is a git repository: true', [
        'Working directory: /home/u/proj1\nPrimary working directory: /home/u/proj1',
        'Working directory: /home/u/proj2\nPrimary working directory: /home/u/proj2',
      ]],
      [20, 'gitStatus: This is the git status at the start of the conversation.', 'Main branch (you will usually use this for PRs): main', [
        'Current branch: main',
        'Current branch: feature/login',
      ]],
      [25, 'Status:', 'Recent commits:', ['M src/a.ts', 'M src/login.ts\n?? notes.md']],
      [28, 'Recent commits:', '9f8e7d6 Initial commit', ['abc1234 Add counter', '5150dd0 Login form']],
    ]);
    assert.deepEqual(main?.slots[0].values.map((value) => value.requests), [4, 3]);
  });

  it('the prompt prefix adds the injected context (CLAUDE.md, date) as slots marked [context]', () => {
    const prefix = agentOf(index, 'claude').prefix;
    const main = prefix?.families[0];
    const contextSlots = main?.slots.filter((slot) => slot.section === 'context') ?? [];
    assert.deepEqual(
      contextSlots.map((slot) => [slot.after, slot.values.map((value) => value.text)]),
      [
        ['# claudeMd', ['Contents of /home/u/proj1/CLAUDE.md:\nUse pnpm.', 'Contents of /home/u/proj2/CLAUDE.md:\nRun make check before committing.']],
        ['# currentDate', ["Today's date is 2026-11-29.", "Today's date is 2026-12-01."]],
      ],
    );
    assert.ok(main?.slots.some((slot) => slot.section === 'system'));
  });

  it('cross-checked: tools — median 6, input_schema, always 0 | sometimes 6 pooled; codex 2, parameters, always 2', () => {
    const tools = agentOf(index, 'claude').tools;
    assert.equal(tools?.medianCount, 6);
    assert.equal(tools?.schemaKey, 'input_schema');
    assert.equal(tools?.always.length, 0);
    assert.deepEqual(tools?.sometimes, ['Bash', 'Edit', 'Glob', 'Grep', 'Read', 'WebSearch']);
    assert.deepEqual(tools?.names, ['Bash', 'Edit', 'Glob', 'Grep', 'Read', 'WebSearch']);
    const codex = agentOf(index, 'codex').tools;
    assert.equal(codex?.medianCount, 2);
    assert.equal(codex?.schemaKey, 'parameters');
    assert.deepEqual(codex?.always, ['shell', 'update_plan']);
  });

  it('tools per family: all six always present in the main family; the title family has none; WebSearch changes', () => {
    const claude = agentOf(index, 'claude');
    const [main, title] = claude.system?.families ?? [];
    assert.equal(main.tools?.always.length, 6);
    assert.deepEqual(main.tools?.sometimes, []);
    assert.equal(title.tools?.medianCount, 0);
    assert.deepEqual(claude.tools?.changing, [{ name: 'WebSearch', definitions: 2, requests: 7 }]);
  });

  it('cross-checked: messages — min 1 max 6, roles and content-block counts', () => {
    const claude = agentOf(index, 'claude').messages;
    assert.deepEqual([claude?.perRequest.min, claude?.perRequest.max], [1, 6]);
    assert.deepEqual(claude?.roles, { system: 7, user: 17, assistant: 8 });
    assert.deepEqual(claude?.blockTypes, { text: 31, tool_use: 8, tool_result: 8 });
    const codex = agentOf(index, 'codex').messages;
    assert.deepEqual([codex?.perRequest.min, codex?.perRequest.max], [2, 4]);
    assert.deepEqual(codex?.roles, { user: 4, function_call: 1, function_call_output: 1 });
    assert.deepEqual(codex?.blockTypes, { input_text: 4 });
  });

  it('cross-checked: the cross-agent comparison table', () => {
    const table = compareAgents([agentOf(index, 'claude'), agentOf(index, 'codex')]);
    assert.deepEqual(table, [
      {
        agent: 'claude',
        systemRepresentation: '4 block(s)/req',
        systemMedianChars: 754,
        distinctSystems: 4,
        toolCount: 6,
        toolSchemaKey: 'input_schema',
        toolContainer: 'top-level `tools`',
      },
      {
        agent: 'codex',
        systemRepresentation: 'single string',
        systemMedianChars: 107,
        distinctSystems: 1,
        toolCount: 2,
        toolSchemaKey: 'parameters',
        toolContainer: 'top-level `tools`',
      },
    ]);
  });

  it('the report filters by agent and counts exchanges, probes included', () => {
    const report = buildAnalysisReport(inputOf(index));
    assert.deepEqual(report.exchanges, { total: 13, analyzable: 11, pending: 0, byAgent: { claude: 11, codex: 2 } });
    assert.deepEqual(report.agents.map((agent) => agent.agent), ['claude', 'codex']);
    const codexOnly = buildAnalysisReport(inputOf(index), { agent: 'codex' });
    assert.deepEqual(codexOnly.agents.map((agent) => agent.agent), ['codex']);
    assert.equal(codexOnly.conversations.summary.exchanges, 2);
  });

  it('a log read in arbitrary append chunks analyses exactly like the whole file; re-analysis (warm memo) too', async () => {
    const whole = buildAnalysisReport(inputOf(index));
    assert.deepEqual(buildAnalysisReport(inputOf(index)), whole);
    const bytes = readFileSync(WITH_SIDE_REQUESTS);
    const path = join(mkdtempSync(join(tmpdir(), 'interlude-analysis-')), 'log-20261129T100000Z.jsonl');
    let at = 1 + (bytes.length % 97);
    writeFileSync(path, bytes.subarray(0, at));
    const growing = await LogIndex.open([path], { workers: false });
    for (let step = 0; at < bytes.length; step++) {
      const next = Math.min(bytes.length, at + 613 + ((step * 7919) % 4001));
      appendFileSync(path, bytes.subarray(at, next));
      at = next;
      await growing.refresh();
      buildAnalysisReport(inputOf(growing)); // analyse every intermediate state, as an editor would
    }
    assert.deepEqual(buildAnalysisReport(inputOf(growing)), whole);
  });

  it('invocation counts come from the index; inputs from the responses read for that tool only', async () => {
    const counts = invocationCounts(index.exchanges().filter((summary) => summary.agent === 'claude'));
    assert.deepEqual(counts.byTool, [
      { name: 'Bash', calls: 2, exchanges: 2 },
      { name: 'Edit', calls: 2, exchanges: 2 },
    ]);
    let reads = 0;
    const bash = await readInvocations(index.exchanges(), async (summary) => {
      reads++;
      return summary.response ? index.readRecord(summary.response) : undefined;
    }, 'Bash');
    assert.equal(reads, 2);
    assert.deepEqual(
      bash.map((call) => [call.exchangeId, call.input]),
      [
        ['c1main000001', { command: 'pnpm test' }],
        ['c2main000001', { command: 'make check' }],
      ],
    );
  });
});

describe('analysis: sessions, threads, retries, graph', () => {
  it('on the fixture: continuation despite moved cache_control, byte-identical resend after 529 = retry, probes outside', async () => {
    const index = await LogIndex.open([WITH_SIDE_REQUESTS], { workers: false });
    const report = analyzeConversations(index.exchanges());
    assert.deepEqual(report.summary, {
      exchanges: 13,
      sessions: 3,
      threads: 5,
      continuations: 5,
      retries: 1,
      nexts: 2,
      probes: 2,
      unplaced: 0,
    });
    const edge = (to: string) => report.edges.find((candidate) => candidate.to === to);
    assert.deepEqual(edge('c1main000002'), {
      from: 'c1main000001',
      to: 'c1main000002',
      kind: 'continuation',
      session: 0,
      toolsAtFrom: ['Bash'],
      newMessages: 2,
    });
    assert.equal(edge('c1main000004')?.kind, 'retry');
    assert.equal(edge('c1main000004')?.from, 'c1main000003');
    // The title request interleaves but does not break the main thread.
    assert.equal(edge('c1title00001')?.kind, 'next');
    assert.deepEqual(report.repeats, [{ ids: ['c1main000003', 'c1main000004'], count: 2, agent: 'claude', thread: 0 }]);
    const probe = report.nodes.find((node) => node.id === 'c1probe00001');
    assert.equal(probe?.thread, null);
    assert.equal(report.edges.some((candidate) => candidate.from.includes('probe') || candidate.to.includes('probe')), false);
    assert.deepEqual(report.sessions.map((session) => [session.exchanges, session.agents, session.probes]), [
      [6, ['claude'], 1],
      [2, ['codex'], 0],
      [5, ['claude'], 1],
    ]);
    assert.deepEqual(report.hourly, [
      { hour: '2026-11-29T10:00:00.000Z', count: 8 },
      { hour: '2026-12-01T09:00:00.000Z', count: 5 },
    ]);
    assert.deepEqual(report.roundTrips, { count: 13, minMs: 15, medianMs: 2500, p90Ms: 3500, maxMs: 3700 });
  });

  it('a session splits only when the gap from the latest response end exceeds the threshold', () => {
    const list = [
      exchange({ at: 0, took: 20_000, messages: messages(['a']) }),
      // Overlaps the first: sent before it ended; its own response ends early.
      exchange({ at: 1_000, took: 500, messages: messages(['t']) }),
      exchange({ at: 45_000, messages: messages(['a', 'b', 'c']) }), // 25 s after the first ended: same session
      exchange({ at: 80_000, messages: messages(['a', 'b', 'c', 'd', 'e']) }), // 34 s: new session
    ];
    const report = analyzeConversations(list);
    assert.deepEqual(report.nodes.map((node) => node.session), [0, 0, 0, 1]);
    assert.deepEqual(analyzeConversations(list, { sessionGapMs: 40_000 }).summary.sessions, 1);
    // The thread goes on across the session boundary.
    assert.deepEqual(report.nodes.map((node) => node.thread), [0, 1, 0, 0]);
    assert.deepEqual(report.threads[0].sessions, [0, 1]);
  });

  it('a continuation is found among several open threads (longest prefix); other agents and wires never continue it', () => {
    const list = [
      exchange({ at: 0, messages: messages(['a']) }),
      exchange({ at: 100, messages: messages(['p']) }),
      exchange({ at: 200, messages: messages(['p', 'q', 'r']) }),
      exchange({ at: 300, messages: messages(['a', 'b', 'c']) }),
      exchange({ at: 400, agent: 'codex', messages: messages(['a', 'b', 'c', 'd']) }),
      exchange({ at: 500, wire: 'codex-chat', messages: messages(['a', 'b', 'c', 'd']) }),
      exchange({ at: 600, messages: messages(['a', 'x']) }), // diverged: a new thread
    ];
    const report = analyzeConversations(list);
    assert.deepEqual(report.nodes.map((node) => node.thread), [0, 1, 1, 0, 2, 3, 4]);
    assert.deepEqual(report.edges.map((candidate) => candidate.kind), ['next', 'continuation', 'continuation', 'next', 'next', 'next']);
  });

  it('retry needs byte-identical messages; equal-but-for-markers is a continuation adding nothing', () => {
    const list = [
      exchange({ at: 0, messages: messages(['a', 'b'], 'exact1') }),
      exchange({ at: 100, messages: messages(['a', 'b'], 'exact1') }),
      exchange({ at: 200, messages: messages(['a', 'b'], 'exact2') }),
    ];
    const report = analyzeConversations(list);
    assert.deepEqual(report.edges.map((candidate) => [candidate.kind, candidate.newMessages]), [
      ['retry', 0],
      ['continuation', 0],
    ]);
    assert.equal(report.threads.length, 1);
    assert.equal(report.threads[0].retries, 1);
  });

  it('pending exchanges and response-only ones are placed or counted, never lost', () => {
    const pending = exchange({ at: 0, messages: messages(['a']) });
    delete pending.responseTime;
    delete pending.rttMs;
    pending.pending = true;
    const orphan = exchange({ at: 0 });
    delete orphan.requestTime;
    const report = analyzeConversations([pending, orphan]);
    assert.equal(report.summary.exchanges, 1);
    assert.equal(report.summary.unplaced, 1);
    assert.equal(report.nodes[0].pending, true);
    assert.equal(report.roundTrips, null);
  });
});

describe('analysis: tokens and stop reasons', () => {
  it('model families strip -YYYYMMDD and -vN only', () => {
    assert.equal(modelFamily('claude-sonnet-4-5-20250929'), 'claude-sonnet-4-5');
    assert.equal(modelFamily('claude-3-5-sonnet-v2'), 'claude-3-5-sonnet');
    assert.equal(modelFamily('gpt-5.5-2026-01-15'), 'gpt-5.5-2026-01-15');
    assert.equal(modelFamily('gpt-5-codex'), 'gpt-5-codex');
  });

  it('sums calls, input, output, cache read and creation per family; cache-hit rate = read / (uncached + read + written)', async () => {
    const index = await LogIndex.open([WITH_SIDE_REQUESTS], { workers: false });
    const tokens = tokensByModelFamily(index.exchanges());
    assert.deepEqual(
      tokens.byFamily.map((row) => [row.family, row.calls, row.input, row.output, row.cacheRead, row.cacheCreation]),
      [
        ['claude-sonnet-4-5', 7, 28, 320, 56600, 29000],
        ['gpt-5-codex', 2, 1700, 55, 1400, 0],
        ['claude-haiku-4-5', 2, 240, 24, 0, 0],
      ],
    );
    // Writes count: Claude Code's last-block breakpoint leaves ~0 uncached input, so read / (input + read) said 99.95%.
    assert.equal(tokens.byFamily[0].cacheHitRate, 56600 / (28 + 56600 + 29000));
    assert.equal(tokens.byFamily[1].cacheHitRate, 1400 / (1700 + 1400));
    assert.equal(tokens.byFamily[2].cacheHitRate, 0);
    assert.equal(tokens.total.calls, 11);
    const stops = stopReasons(index.exchanges());
    assert.deepEqual(stops.overall, { tool_use: 4, end_turn: 4, completed: 2 });
    assert.deepEqual(stops.byFamily['claude-sonnet-4-5'], { tool_use: 4, end_turn: 2 });
    assert.equal(stops.none, 3); // two probes and the 529
  });

  it('no usage at all gives a null hit rate, not a division by zero', () => {
    const tokens = tokensByModelFamily([exchange({ at: 0, model: 'm-20250101' })]);
    assert.deepEqual(tokens.byFamily[0], {
      family: 'm',
      models: ['m-20250101'],
      calls: 1,
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheCreation: 0,
      cacheHitRate: null,
    });
  });
});

describe('analysis: diff of two exchanges', () => {
  let index: LogIndex;
  before(async () => {
    index = await LogIndex.open([WITH_SIDE_REQUESTS], { workers: false });
  });

  async function requestOf(id: string): Promise<unknown> {
    return (await index.readExchange(id))?.request;
  }

  it('system line diff with context, tools changed by name, messages prefix and tails across sessions', async () => {
    const diff = diffRequests(await requestOf('c1main000001'), await requestOf('c2main000001'));
    assert.equal(diff.system.identical, false);
    const changed = diff.system.hunks.flatMap((hunk) => hunk.lines.filter((line) => line.type !== 'context'));
    assert.ok(changed.some((line) => line.type === 'remove' && line.text === 'Working directory: /home/u/proj1'));
    assert.ok(changed.some((line) => line.type === 'add' && line.text === 'Working directory: /home/u/proj2'));
    const firstHunk = diff.system.hunks[0];
    assert.equal(firstHunk.aStart, 1);
    assert.equal(firstHunk.lines.filter((line) => line.type === 'context').length, 3);
    assert.deepEqual(diff.tools, { added: [], removed: [], changed: ['WebSearch'], aTotal: 6, bTotal: 6 });
    assert.equal(diff.messages.commonPrefix, 1); // the agents list
    assert.equal(diff.messages.aTail.length, 1);
  });

  it('a continuation shares its whole prefix once cache_control is ignored; byte-equal only up to the moved marker', async () => {
    const diff = diffRequests(await requestOf('c1main000001'), await requestOf('c1main000002'));
    assert.equal(diff.system.identical, true);
    assert.deepEqual(diff.system.hunks, []);
    assert.equal(diff.messages.exactCommonPrefix, 1);
    assert.equal(diff.messages.commonPrefix, 2);
    assert.deepEqual([diff.messages.aTail.length, diff.messages.bTail.length], [0, 2]);
  });

  it('unit: tools added / removed / changed; Responses item ids ignored in the message prefix', () => {
    assert.deepEqual(
      diffTools(
        [{ name: 'a', d: 1 }, { name: 'b' }, { function: { name: 'c' } }],
        [{ d: 2, name: 'a' }, { function: { name: 'c' } }, { type: 'web_search' }],
      ),
      { added: ['web_search'], removed: ['b'], changed: ['a'], aTotal: 3, bTotal: 3 },
    );
    const item = (id: string) => ({ type: 'function_call', id, call_id: 'c1', arguments: '{}' });
    assert.equal(diffMessages([item('fc_1')], [item('fc_2')], 'codex-responses', 'codex-responses').commonPrefix, 1);
    assert.equal(diffMessages([item('fc_1')], [item('fc_2')]).commonPrefix, 0);
    assert.deepEqual(diffSystem('same', 'same').hunks, []);
    assert.equal(diffSystem('a\nb\n', 'a\nc').added, 1);
  });
});

describe('analysis: search', () => {
  it("snippets are the original's: whitespace collapsed, first hit, 40 characters each side, ellipses when cut", () => {
    const text = `${'x'.repeat(60)}\n\n  Needle   in\tthe ${'y'.repeat(60)} needle`;
    const snippet = snippetOf(text, 'NEEDLE', 'messages');
    assert.deepEqual(snippet, {
      source: 'messages',
      before: `…${'x'.repeat(39)} `,
      match: 'Needle',
      after: ` in the ${'y'.repeat(32)}…`,
      count: 2,
    });
    assert.equal(snippetOf('nothing here', 'needle', 'system'), null);
  });

  it('searches system, messages and response text of records streamed from the index', async () => {
    const index = await LogIndex.open([WITH_SIDE_REQUESTS], { workers: false });
    async function* records(): AsyncGenerator<SearchableExchange> {
      for (const summary of index.exchanges()) {
        const records = await index.readExchange(summary.id);
        yield { exchange: summary, request: records?.request, response: records?.response };
      }
    }
    const result = await searchExchanges(records(), 'PNPM');
    assert.equal(result.scanned, 13);
    assert.deepEqual(result.hits.map((hit) => hit.id), ['c1main000001', 'c1main000002', 'c1main000003', 'c1main000004']);
    const first = result.hits[0];
    assert.deepEqual(first.snippets.map((snippet) => snippet.source), ['messages', 'response']);
    assert.equal(first.snippets[0].match, 'pnpm');
    assert.match(first.snippets[0].before, /CLAUDE\.md: Use $/);
    assert.match(first.snippets[1].after, /test/);

    const systemHit = await searchExchanges(records(), 'feature/login', { limit: 1 });
    assert.equal(systemHit.matched, 3);
    assert.equal(systemHit.hits.length, 1);
    assert.equal(systemHit.truncated, true);
    assert.equal(systemHit.hits[0].snippets[0].source, 'system');
  });

  it('collectInvocations takes tool uses the caller already has', () => {
    const owner = exchange({ at: 0 });
    const calls = collectInvocations([
      { exchange: owner, toolUses: [{ name: 'exec', input: 'ls -la', call_id: 'call_9', type: 'custom_tool_call' }, { name: 'x', input: {} }] },
    ], 'exec');
    assert.deepEqual(calls, [
      {
        name: 'exec',
        exchangeId: owner.id,
        agent: 'claude',
        wire: 'claude-messages',
        input: 'ls -la',
        time: new Date(T0 + 1000).toISOString(),
        callId: 'call_9',
        type: 'custom_tool_call',
      },
    ]);
  });
});
