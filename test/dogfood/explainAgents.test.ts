// Dogfood for the cache explainer: the real Claude Code and Codex CLIs (pinned, test/support/agentClis.ts) run
// turn after turn in one folder through the real proxy to the fake API, which caches prompts as the API does
// (test/support/promptCache.ts). The hits and misses are the fake's answers to the agents' own requests; each
// turn must be explained with the cause and the segment SPEC §6 says Claude Code 2.1.332 and Codex produce.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAnalysisReport } from '../../src/core/analysis/analysisReport';
import { type ExchangeExplanation, explainLog } from '../../src/core/analysis/explain';
import type { ExchangeSummary } from '../../src/core/logIndex/indexModel';
import { LogIndex } from '../../src/core/logIndex/logIndex';
import {
  CODEX_QUIET_OPTIONS,
  PINNED_CLIS,
  claudeEnv,
  codexCustomProvider,
  codexEnv,
  describeRun,
  ensureAgentClis,
  makeAgentSandbox,
  runProcess,
  type AgentClis,
  type AgentName,
  type AgentSandbox,
} from '../support/agentClis';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { startHarness, type Harness } from '../support/proxyHarness';

const AGENT_TIMEOUT_MS = 60_000;

interface Folder {
  agent: AgentName;
  fake: FakeUpstream;
  harness: Harness;
  sandbox: AgentSandbox;
  /** What each run printed, for failure messages. */
  runs: string[];
}

interface Explained {
  /** The agent's main requests (with tools: not the title or other side requests), in request order. */
  main: ExchangeSummary[];
  of(exchange: ExchangeSummary): ExchangeExplanation;
  conversationKey(exchange: ExchangeSummary): string | undefined;
}

