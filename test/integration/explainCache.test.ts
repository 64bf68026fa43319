// The explainer over real traffic: Claude Code-shaped requests (the real 2.1.332 body of
// test/fixtures/agents, grown to real sizes) and Codex-shaped ones sent through the real proxy to the fake
// upstream, which caches as the API does (test/support/promptCache.ts). Each scenario of the issue is
// replayed the way Claude Code sends it (SPEC §6) and must be explained with the right cause and segment.

import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { buildAnalysisReport, ReportAnalyzer } from '../../src/core/analysis/analysisReport';
import { type ExchangeExplanation, Explainer, type ExplainReport, explainLog } from '../../src/core/analysis/explain';
import { DEFAULT_PRICING } from '../../src/core/analysis/pricing';
import { LogIndex } from '../../src/core/logIndex/logIndex';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { type Harness, startHarness } from '../support/proxyHarness';

type Json = Record<string, unknown>;
const ROOT = resolve(__dirname, '../..');
const REAL = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/agents/claude-code-messages-request.json'), 'utf8')) as Json;
const CODEX = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/agents/codex-responses-request.json'), 'utf8')) as Json;
const SONNET = 'claude-sonnet-4-5-20250929';

/** Filler prose of about `bytes` bytes (the fixture's strings are trimmed; real prompts are ~78 KB). */
function prose(seed: string, bytes: number): string {
  const sentence = `${seed}: follow the instructions carefully, prefer small focused edits, and explain what you changed. `;
  return sentence.repeat(Math.ceil(bytes / sentence.length)).slice(0, bytes);
}

const TOOL_NAMES = ['Agent', 'Bash', 'Edit', 'Glob', 'Grep', 'Read', 'Write', 'WebFetch', 'WebSearch', 'TodoWrite', 'NotebookEdit', 'Skill'];

function tools(month = 'December 2026', without: string[] = []): Json[] {
  return TOOL_NAMES.filter((name) => !without.includes(name)).map((name) => ({
    name,
    description: name === 'WebSearch' ? `Searches the web. The current month is ${month}. ${prose(name, 2000)}` : prose(name, 2500),
    input_schema: { type: 'object', properties: { value: { type: 'string', description: prose(`${name} value`, 300) } }, required: ['value'] },
  }));
}

function system(options: { billing?: string; append?: string; git?: string } = {}): Json[] {
  const real = REAL.system as Json[];
  return [
    { type: 'text', text: `x-anthropic-billing-header: cc_version=2.1.332.${options.billing ?? '52f'}; cc_entrypoint=sdk-cli;` },
    { type: 'text', text: `${String(real[1].text)}${options.append ? `\n${options.append}` : ''}`, cache_control: { type: 'ephemeral' } },
    {
      type: 'text',
      text: `${prose('system', 15_000)}\ngitStatus: This is the git status at the start of the conversation.\nCurrent branch: ${options.git ?? 'main'}\n`,
      cache_control: { type: 'ephemeral' },
    },
  ];
}

function firstUser(claudeMd = 'Use pnpm.', words = 'Fix the failing counter test'): Json {
  return {
    role: 'user',
    content: [
      { type: 'text', text: `<system-reminder>\n# claudeMd\nContents of /home/user/project/CLAUDE.md:\n${claudeMd}\n\n# currentDate\nToday's date is 2026-12-02.\n</system-reminder>` },
      { type: 'text', text: words },
    ],
  };
}

/** Claude Code's breakpoint sits on the last block of every request; earlier markers move away. */
function withLastBreakpoint(messages: Json[], ttl?: '1h'): Json[] {
  const copy = JSON.parse(JSON.stringify(messages)) as Json[];
  for (const message of copy) {
    if (Array.isArray(message.content)) for (const block of message.content as Json[]) delete block.cache_control;
  }
  const last = copy[copy.length - 1];
  if (typeof last.content === 'string') last.content = [{ type: 'text', text: last.content }];
  const blocks = last.content as Json[];
  blocks[blocks.length - 1].cache_control = ttl ? { type: 'ephemeral', ttl } : { type: 'ephemeral' };
  return copy;
}