describe('dogfood: the explainer on the real agents\' traffic through a caching fake API', function () {
  this.timeout(4 * AGENT_TIMEOUT_MS);
  let clis: AgentClis;
  const open: Folder[] = [];

  before(async function () {
    this.timeout(10 * 60_000);
    clis = await ensureAgentClis({ log: (line) => console.log(`    [agent CLIs] ${line}`) });
  });

  afterEach(async () => {
    for (const folder of open.splice(0)) {
      await folder.harness.close();
      await folder.fake.close();
      folder.sandbox.remove();
    }
  });

  async function startFolder(agent: AgentName): Promise<Folder> {
    const fake = await startFakeUpstream();
    const harness = await startHarness(fake.url, { listeners: [{ port: 0, upstream: fake.url, agent }] });
    const folder: Folder = { agent, fake, harness, sandbox: makeAgentSandbox(), runs: [] };
    open.push(folder);
    return folder;
  }

  /** One run of the agent in the folder; waits until every exchange it started has its response record. */
  async function run(folder: Folder, args: string[], env: Record<string, string>): Promise<void> {
    const command = folder.agent === 'claude' ? clis.claude : clis.codex;
    const result = await runProcess(command, args, { env, cwd: folder.sandbox.workspace, timeoutMs: AGENT_TIMEOUT_MS });
    folder.runs.push(describeRun(result, 2_000));
    assert.ok(!result.timedOut && result.code === 0, `${folder.agent} ${args.join(' ')} exits 0\n${describeRun(result)}`);
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      if (folder.harness.proxy.activeExchanges === 0) {
        try {
          const records = folder.harness.records();
          const answered = new Set(records.filter((record) => record.kind === 'response').map((record) => record.id));
          if (records.every((record) => answered.has(record.id))) return;
        } catch {
          // A line half written: read again.
        }
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
    }
  }

  async function explain(folder: Folder): Promise<Explained> {
    const index = await LogIndex.open([folder.harness.captureDir], { workers: false });
    const input = index.analysisInput();
    const analysis = buildAnalysisReport(input);
    const report = explainLog(input, { agents: analysis.agents, conversations: analysis.conversations });
    const byId = new Map(report.exchanges.map((exchange) => [exchange.id, exchange]));
    const main = input.exchanges
      .filter((exchange) => exchange.wire !== 'unknown' && exchange.usage !== undefined && (exchange.tools?.count ?? 0) > 0)
      .sort((a, b) => (a.requestTime ?? 0) - (b.requestTime ?? 0));
    const context = () =>
      `\nexplanations:\n${report.exchanges.map((entry) => `  ${entry.id} #${entry.conversation} ${entry.cache.cause.kind}: ${entry.cache.cause.text}`).join('\n')}\nruns:\n${folder.runs.join('\n')}`;
    return {
      main,
      of(exchange) {
        const found = byId.get(exchange.id);
        assert.ok(found, `no explanation for ${exchange.id}${context()}`);
        return found;
      },
      conversationKey: (exchange) => {
        const thread = analysis.conversations.nodes.find((node) => node.id === exchange.id)?.thread;
        return thread === null || thread === undefined ? undefined : analysis.conversations.threads[thread]?.key;
      },
    };
  }

  function claude(folder: Folder, apiKey: string) {
    return (...args: string[]) => run(folder, args, claudeEnv(clis, folder.sandbox, folder.harness.url(), apiKey));
  }

  const say = (explanation: ExchangeExplanation) => `${explanation.cache.cause.kind}: ${explanation.cache.cause.text}`;

  describe(`Claude Code ${PINNED_CLIS.claude.version}`, () => {
    it('claude -p, then claude -c: the second turn reads the first one\'s cache under the same session id; a CLAUDE.md edit between them is a hit, not a break', async () => {
      const folder = await startFolder('claude');
      const agent = claude(folder, `sk-ant-api03-interlude-${randomBytes(8).toString('hex')}`);
      writeFileSync(join(folder.sandbox.workspace, 'CLAUDE.md'), 'Use pnpm.\n');
      await agent('-p', 'Reply with exactly PONG');
      await agent('-c', '-p', 'Reply with exactly PONG again');
      writeFileSync(join(folder.sandbox.workspace, 'CLAUDE.md'), 'Use npm, never pnpm.\n');
      await agent('-c', '-p', 'Reply with exactly PONG once more');

      const explained = await explain(folder);
      assert.equal(explained.main.length, 3, `three main requests, one per run${folder.runs.join('\n')}`);
      const [first, second, third] = explained.main.map((exchange) => explained.of(exchange)) as [ExchangeExplanation, ExchangeExplanation, ExchangeExplanation];
      assert.equal(first.cache.cause.kind, 'first-write', say(first));
      assert.ok(first.cache.written > 1000, `the first turn writes the prompt prefix (${first.cache.written})`);
      assert.equal(second.conversation, first.conversation, 'claude -c continues the same conversation');
      const key = explained.conversationKey(explained.main[0] as ExchangeSummary);
      assert.match(key ?? '', /^[0-9a-f-]{36}$/, 'the conversation is the session id Claude Code sent');
      assert.equal(explained.conversationKey(explained.main[1] as ExchangeSummary), key);
      assert.equal(second.cache.cause.kind, 'hit', say(second));
      assert.equal(second.cache.missed, 0);
      assert.ok(second.cache.read >= first.cache.written, `the second turn reads what the first wrote (${second.cache.read} of ${first.cache.written})`);
      // The edit is appended to the resent history (SPEC §6): the cache still hits.
      const bodyOf = (exchange: ExchangeSummary) => JSON.stringify(folder.harness.records().find((record) => record.kind === 'request' && record.id === exchange.id));
      assert.ok(bodyOf(explained.main[2] as ExchangeSummary).includes('Use npm, never pnpm.'), 'the third turn carries the edited CLAUDE.md');
      assert.ok(!bodyOf(explained.main[1] as ExchangeSummary).includes('Use npm, never pnpm.'), 'the second does not');
      assert.equal(third.conversation, first.conversation);
      assert.equal(third.cache.cause.kind, 'hit', say(third));
      assert.equal(third.cache.isBreak, false);
      assert.ok(third.cache.read >= second.cache.read, `the third turn reads at least what the second did (${third.cache.read})`);
    });

    it('claude -c --disallowedTools Edit breaks the cache at the first changed tool', async () => {
      const folder = await startFolder('claude');
      const agent = claude(folder, `sk-ant-api03-interlude-${randomBytes(8).toString('hex')}`);
      await agent('-p', 'Reply with exactly PONG');
      // 2.1.332's tool list has no WebFetch in -p mode; Edit is its third tool.
      await agent('-c', '-p', 'Reply with exactly PONG again', '--disallowedTools', 'Edit');

      const explained = await explain(folder);
      assert.equal(explained.main.length, 2, folder.runs.join('\n'));
      const [before, after] = explained.main as [ExchangeSummary, ExchangeSummary];
      const changed = explained.of(after);
      assert.equal(changed.conversation, explained.of(before).conversation, 'still the same conversation');
      assert.equal(changed.cache.cause.kind, 'prefix-changed', say(changed));
      assert.equal(changed.cache.segment?.part, 'tools', say(changed));
      assert.equal(changed.cache.segment?.toolName, 'Edit', `the removed tool is named: ${changed.cache.segment?.label}`);
      assert.equal(changed.cache.segment?.change, 'removed');
      assert.ok(before.tools?.names.includes('Edit') && !after.tools?.names.includes('Edit'), 'Edit left the tool list');
      assert.equal(changed.cache.segment?.index, before.tools?.names.indexOf('Edit'), 'at Edit\'s place in the earlier tool list');
      assert.ok(changed.cache.isBreak && (changed.cache.breakCost?.tokens ?? 0) > 0, 'a break, priced');
      assert.equal(changed.cache.read, 0, 'tools come first in the cache order: nothing was read');
    });

    it('a new session with --append-system-prompt breaks at a system block', async () => {
      const folder = await startFolder('claude');
      const agent = claude(folder, `sk-ant-api03-interlude-${randomBytes(8).toString('hex')}`);
      await agent('-p', 'Reply with exactly PONG');
      await agent('-p', 'Reply with exactly PONG', '--append-system-prompt', 'Answer in French.');

      const explained = await explain(folder);
      assert.equal(explained.main.length, 2, folder.runs.join('\n'));
      const [first, second] = explained.main.map((exchange) => explained.of(exchange)) as [ExchangeExplanation, ExchangeExplanation];
      assert.notEqual(second.conversation, first.conversation, 'a new session is a new conversation');
      assert.notEqual(explained.conversationKey(explained.main[1] as ExchangeSummary), explained.conversationKey(explained.main[0] as ExchangeSummary));
      assert.equal(second.cache.cause.kind, 'first-write', say(second));
      assert.equal(second.cache.segment?.part, 'system', `the new session parts from the last at a system block: ${say(second)}`);
      assert.equal(second.cache.segment?.change, 'changed');
      const blocks = (explained.main[1] as ExchangeSummary).system?.blocks?.length ?? 0;
      assert.ok(blocks >= 2, `system blocks: ${blocks}`);
      assert.equal(second.cache.segment?.index, 1, `system[1], the block after the billing header (${second.cache.segment?.label})`);
      assert.match(second.cache.cause.text, /differs from the previous conversation at system\[\d+\]/);
      // Claude Code's first breakpoint is on that block: nothing before it was cached on its own, so nothing is read.
      assert.equal(second.cache.read, 0, 'no breakpoint before the changed block');
    });
  });

  describe(`Codex ${PINNED_CLIS.codex.version}`, () => {
    it('codex exec, then codex exec resume --last: one conversation by prompt_cache_key, the second run reads the first run\'s prefix', async () => {
      const folder = await startFolder('codex');
      const env = codexEnv(clis, folder.sandbox, { KEY: `sk-interlude-${randomBytes(8).toString('hex')}` });
      const provider = [...codexCustomProvider(`${folder.harness.url()}/v1`, 'KEY'), ...CODEX_QUIET_OPTIONS];
      await run(folder, ['exec', ...provider, 'Reply with exactly PONG'], env);
      await run(folder, ['exec', ...provider, 'resume', '--last', 'Reply with exactly PONG again'], env);

      const explained = await explain(folder);
      assert.equal(explained.main.length, 2, folder.runs.join('\n'));
      const [firstRequest, secondRequest] = explained.main as [ExchangeSummary, ExchangeSummary];
      const first = explained.of(firstRequest);
      const second = explained.of(secondRequest);
      const key = explained.conversationKey(firstRequest);
      assert.ok(key, 'the conversation is the prompt_cache_key Codex sent');
      assert.equal(firstRequest.conversationKey, key);
      assert.equal(explained.conversationKey(secondRequest), key, 'resume sends the same prompt_cache_key');
      assert.equal(second.conversation, first.conversation);
      assert.equal(first.cache.cause.kind, 'first-write', say(first));
      assert.equal(second.cache.cause.kind, 'hit', say(second));
      assert.ok(second.cache.read >= 1024, `the resumed run reads the cached prefix (${second.cache.read} tokens)`);
      assert.ok(second.cache.hitRate !== null && second.cache.hitRate > 0.5, `hit rate ${second.cache.hitRate}`);
      // Codex 0.171's default model may be newer than the shipped price table: then it is unpriced, never $0.
      if (!second.cost.priced) {
        assert.equal(second.cost.total, null);
        assert.match(second.cost.unpricedReason ?? '', new RegExp(`no price for ${String(secondRequest.model).replace(/[.]/g, '\\.')}`));
      } else {
        assert.ok((second.cost.total ?? 0) > 0, 'a priced request costs something');
      }
    });
  });
});