function turn(role: 'user' | 'assistant', text: string): Json {
  return { role, content: [{ type: 'text', text }] };
}

interface Sent {
  id: string;
  messageId?: string;
}

class ClaudeSession {
  messages: Json[];
  model = SONNET;
  toolList = tools();
  systemBlocks = system();
  constructor(
    private readonly harness: Harness,
    readonly sessionId: string,
    first: Json = firstUser(),
  ) {
    this.messages = [first];
  }

  body(ttl?: '1h', extra: Json = {}): Json {
    return {
      model: this.model,
      max_tokens: 32000,
      stream: true,
      system: this.systemBlocks,
      tools: this.toolList,
      messages: withLastBreakpoint(this.messages, ttl),
      metadata: { user_id: JSON.stringify({ device_id: 'd', account_uuid: '', session_id: this.sessionId }) },
      ...extra,
    };
  }

  async send(options: { ttl?: '1h'; scenario?: string; extra?: Json; body?: Json } = {}): Promise<Sent> {
    const body = options.body ?? this.body(options.ttl, options.extra);
    const response = await request(`${this.harness.url()}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'test',
        'anthropic-version': '2023-06-01',
        'x-claude-code-session-id': this.sessionId,
        ...(options.scenario ? { 'x-fake-scenario': options.scenario } : {}),
      },
      body: JSON.stringify(body),
    });
    const text = await response.body.text();
    const messageId = /"id":"(msg_[^"]+)"/.exec(text)?.[1];
    return { id: await lastExchangeId(this.harness), ...(messageId ? { messageId } : {}) };
  }

  /** The assistant's answer and the user's next words, as the next turn of `claude -c` sends them. */
  next(words: string): void {
    this.messages.push(turn('assistant', `Done: ${prose('answer', 400)}`), turn('user', words));
  }
}

const sentTo = new WeakMap<Harness, number>();

/** The id of the exchange just sent, once its response record is written (records land after the relay). */
async function lastExchangeId(harness: Harness): Promise<string> {
  const sent = (sentTo.get(harness) ?? 0) + 1;
  sentTo.set(harness, sent);
  const responses = await harness.waitForResponses(sent);
  return responses[sent - 1].id;
}

async function explainCaptures(
  harness: Harness,
  cacheTtls?: { shortMs: number; longMs: number },
): Promise<{ report: ExplainReport; byId: Map<string, ExchangeExplanation>; index: LogIndex }> {
  const index = await LogIndex.open([harness.captureDir], { workers: false });
  const input = index.analysisInput();
  const analysis = buildAnalysisReport(input);
  const report = explainLog(input, { agents: analysis.agents, conversations: analysis.conversations, ...(cacheTtls ? { cacheTtls } : {}) });
  return { report, byId: new Map(report.exchanges.map((exchange) => [exchange.id, exchange])), index };
}

describe('explain: cache, composition and cost over real-shaped traffic through the proxy', function () {
  this.timeout(120_000);
  let upstream: FakeUpstream;
  let harness: Harness;
  const ids: Record<string, Sent> = {};

  before(async () => {
    upstream = await startFakeUpstream();
    harness = await startHarness(upstream.url);
    const main = new ClaudeSession(harness, '8a4cac0c-8aca-4385-9f7b-53d8f16a61af');
    ids.first = await main.send();
    // The title side request: same session id, its own short prompt, no tools.
    ids.title = await main.send({
      body: {
        model: 'claude-haiku-4-5-20251001',
        max_tokens: 512,
        stream: true,
        system: [{ type: 'text', text: 'Summarize this coding conversation in under 50 characters.' }],
        tools: [],
        messages: [{ role: 'user', content: 'Fix the failing counter test' }],
        metadata: { user_id: JSON.stringify({ session_id: main.sessionId }) },
      },
    });
    main.next('Now run the tests');
    ids.second = await main.send();
    // CLAUDE.md edited mid-conversation: `claude -c` appends a reminder; the history is resent unchanged.
    main.messages.push(turn('assistant', 'Tests pass.'), {
      role: 'user',
      content: [
        { type: 'text', text: '<system-reminder>\nInstruction files were re-read: /home/user/project/CLAUDE.md now says: Use npm.\n</system-reminder>' },
        { type: 'text', text: 'Commit it' },
      ],
    });
    ids.claudeMdEdit = await main.send();
    // --disallowedTools WebFetch: the tool set changes.
    main.toolList = tools('December 2026', ['WebFetch']);
    main.next('Check the docs');
    ids.toolsChanged = await main.send();
    // Model switch, and back.
    main.model = 'claude-opus-4-5-20251101';
    main.next('Think harder');
    ids.modelSwitch = await main.send();
    main.model = SONNET;
    main.next('Back to normal');
    ids.modelBack = await main.send();
    // A 529, then Claude Code resends the same body.
    main.next('One more thing');
    const body = main.body();
    ids.overloaded = await main.send({ body, scenario: 'status:529' });
    ids.resend = await main.send({ body });
    // A diagnosis carried by the response: the request names its previous message; the tools changed since.
    main.toolList = tools('December 2026', ['WebFetch', 'Skill']);
    main.next('And again');
    ids.diagnosed = await main.send({ extra: { diagnostics: { previous_message_id: ids.resend.messageId } } });
    // A 1-hour write.
    main.next('Keep this for an hour');
    ids.oneHour = await main.send({ ttl: '1h' });

    // New sessions in the same folder, each starting differently from the last.
    ids.baseline = await new ClaudeSession(harness, '00000000-2222-4333-8444-555555555555').send();
    const claudeMd = new ClaudeSession(harness, '11111111-2222-4333-8444-555555555555', firstUser('Use pnpm. Always run the linter.'));
    ids.newClaudeMd = await claudeMd.send();
    const appended = new ClaudeSession(harness, '22222222-2222-4333-8444-555555555555', firstUser('Use pnpm. Always run the linter.'));
    appended.systemBlocks = system({ append: 'Answer in French.' });
    ids.newAppend = await appended.send();
    const billing = new ClaudeSession(harness, '33333333-2222-4333-8444-555555555555', firstUser('Use pnpm. Always run the linter.', 'Another first prompt'));
    billing.systemBlocks = system({ append: 'Answer in French.', billing: '9c1' });
    ids.newBilling = await billing.send();
    // Another folder, byte-identical first message: another session id, another conversation.
    const elsewhere = new ClaudeSession(harness, '44444444-2222-4333-8444-555555555555', firstUser('Use pnpm. Always run the linter.', 'Another first prompt'));
    elsewhere.systemBlocks = billing.systemBlocks;
    ids.otherFolder = await elsewhere.send();

    // Codex: the same thread twice (prompt_cache_key = its thread id); the second reads the first's prefix.
    for (const name of ['codexFirst', 'codexSecond']) {
      const input = [...(CODEX.input as Json[])];
      if (name === 'codexSecond') input.push({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'next' }] });
      const response = await request(`${harness.url()}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer test', session_id: 'codex-thread-1' },
        body: JSON.stringify({ ...CODEX, model: 'gpt-5-codex', input, prompt_cache_key: 'codex-thread-1', stream: true }),
      });
      await response.body.text();
      ids[name] = { id: await lastExchangeId(harness) };
    }
  });

  after(async () => {
    await harness?.close();
    await upstream?.close();
  });

  const explained = async (name: string) => {
    const { byId } = await explainCaptures(harness);
    const explanation = byId.get(ids[name].id);
    assert.ok(explanation, `no explanation for ${name}`);
    return explanation;
  };

  it('a second turn hits; a mid-conversation CLAUDE.md edit is a hit, not a break', async () => {
    const first = await explained('first');
    assert.equal(first.cache.cause.kind, 'first-write');
    assert.ok(first.cache.written > 5000, `the first turn writes its prefix (${first.cache.written})`);
    const second = await explained('second');
    assert.equal(second.cache.cause.kind, 'hit', second.cache.cause.text);
    assert.equal(second.cache.read, first.cache.read + first.cache.written);
    assert.equal(second.cache.isBreak, false);
    const edit = await explained('claudeMdEdit');
    assert.equal(edit.cache.cause.kind, 'hit', edit.cache.cause.text);
    assert.equal(edit.cache.missed, 0);
    // Read / (uncached + read + written), never the 100% read / (input + read) gives Claude Code's traffic.
    assert.ok(edit.cache.hitRate !== null && edit.cache.hitRate < 1 && edit.cache.hitRate > 0.5);
  });

  it('the tool set changed: a break at the first changed tool, priced against a warm cache', async () => {
    const changed = await explained('toolsChanged');
    assert.equal(changed.cache.cause.kind, 'prefix-changed', changed.cache.cause.text);
    assert.equal(changed.cache.segment?.part, 'tools');
    assert.equal(changed.cache.segment?.toolName, 'WebFetch', 'WebFetch was removed: its slot now holds the next tool');
    assert.equal(changed.cache.segment?.index, TOOL_NAMES.indexOf('WebFetch'));
    assert.ok(changed.cache.isBreak);
    assert.equal(changed.cache.read, 0, 'tools come first: nothing of the prefix survives');
    const price = DEFAULT_PRICING.models['claude-sonnet-4-5'];
    const expected = (changed.cache.missed * ((price.cacheWrite5m as number) - price.cacheRead)) / 1e6;
    assert.ok(Math.abs((changed.cache.breakCost?.usd ?? 0) - expected) < 1e-12);
    const { report } = await explainCaptures(harness);
    assert.ok(report.report.byTool.some((group) => group.key === 'WebFetch' && group.count === 1));
  });

  it('a model switch and back: both explained as the model changing', async () => {
    const there = await explained('modelSwitch');
    assert.equal(there.cache.cause.kind, 'model-changed', there.cache.cause.text);
    assert.equal(there.cache.read, 0);
    const back = await explained('modelBack');
    assert.equal(back.cache.cause.kind, 'model-changed', back.cache.cause.text);
    assert.ok(back.cache.read > 0, 'the Sonnet cache written before the switch is read again');
  });

  it('a 529 and its resend are one retry, explained as a retry', async () => {
    const { report, index } = await explainCaptures(harness);
    const analysis = buildAnalysisReport(index.analysisInput());
    const retries = analysis.conversations.edges.filter((edge) => edge.kind === 'retry');
    assert.deepEqual(retries.map((edge) => [edge.from, edge.to]), [[ids.overloaded.id, ids.resend.id]]);
    const resend = report.exchanges.find((exchange) => exchange.id === ids.resend.id);
    assert.equal(resend?.cache.cause.kind, 'retry');
    assert.match(resend?.cache.cause.text ?? '', /after 529/);
    const failed = report.exchanges.find((exchange) => exchange.id === ids.overloaded.id);
    assert.equal(failed?.cost.priced, false, 'a 529 has no usage: unpriced, not $0');
  });

  it('a diagnosis carried by the response is the cause, and the segment is still located', async () => {
    const diagnosed = await explained('diagnosed');
    assert.equal(diagnosed.cache.cause.source, 'provider');
    assert.equal(diagnosed.cache.cause.diagnosis?.type, 'tools_changed');
    assert.equal(diagnosed.cache.segment?.part, 'tools');
    assert.equal(diagnosed.cache.segment?.toolName, 'Skill');
    const record = harness.responseRecord(ids.diagnosed.id);
    assert.deepEqual((record.reconstructed?.diagnostics as Json | undefined)?.cache_miss_reason && Object.keys((record.reconstructed?.diagnostics as Json).cache_miss_reason as Json).sort(), ['cache_missed_input_tokens', 'type']);
  });

  it('new sessions in one folder: the first changed block is the CLAUDE.md in messages[0], system[1] with --append-system-prompt, the billing header in system[0]', async () => {
    const claudeMd = await explained('newClaudeMd');
    assert.equal(claudeMd.cache.cause.kind, 'first-write');
    assert.equal(claudeMd.cache.segment?.part, 'messages');
    assert.equal(claudeMd.cache.segment?.index, 0);
    assert.match(claudeMd.cache.segment?.label ?? '', /CLAUDE\.md/);
    assert.ok(claudeMd.cache.read > 0, 'tools and system were read from the earlier session');
    const appended = await explained('newAppend');
    assert.deepEqual([appended.cache.segment?.part, appended.cache.segment?.index], ['system', 1]);
    const billing = await explained('newBilling');
    assert.deepEqual([billing.cache.segment?.part, billing.cache.segment?.index], ['system', 0]);
    assert.match(billing.cache.segment?.label ?? '', /billing header/);
  });

  it('two runs with identical first messages stay two conversations; the title request is its own, linked to its parent', async () => {
    const { index } = await explainCaptures(harness);
    const conversations = buildAnalysisReport(index.analysisInput()).conversations;
    const threadOf = (name: string) => conversations.nodes.find((node) => node.id === ids[name].id)?.thread;
    assert.notEqual(threadOf('newBilling'), threadOf('otherFolder'));
    const main = threadOf('first');
    for (const name of ['second', 'claudeMdEdit', 'toolsChanged', 'modelSwitch', 'modelBack', 'resend', 'diagnosed', 'oneHour']) {
      assert.equal(threadOf(name), main, `${name} is in the main conversation`);
    }
    const title = conversations.threads[threadOf('title') as number];
    assert.notEqual(title.id, main);
    assert.equal(title.parent, main);
    assert.equal(title.key, '8a4cac0c-8aca-4385-9f7b-53d8f16a61af');
    assert.equal(conversations.summary.retries, 1);
  });

  it('composition sums to the reported input on every request; tool definitions by name', async () => {
    const { report } = await explainCaptures(harness);
    assert.equal(report.exchanges.length, Object.keys(ids).length);
    for (const exchange of report.exchanges) {
      const sum = exchange.composition.parts.reduce((total, part) => total + part.tokens, 0);
      assert.equal(sum, exchange.composition.inputTokens, exchange.id);
    }
    const first = report.exchanges.find((exchange) => exchange.id === ids.first.id);
    const part = (kind: string) => first?.composition.parts.find((entry) => entry.kind === kind)?.tokens ?? 0;
    assert.ok(part('tools') > part('system') && part('system') > part('context') && part('context') > 0);
    assert.deepEqual(first?.composition.tools.map((tool) => tool.name).sort(), [...TOOL_NAMES].sort());
  });

  it('cost: a 1-hour write at the 1-hour rate; Codex cached tokens are part of its input', async () => {
    const oneHour = await explained('oneHour');
    assert.ok(oneHour.cache.written1h > 0 && oneHour.cache.written5m === 0, JSON.stringify(oneHour.cache));
    const sonnet = DEFAULT_PRICING.models['claude-sonnet-4-5'];
    const { index } = await explainCaptures(harness);
    const usage = index.exchanges().find((exchange) => exchange.id === ids.oneHour.id)?.usage;
    assert.ok(usage);
    const byHand = (usage.input * 3 + usage.output * 15 + usage.cacheRead * 0.3 + (usage.cacheCreation1h ?? 0) * 6) / 1e6;
    assert.equal(sonnet.cacheWrite1h, 6);
    assert.ok(Math.abs((oneHour.cost.total ?? 0) - byHand) < 1e-12, `${oneHour.cost.total} vs ${byHand}`);
    assert.ok(oneHour.cost.cacheWrite1h > 0 && oneHour.cost.cacheWrite5m === 0);

    const codex = await explained('codexSecond');
    const codexUsage = index.exchanges().find((exchange) => exchange.id === ids.codexSecond.id)?.usage;
    assert.ok(codexUsage && codexUsage.cacheRead >= 1024, JSON.stringify(codexUsage));
    const record = harness.responseRecord(ids.codexSecond.id);
    const wireUsage = (record.reconstructed?.usage ?? {}) as { input_tokens: number; output_tokens: number; input_tokens_details: { cached_tokens: number } };
    const cached = wireUsage.input_tokens_details.cached_tokens;
    const codexByHand = ((wireUsage.input_tokens - cached) * 1.25 + cached * 0.125 + wireUsage.output_tokens * 10) / 1e6;
    assert.ok(Math.abs((codex.cost.total ?? 0) - codexByHand) < 1e-12, `${codex.cost.total} vs ${codexByHand}`);
    assert.equal(codex.cache.cause.kind, 'hit', codex.cache.cause.text);
  });
  it('folding the log as it grows, one record at a time (analysis and explainer), equals a cold pass at every step', async () => {
    const files = readdirSync(harness.captureDir).filter((name) => /^log-.*\.jsonl$/.test(name)).sort();
    const lines = files.flatMap((name) => readFileSync(join(harness.captureDir, name), 'utf8').split('\n').filter((line) => line.startsWith('{')));
    // A late-written exchange whose request predates everything: placed first in the main conversation, so
    // what was folded no longer matches and the fold must start over.
    const early = lines
      .filter((line) => (JSON.parse(line) as Json).id === ids.first.id)
      .map((line) => {
        const record = JSON.parse(line) as Json;
        const ts = new Date(Date.parse(String(record.ts)) - 3_600_000).toISOString();
        return JSON.stringify({ ...record, id: `${ids.first.id}-early`, ts });
      });
    assert.equal(early.length, 2, 'the first exchange has a request and a response record');
    const dir = mkdtempSync(join(tmpdir(), 'interlude-fold-'));
    const log = join(dir, 'log-fold.jsonl');
    try {
      writeFileSync(log, '');
      const index = await LogIndex.open([dir], { workers: false });
      const fold = new Explainer();
      const analyzer = new ReportAnalyzer();
      let pendingSeen = 0;
      for (const line of [...lines, ...early]) {
        appendFileSync(log, `${line}\n`);
        await index.refresh();
        const input = index.analysisInput();
        if (input.exchanges.some((exchange) => exchange.pending)) pendingSeen++;
        // The editor's way: the analysis kept and folded too, then the explainer over it.
        const analysis = analyzer.update(input);
        const coldAnalysis = buildAnalysisReport(input);
        assert.deepStrictEqual(analysis, coldAnalysis, `analysis after ${input.exchanges.length} exchanges`);
        const folded = fold.update(input, analysis.conversations, analysis.agents);
        const cold = explainLog(input, { agents: coldAnalysis.agents, conversations: coldAnalysis.conversations });
        assert.deepEqual(folded, cold, `after ${input.exchanges.length} exchanges`);
      }
      const cold = new Explainer();
      const input = index.analysisInput();
      const analysis = buildAnalysisReport(input);
      cold.update(input, analysis.conversations, analysis.agents);
      assert.ok(pendingSeen >= Object.keys(ids).length, 'each request was folded while its response was pending');
      assert.equal(fold.work.restarts, 1, 'only the request placed before everything restarted the fold');
      assert.equal(analyzer.work.restarts, 1, 'the analysis fold too');
      // Incremental: each request explained about twice (pending, then landed; a landing refolds the rest of
      // its conversation), never the whole log per record.
      assert.ok(fold.work.explained < 6 * cold.work.explained, `${fold.work.explained} explanations for ${cold.work.explained} requests`);
      assert.ok(fold.work.explained > cold.work.explained, 'a landed response was explained again');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('explain: expiry', function () {
  this.timeout(60_000);
  it('a gap beyond the TTL of the last write is an expiry (TTL shortened to 1.5 s)', async () => {
    const ttls = { shortMs: 1500, longMs: 60 * 60_000 };
    const upstream = await startFakeUpstream({ cacheTtls: ttls });
    const harness = await startHarness(upstream.url);
    try {
      const session = new ClaudeSession(harness, '55555555-2222-4333-8444-555555555555');
      await session.send();
      await new Promise((resolveWait) => setTimeout(resolveWait, 2500));
      session.next('Still there?');
      const late = await session.send();
      const { byId } = await explainCaptures(harness, ttls);
      const explanation = byId.get(late.id);
      assert.equal(explanation?.cache.cause.kind, 'expired', explanation?.cache.cause.text);
      assert.equal(explanation?.cache.read, 0);
      assert.ok(explanation?.cache.isBreak);
    } finally {
      await harness.close();
      await upstream.close();
    }
  });
});
