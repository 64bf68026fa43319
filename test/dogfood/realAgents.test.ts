// Dogfood: the real Claude Code and Codex CLIs, run offline as subprocesses, talk through the real proxy to the
// fake model API (test/support/fakeUpstream.ts). Each test checks what the agent printed and what the proxy wrote
// to its JSONL log: the request shapes today's agents really send, the reassembled streams, tool round trips, and
// that no credential reaches the log.
//
// The CLIs are installed at pinned versions in a cache outside the repo (test/support/agentClis.ts). Trimmed real
// request bodies are kept in test/fixtures/agents/; `AGENT_INTERLUDE_UPDATE_FIXTURES=1 npm run dogfood` rewrites
// them, otherwise the tests only check that the live requests still have the fixtures' shape.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { requestRecord } from '../../src/core/capture/captureRecorder';
import type { CaptureRecord, RequestRecord, ResponseRecord } from '../../src/core/records';
import { splicedRequestLine } from '../../src/core/capture/requestSplice';
import { agentSetups } from '../../src/extension/agents/agentSetupLines';
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
  type ProcessRun,
} from '../support/agentClis';
import {
  type RecordedRequest,
  BASH_TOOL_MARKER,
  EXEC_TOOL_MARKER,
  TOOL_COMMAND,
  makeTestCertificate,
  startFakeUpstream,
  type FakeUpstream,
} from '../support/fakeUpstream';
import { startHarness, type Harness } from '../support/proxyHarness';

const AGENT_TIMEOUT_MS = 60_000;
const TOOL_OUTPUT = 'interlude-tool-ok';
const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'agents');
const UPDATE_FIXTURES = process.env.AGENT_INTERLUDE_UPDATE_FIXTURES === '1';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** A distinctive dummy credential, so "absent from the log" means something. */
function dummyKey(prefix: string): string {
  return `${prefix}-interlude-dogfood-${randomBytes(12).toString('hex')}`;
}

/** Text of an Anthropic or Responses content value: a string, or the `text` of its parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return objects(content)
    .map((part) => (typeof part.text === 'string' ? part.text : textOf(part.content)))
    .join('');
}

// ---------------------------------------------------------------------------------------------------------------
// One agent run against a fresh fake upstream and a fresh proxy

interface Session {
  agent: AgentName;
  fake: FakeUpstream;
  harness: Harness;
  sandbox: AgentSandbox;
  close(): Promise<void>;
}

interface LogView {
  text: string;
  records: CaptureRecord[];
  requests: RequestRecord[];
  responses: ResponseRecord[];
  response(id: string): ResponseRecord;
}

/** Reads the log file itself: every line must be one JSON record with an id and a kind. */
function readLog(harness: Harness): LogView {
  const path = harness.proxy.logPath;
  assert.ok(path, `the proxy has no log file; problems: ${harness.problems.join('; ')}`);
  const text = readFileSync(path, 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'the log ends with a complete line');
  const records = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, index) => {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (error) {
        assert.fail(`log line ${index + 1} is not JSON (${(error as Error).message}): ${line.slice(0, 300)}`);
      }
      assert.ok(isObject(record), `log line ${index + 1} is not a JSON object`);
      assert.match(String(record.id), /^[0-9a-f]{12}$/, `log line ${index + 1} has a 12-hex-char id`);
      assert.ok(record.kind === 'request' || record.kind === 'response', `log line ${index + 1} has a kind`);
      return record as unknown as CaptureRecord;
    });
  const requests = records.filter((record): record is RequestRecord => record.kind === 'request');
  const responses = records.filter((record): record is ResponseRecord => record.kind === 'response');
  return {
    text,
    records,
    requests,
    responses,
    response(id) {
      const found = responses.find((record) => record.id === id);
      assert.ok(found, `no response record for request ${id}`);
      return found;
    },
  };
}

/**
 * Each request line the proxy wrote (spliced from the body's bytes where it could) is byte for byte the line of
 * today's parse-and-serialize path for the body the upstream received; and a real agent's plain JSON body is
 * spliced, not parsed. Returns how many lines were spliced.
 */
function assertRequestLinesAsParsed(log: LogView, received: RecordedRequest[]): number {
  const lines = log.text.split('\n').filter((line) => line !== '');
  let spliced = 0;
  for (const sent of received) {
    if (!sent.body || sent.body.length === 0) continue;
    const contentEncoding = String(sent.headers['content-encoding'] ?? '');
    const candidates = lines.flatMap((line) => {
      const record = JSON.parse(line) as CaptureRecord;
      if (record.kind !== 'request' || record.method !== sent.method || record.path !== sent.url) return [];
      const command = {
        type: 'request' as const,
        meta: { ...record, contentEncoding },
        body: sent.body as Buffer,
        bodyBytes: sent.bodyLength,
        overflowed: false as const,
        interrupted: false,
      };
      return [{ line: `${line}\n`, command }];
    });
    const match = candidates.find(({ line, command }) => line === `${JSON.stringify(requestRecord(command))}\n`);
    assert.ok(match, `a request line for ${sent.method} ${sent.url} equals the parsed-and-serialized record of its body${firstDifference(candidates)}`);
    if (splicedRequestLine(match.command)) spliced += 1;
    else assert.ok(contentEncoding !== '', `the plain JSON body of ${sent.method} ${sent.url} is spliced, not parsed`);
  }
  return spliced;
}

/** Where the first candidate line and its parsed-and-serialized twin part, for the failure message. */
function firstDifference(candidates: Array<{ line: string; command: Parameters<typeof requestRecord>[0] }>): string {
  const first = candidates[0];
  if (!first) return ' (no request line with that method and path)';
  const parsed = `${JSON.stringify(requestRecord(first.command))}\n`;
  let at = 0;
  while (at < first.line.length && first.line[at] === parsed[at]) at += 1;
  return `; they part at character ${at}: written …${first.line.slice(Math.max(0, at - 80), at + 120)}… parsed …${parsed.slice(Math.max(0, at - 80), at + 120)}…`;
}

/** One line per record, for failure messages. */
function summarize(records: CaptureRecord[]): string {
  return records
    .map((record) => {
      if (record.kind === 'request') {
        return `  request  ${record.id} ${record.method} ${record.path} wire=${record.wire}${record.websocket ? ' websocket' : ''}`;
      }
      const text = isObject(record.reconstructed) ? JSON.stringify(record.reconstructed.text ?? '').slice(0, 80) : '';
      return `  response ${record.id} ${record.status}${record.stream ? ' stream' : ''} ${text}${record.error ? ` error=${record.error}` : ''}`;
    })
    .join('\n');
}

/** Every exchange is a request line then its response line, with the same id, agent and wire, and nothing else. */
function assertPairedById(log: LogView, agent: AgentName): void {
  const ids = new Set(log.records.map((record) => record.id));
  for (const id of ids) {
    const lines = log.records.filter((record) => record.id === id);
    const kinds = lines.map((record) => record.kind).join(',');
    assert.equal(kinds, 'request,response', `exchange ${id}: expected a request then a response, got ${kinds}`);
    const [request, response] = lines as [CaptureRecord, CaptureRecord];
    assert.equal(request.agent, agent, `exchange ${id} is labelled with the listener's agent`);
    assert.equal(response.agent, agent, `exchange ${id} response agent`);
    assert.equal(response.wire, request.wire, `exchange ${id}: response wire matches the request's`);
  }
}

describe('dogfood: real agent CLIs through the proxy', function () {
  // Above the agent's own 60 s limit, so a hung agent fails with its output rather than a bare mocha timeout.
  this.timeout(AGENT_TIMEOUT_MS + 30_000);
  let clis: AgentClis;
  const open: Session[] = [];

  before(async function () {
    // A fresh machine downloads ~650 MB here; an installed cache costs a second.
    this.timeout(10 * 60_000);
    clis = await ensureAgentClis({ log: (line) => console.log(`    [agent CLIs] ${line}`) });
    console.log(`    [agent CLIs] ${clis.versions.claude}; ${clis.versions.codex} (cache ${clis.cacheDir})`);
  });

  afterEach(async () => {
    for (const session of open.splice(0)) await session.close();
  });

  async function startSession(agent: AgentName, tls?: ReturnType<typeof makeTestCertificate>): Promise<Session> {
    const fake = await startFakeUpstream(tls ? { tls } : {});
    const harness = await startHarness(fake.url, {
      listeners: [{ port: 0, upstream: fake.url, agent }],
      extraCa: tls?.ca,
    });
    const sandbox = makeAgentSandbox();
    const session: Session = {
      agent,
      fake,
      harness,
      sandbox,
      async close() {
        await harness.close();
        await fake.close();
        sandbox.remove();
      },
    };
    open.push(session);
    return session;
  }

  /** Runs the agent, then waits until every exchange it started has its response record. */
  async function runAgent(session: Session, args: string[], env: Record<string, string>, command = session.agent === 'claude' ? clis.claude : clis.codex): Promise<Outcome> {
    const run = await runProcess(command, args, { env, cwd: session.sandbox.workspace, timeoutMs: AGENT_TIMEOUT_MS });
    const deadline = Date.now() + 15_000;
    for (;;) {
      let records: CaptureRecord[] | undefined;
      try {
        // The log is written through a stream: a read can catch the last line half written.
        if (session.harness.proxy.activeExchanges === 0) records = session.harness.records();
      } catch {
        records = undefined;
      }
      const answered = new Set(records?.filter((record) => record.kind === 'response').map((record) => record.id));
      // Every request the fake API received has its line (an empty log is not a finished one: the recorder writes
      // a request's line once its response has begun, on its own thread, after the agent may have exited).
      const lineKeys = (records ?? []).filter((record) => record.kind === 'request').map((record) => `${record.method} ${record.path}`);
      const everyRequestHasALine = session.fake.requests
        .filter((request) => request.body && request.body.length > 0)
        .every((request) => {
          // One line per received request (a refused WebSocket upgrade's line has another method: it does not count).
          const at = lineKeys.indexOf(`${request.method} ${request.url}`);
          if (at >= 0) lineKeys.splice(at, 1);
          return at >= 0;
        });
      if (records && everyRequestHasALine && records.every((record) => answered.has(record.id))) break;
      if (Date.now() > deadline) break; // readLog/assertPairedById then say what is missing
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
    }
    console.log(`      (${session.agent} ran ${run.durationMs} ms)`);
    return new Outcome(session, run);
  }

  /** A finished run: assertion helpers that put the agent's output and the log summary in every failure. */
  class Outcome {
    readonly log: LogView;

    constructor(
      readonly session: Session,
      readonly run: ProcessRun,
    ) {
      try {
        this.log = readLog(session.harness);
        assertRequestLinesAsParsed(this.log, session.fake.requests);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${describeRun(run)}\nproxy problems: ${session.harness.problems.join('; ') || 'none'}`);
      }
    }

    context(): string {
      return `\n${describeRun(this.run)}\nlog:\n${summarize(this.log.records)}\nproxy problems: ${
        this.session.harness.problems.join('; ') || 'none'
      }`;
    }

    check(condition: unknown, message: string): asserts condition {
      if (!condition) assert.fail(`${message}${this.context()}`);
    }

    equal(actual: unknown, expected: unknown, message: string): void {
      try {
        assert.deepEqual(actual, expected);
      } catch {
        assert.fail(`${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)?.slice(0, 500)}${this.context()}`);
      }
    }

    /** The agent exited 0, and the log is whole: every line parses, exchanges pair by id, no proxy problem. */
    assertCleanRun(): void {
      this.check(!this.run.timedOut && this.run.code === 0, 'the agent exits 0');
      try {
        assertPairedById(this.log, this.session.agent);
      } catch (error) {
        assert.fail(`${(error as Error).message}${this.context()}`);
      }
      this.equal(this.session.harness.problems, [], 'the proxy reports no problem');
      for (const response of this.log.responses) {
        this.check(response.error === undefined && response.partial === undefined, `response ${response.id} is complete`);
      }
    }

    assertSecretsAbsent(...secrets: string[]): void {
      for (const secret of secrets) this.check(!this.log.text.includes(secret), `the log does not contain ${secret.slice(0, 12)}…`);
    }

    requestsOn(wire: RequestRecord['wire']): RequestRecord[] {
      return this.log.requests.filter((record) => record.wire === wire && record.method === 'POST');
    }

    body(record: RequestRecord): JsonObject {
      this.check(isObject(record.request), `request ${record.id} was logged as parsed JSON`);
      return record.request;
    }

    reconstructed(record: ResponseRecord): JsonObject {
      this.check(record.stream === true && isObject(record.reconstructed), `response ${record.id} is a reassembled stream`);
      return record.reconstructed;
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Fixtures: one trimmed real request body per agent layout

  /** Paths of this run's sandbox become neutral ones; long strings are cut; at most five tools are kept. */
  function trimForFixture(body: JsonObject, sandbox: AgentSandbox): JsonObject {
    const neutral = (text: string): string =>
      text
        .replaceAll(sandbox.workspace, '/home/user/project')
        .replaceAll(sandbox.home, '/home/user')
        .replaceAll(sandbox.root, '/tmp/agent')
        .replace(/\/tmp\/interlude-[A-Za-z0-9_-]+/g, '/tmp/agent');
    const cut = (text: string): string => {
      const codePoints = Array.from(text);
      return codePoints.length <= 300 ? text : `${codePoints.slice(0, 300).join('')}…(+${codePoints.length - 300} chars)`;
    };
    const walk = (value: unknown, key?: string): unknown => {
      if (typeof value === 'string') return cut(neutral(value));
      if (Array.isArray(value)) return (key === 'tools' ? pickTools(value, 5) : value).map((item) => walk(item));
      if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, walk(inner, name)]));
      return value;
    };
    return walk(body) as JsonObject;
  }

  /**
   * Keeps at most `budget` tools (namespaces count by the tools they hold), preferring one of each shape (type and
   * keys) and one per namespace, so every structure the agent sends survives the trim.
   */
  function pickTools(tools: unknown[], budget: number): unknown[] {
    type Leaf = { outer: number; inner: number | undefined; tool: unknown };
    const leaves: Leaf[] = tools.flatMap((tool, outer): Leaf[] =>
      isObject(tool) && Array.isArray(tool.tools)
        ? tool.tools.map((innerTool, inner) => ({ outer, inner, tool: innerTool }))
        : [{ outer, inner: undefined, tool }],
    );
    const shape = (tool: unknown): string => (isObject(tool) ? `${String(tool.type)}:${Object.keys(tool).sort().join(',')}` : typeof tool);
    const chosen = new Set<Leaf>();
    const shapes = new Set<string>();
    const containers = new Set<number>();
    for (const leaf of leaves) {
      if (chosen.size >= budget) break;
      const newContainer = leaf.inner !== undefined && !containers.has(leaf.outer);
      if (!shapes.has(shape(leaf.tool)) || newContainer) {
        chosen.add(leaf);
        shapes.add(shape(leaf.tool));
        containers.add(leaf.outer);
      }
    }
    for (const leaf of leaves) {
      if (chosen.size >= budget) break;
      chosen.add(leaf);
    }
    return tools.flatMap((tool, outer) => {
      if (isObject(tool) && Array.isArray(tool.tools)) {
        const kept = tool.tools.filter((_inner, inner) => [...chosen].some((leaf) => leaf.outer === outer && leaf.inner === inner));
        return kept.length > 0 ? [{ ...tool, tools: kept }] : [];
      }
      return [...chosen].some((leaf) => leaf.outer === outer) ? [tool] : [];
    });
  }

  /** The parts of a body's shape that identify the agent's layout: top-level keys and the order of prompt items. */
  function layoutOf(body: JsonObject): unknown {
    const items = Array.isArray(body.input) ? body.input : body.messages;
    return {
      keys: Object.keys(body).sort(),
      items: objects(items).map((item) => `${String(item.type ?? 'message')}/${String(item.role ?? '')}`),
      system: Array.isArray(body.system) ? body.system.length : typeof body.system,
      tools: Array.isArray(body.tools) ? 'array' : typeof body.tools,
    };
  }

  /** Writes the fixture when asked to; otherwise checks the committed one still has the live request's layout. */
  function checkFixture(outcome: Outcome, name: string, record: RequestRecord): void {
    const body = outcome.body(record);
    const file = join(FIXTURE_DIR, name);
    if (UPDATE_FIXTURES) {
      mkdirSync(FIXTURE_DIR, { recursive: true });
      writeFileSync(file, `${JSON.stringify(trimForFixture(body, outcome.session.sandbox), null, 2)}\n`);
      return;
    }
    outcome.check(existsSync(file), `fixture ${file} exists (AGENT_INTERLUDE_UPDATE_FIXTURES=1 npm run dogfood writes it)`);
    const fixture = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
    outcome.equal(
      layoutOf(body),
      layoutOf(fixture),
      `fixture ${name} has the layout the agent sends today (if the pinned version changed, regenerate with AGENT_INTERLUDE_UPDATE_FIXTURES=1 npm run dogfood)`,
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // Claude Code

  describe(`Claude Code ${PINNED_CLIS.claude.version}`, () => {
    it('claude -p prints PONG; the log holds its real Messages request and the reassembled stream, and no key', async () => {
      const session = await startSession('claude');
      const apiKey = dummyKey('sk-ant-api03');
      const outcome: Outcome = await runAgent(
        session,
        ['-p', 'Reply with exactly PONG'],
        claudeEnv(clis, session.sandbox, session.harness.url(), apiKey),
      );
      outcome.assertCleanRun();
      outcome.equal(outcome.run.stdout.trim(), 'PONG', 'claude prints the fake model reply');

      // A reachability probe, when sent (`HEAD /`; 2.1.332 sends `HEAD /api/hello` unless nonessential traffic is
      // off, as here), is an exchange of its own and not an API call.
      for (const probe of outcome.log.requests.filter((record) => record.method === 'HEAD')) {
        outcome.equal(probe.wire, 'unknown', `the HEAD ${probe.path} probe is logged as wire unknown`);
      }

      const messages = outcome.requestsOn('claude-messages');
      outcome.check(messages.length >= 1, 'a claude-messages exchange was logged');
      const request = messages[0] as RequestRecord;
      outcome.equal(request.path, '/v1/messages?beta=true', 'the path keeps its query');
      const body = outcome.body(request);
      outcome.equal(body.stream, true, 'Claude Code streams');
      outcome.check((request.request_bytes ?? 0) > 20_000, `the whole ~50 KB body was captured (${request.request_bytes} bytes)`);

      // headers_kept: the allowlist, never a credential.
      const headers = request.headers_kept;
      outcome.check(headers['anthropic-beta']?.includes('claude-code-'), 'anthropic-beta is kept');
      outcome.check(headers['user-agent']?.startsWith(`claude-cli/${PINNED_CLIS.claude.version}`), 'user-agent is kept');
      outcome.check(headers['anthropic-version'] !== undefined, 'anthropic-version is kept');
      outcome.check(!('x-api-key' in headers) && !('authorization' in headers), 'no credential header is kept');
      const sent = session.fake.requests.find((seen) => seen.method === 'POST');
      outcome.equal(sent?.headers['x-api-key'], apiKey, 'the key itself was forwarded upstream');
      outcome.assertSecretsAbsent(apiKey);

      // extract: system blocks (plus the role:"system" messages), tools with input_schema, the messages.
      const extract = request.extract;
      outcome.check(extract !== null, 'the request has an extract');
      const systemBlocks = objects(body.system);
      outcome.check(systemBlocks.length >= 2 && systemBlocks.every((block) => block.type === 'text'), 'system is text blocks');
      const systemMessages = objects(body.messages).filter((message) => message.role === 'system');
      outcome.equal(extract.system, [...systemBlocks, ...systemMessages], 'extract.system = system blocks + role:"system" messages');
      const tools = objects(extract.tools);
      outcome.check(tools.length >= 10, `extract.tools lists Claude Code's tools (${tools.length})`);
      outcome.check(tools.every((tool) => typeof tool.name === 'string' && isObject(tool.input_schema)), 'every tool has input_schema');
      const toolNames = tools.map((tool) => tool.name);
      for (const name of ['Bash', 'Read', 'Edit', 'Write']) outcome.check(toolNames.includes(name), `the tools include ${name}`);
      outcome.equal(extract.messages, body.messages, 'extract.messages is the messages array');
      const lastUser = objects(extract.messages).filter((message) => message.role === 'user').at(-1);
      outcome.check(textOf(lastUser?.content).includes('Reply with exactly PONG'), 'the prompt is in the last user message');

      const response = outcome.log.response(request.id);
      outcome.equal(response.status, 200, 'the response status');
      const reconstructed = outcome.reconstructed(response);
      outcome.equal(reconstructed.text, 'PONG', 'reconstructed.text');
      outcome.equal(reconstructed.stop_reason, 'end_turn', 'reconstructed.stop_reason');
      outcome.check(isObject(reconstructed.usage) && typeof reconstructed.usage.input_tokens === 'number', 'usage.input_tokens');
      outcome.check(isObject(reconstructed.usage) && typeof reconstructed.usage.output_tokens === 'number', 'usage.output_tokens');
      outcome.equal(response.event_types?.message_stop, 1, 'the stream ended with message_stop');

      checkFixture(outcome, 'claude-code-messages-request.json', request);
    });

    it('a Bash tool round trip: tool_use in the response, tool_result in the follow-up, threads paired by id', async () => {
      const session = await startSession('claude');
      const apiKey = dummyKey('sk-ant-api03');
      const outcome: Outcome = await runAgent(
        session,
        // The prompt goes before --allowedTools, which would otherwise take it as another tool name.
        ['-p', `${BASH_TOOL_MARKER}: run the command and report its output`, '--allowedTools', 'Bash'],
        claudeEnv(clis, session.sandbox, session.harness.url(), apiKey),
      );
      outcome.assertCleanRun();
      outcome.check(outcome.run.stdout.includes(`TOOL_DONE: ${TOOL_OUTPUT}`), 'claude prints the reply to the tool result');

      const exchanges = outcome.requestsOn('claude-messages');
      outcome.check(exchanges.length >= 2, 'two claude-messages exchanges: the tool call and the follow-up');
      const toolTurn = exchanges.find((record) => {
        const reconstructed = outcome.log.response(record.id).reconstructed;
        return isObject(reconstructed) && objects(reconstructed.tool_uses).length > 0;
      });
      outcome.check(toolTurn, 'a response asked for a tool');
      const toolResponse = outcome.reconstructed(outcome.log.response(toolTurn.id));
      outcome.equal(toolResponse.stop_reason, 'tool_use', 'the tool turn stops with tool_use');
      const [toolUse] = objects(toolResponse.tool_uses);
      outcome.check(toolUse, 'tool_uses[0] exists');
      outcome.equal(toolUse.name, 'Bash', 'tool_uses[0].name');
      outcome.check(isObject(toolUse.input) && String(toolUse.input.command).includes(TOOL_COMMAND), 'tool_uses[0].input.command');
      outcome.check(typeof toolUse.id === 'string' && toolUse.id.startsWith('toolu_'), 'tool_uses[0].id');

      // The follow-up request comes later in the log and carries the tool_use and its tool_result.
      const followUp = exchanges.find((record) => outcome.log.records.indexOf(record) > outcome.log.records.indexOf(toolTurn));
      outcome.check(followUp, 'a follow-up request after the tool turn');
      const followMessages = objects(outcome.body(followUp).messages);
      const blocks = followMessages.flatMap((message) => objects(message.content).map((block) => ({ role: message.role, block })));
      const echoed = blocks.find(({ role, block }) => role === 'assistant' && block.type === 'tool_use' && block.id === toolUse.id);
      outcome.check(echoed, 'the follow-up repeats the assistant tool_use');
      const result = blocks.find(({ role, block }) => role === 'user' && block.type === 'tool_result' && block.tool_use_id === toolUse.id);
      outcome.check(result, 'the follow-up carries the tool_result for that tool_use id');
      outcome.check(textOf(result.block.content).includes(TOOL_OUTPUT), 'the tool_result holds the command output');
      outcome.equal(followUp.extract?.messages, outcome.body(followUp).messages, 'extract.messages of the follow-up');
      const finalText = outcome.reconstructed(outcome.log.response(followUp.id)).text;
      outcome.check(String(finalText).startsWith(`TOOL_DONE: ${TOOL_OUTPUT}`), 'the follow-up response is reassembled');
      outcome.assertSecretsAbsent(apiKey);
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  // Codex

  describe(`Codex ${PINNED_CLIS.codex.version}`, () => {
    function customProviderArgs(session: Session, ...rest: string[]): string[] {
      return ['exec', ...codexCustomProvider(`${session.harness.url()}/v1`, 'KEY'), ...CODEX_QUIET_OPTIONS, ...rest];
    }

    function assertCodexHeaders(outcome: Outcome, record: RequestRecord): void {
      const headers = record.headers_kept;
      outcome.check(headers['user-agent']?.startsWith(`codex_exec/${PINNED_CLIS.codex.version}`), 'user-agent is kept');
      outcome.check(!('authorization' in headers) && !('chatgpt-account-id' in headers), 'no credential header is kept');
    }

    it('custom provider, default model: prints PONG; the prompt is developer items and the tools an additional_tools item', async () => {
      const session = await startSession('codex');
      const apiKey = dummyKey('sk-proj');
      const outcome: Outcome = await runAgent(
        session,
        customProviderArgs(session, 'Reply with exactly PONG'),
        codexEnv(clis, session.sandbox, { KEY: apiKey }),
      );
      outcome.assertCleanRun();
      outcome.equal(outcome.run.stdout.trim(), 'PONG', 'codex prints the fake model reply');

      const exchanges = outcome.requestsOn('codex-responses');
      outcome.equal(exchanges.length, 1, 'one codex-responses exchange');
      const request = exchanges[0] as RequestRecord;
      outcome.equal(request.path, '/v1/responses', 'the request path');
      assertCodexHeaders(outcome, request);
      const sent = session.fake.requests.find((seen) => seen.method === 'POST');
      outcome.equal(sent?.headers.authorization, `Bearer ${apiKey}`, 'the key was forwarded upstream');
      outcome.assertSecretsAbsent(apiKey);

      const body = outcome.body(request);
      outcome.equal(body.stream, true, 'Codex streams');
      outcome.check(!('instructions' in body) && !('tools' in body), 'no instructions and no top-level tools with the default model');
      const input = objects(body.input);
      const developerItems = input.filter((item) => item.type === 'message' && item.role === 'developer');
      outcome.check(developerItems.length >= 2, 'the prompt is developer messages in input');
      const extract = request.extract;
      outcome.check(extract !== null, 'the request has an extract');
      outcome.check(Array.isArray(extract.system), 'extract.system is an array of items');
      outcome.equal(extract.system, developerItems, 'extract.system is the developer items, in order');

      const carriers = input.filter((item) => item.type === 'additional_tools');
      outcome.equal(carriers.length, 1, 'one additional_tools input item');
      const tools = objects(extract.tools);
      outcome.check(tools.length >= 5, `extract.tools lists the additional tools (${tools.length})`);
      outcome.check(tools.some((tool) => tool.type === 'custom' && tool.name === 'exec'), 'the tools include the custom tool exec');
      outcome.check(tools.every((tool) => tool.type !== 'namespace'), 'namespaces are unpacked into their tools');
      outcome.equal(extract.messages, body.input, 'extract.messages is the input array');
      const lastUser = input.filter((item) => item.role === 'user').at(-1);
      outcome.equal(textOf(lastUser?.content), 'Reply with exactly PONG', 'the prompt is the last user item');

      const response = outcome.log.response(request.id);
      outcome.equal(response.status, 200, 'the response status');
      const reconstructed = outcome.reconstructed(response);
      outcome.equal(reconstructed.text, 'PONG', 'reconstructed.text');
      outcome.equal(reconstructed.status, 'completed', 'reconstructed.status');
      outcome.check(isObject(reconstructed.usage) && typeof reconstructed.usage.input_tokens === 'number', 'usage');

      checkFixture(outcome, 'codex-responses-request.json', request);
    });

    it('Run Codex through Interlude: the terminal\'s line, typed into a shell as is (no quotes), reaches the listener', async () => {
      const session = await startSession('codex');
      const port = Number(new URL(session.harness.url()).port);
      // The listener as the extension lists it, behind the API-key route's upstream name.
      const [setup] = agentSetups([{ spec: { port, agent: 'codex', upstream: 'https://api.openai.com' }, port, url: session.harness.url() }]);
      const line = setup?.terminalLine;
      if (!line) throw new Error(`no terminal line for ${JSON.stringify(setup)}`);
      const apiKey = dummyKey('sk-proj');
      const typed = `${line} exec ${CODEX_QUIET_OPTIONS.join(' ')} "Reply with exactly PONG" < /dev/null`;
      const outcome: Outcome = await runAgent(session, ['-c', typed], codexEnv(clis, session.sandbox, { OPENAI_API_KEY: apiKey }), '/bin/sh');
      outcome.assertCleanRun();
      outcome.equal(outcome.run.stdout.trim(), 'PONG', 'codex prints the fake model reply');
      const exchanges = outcome.requestsOn('codex-responses');
      outcome.equal(exchanges.length, 1, 'one codex-responses exchange through the listener');
      outcome.equal(exchanges[0]?.path, '/v1/responses', 'the unquoted base_url was read as the URL it is');
      const sent = session.fake.requests.find((seen) => seen.method === 'POST');
      outcome.equal(sent?.headers.authorization, `Bearer ${apiKey}`, 'env_key=OPENAI_API_KEY, unquoted, named the key');
      outcome.assertSecretsAbsent(apiKey);
    });

    it('custom provider, default model: the exec custom tool round trip (custom_tool_call → custom_tool_call_output)', async () => {
      const session = await startSession('codex');
      const apiKey = dummyKey('sk-proj');
      const outcome: Outcome = await runAgent(
        session,
        // No OS sandbox: the tool is a harmless echo, and the test is about the proxy, not bubblewrap.
        customProviderArgs(session, '--sandbox', 'danger-full-access', `${EXEC_TOOL_MARKER}: run it and report the output`),
        codexEnv(clis, session.sandbox, { KEY: apiKey }),
      );
      outcome.assertCleanRun();
      outcome.check(outcome.run.stdout.includes('TOOL_DONE') && outcome.run.stdout.includes(TOOL_OUTPUT), 'codex prints TOOL_DONE');

      const exchanges = outcome.requestsOn('codex-responses');
      outcome.check(exchanges.length >= 2, 'the tool call and the follow-up');
      const [toolTurn, followUp] = exchanges as [RequestRecord, RequestRecord];
      const toolUses = objects(outcome.reconstructed(outcome.log.response(toolTurn.id)).tool_uses);
      const call = toolUses.find((toolUse) => toolUse.type === 'custom_tool_call');
      outcome.check(call, 'the response has a custom_tool_call in tool_uses');
      outcome.equal([call.name, call.namespace], ['exec', 'functions'], 'the call is functions.exec');
      outcome.check(typeof call.input === 'string' && call.input.includes(TOOL_COMMAND), 'the raw input of the custom tool is kept');
      outcome.check(typeof call.call_id === 'string', 'the call_id is kept');

      const input = objects(outcome.body(followUp).input);
      outcome.check(
        input.some((item) => item.type === 'custom_tool_call' && item.call_id === call.call_id),
        'the follow-up replays the custom_tool_call',
      );
      const output = input.find((item) => item.type === 'custom_tool_call_output' && item.call_id === call.call_id);
      outcome.check(output, 'the follow-up has a custom_tool_call_output for that call_id');
      outcome.check(textOf(output.output).includes(TOOL_OUTPUT), 'the output holds the command output');
      const finalText = String(outcome.reconstructed(outcome.log.response(followUp.id)).text);
      outcome.check(finalText.startsWith('TOOL_DONE') && finalText.includes(TOOL_OUTPUT), 'the follow-up response is reassembled');
      outcome.assertSecretsAbsent(apiKey);
    });

    it('custom provider, -m gpt-5: classic top-level tools and a function_call round trip', async () => {
      const session = await startSession('codex');
      const apiKey = dummyKey('sk-proj');
      const outcome: Outcome = await runAgent(
        session,
        customProviderArgs(session, '-m', 'gpt-5', '--sandbox', 'danger-full-access', `${EXEC_TOOL_MARKER}: run it and report the output`),
        codexEnv(clis, session.sandbox, { KEY: apiKey }),
      );
      outcome.assertCleanRun();
      outcome.check(outcome.run.stdout.includes('TOOL_DONE') && outcome.run.stdout.includes(TOOL_OUTPUT), 'codex prints TOOL_DONE');

      const exchanges = outcome.requestsOn('codex-responses');
      outcome.check(exchanges.length >= 2, 'the tool call and the follow-up');
      const [first, followUp] = exchanges as [RequestRecord, RequestRecord];
      const body = outcome.body(first);
      outcome.equal(body.model, 'gpt-5', 'the model');
      const input = objects(body.input);
      outcome.check(Array.isArray(body.tools) && body.tools.length > 0, 'top-level tools');
      outcome.check(input.every((item) => item.type !== 'additional_tools'), 'no additional_tools item');
      const extractedTools = objects(first.extract?.tools);
      for (const tool of objects(body.tools).filter((candidate) => candidate.type !== 'namespace')) {
        outcome.check(
          extractedTools.some((extracted) => isDeepStrictEqual(extracted, tool)),
          `extract.tools holds the top-level tool ${String(tool.name ?? tool.type)}`,
        );
      }
      const execCommand = objects(body.tools).find((tool) => tool.name === 'exec_command');
      outcome.check(execCommand?.type === 'function' && isObject(execCommand.parameters), 'exec_command is a function with parameters');
      const developerItems = input.filter((item) => item.type === 'message' && item.role === 'developer');
      outcome.check(developerItems.length >= 1, 'the prompt is developer messages here too');
      outcome.equal(first.extract?.system, developerItems, 'extract.system is the developer items');
      assertCodexHeaders(outcome, first);

      const call = objects(outcome.reconstructed(outcome.log.response(first.id)).tool_uses)[0];
      outcome.check(call, 'the response has a tool use');
      outcome.equal([call.type, call.name, call.input], ['function_call', 'exec_command', { cmd: TOOL_COMMAND }], 'the function call, arguments parsed');
      const followInput = objects(outcome.body(followUp).input);
      outcome.check(
        followInput.some((item) => item.type === 'function_call' && item.call_id === call.call_id),
        'the follow-up replays the function_call',
      );
      const output = followInput.find((item) => item.type === 'function_call_output' && item.call_id === call.call_id);
      outcome.check(output && textOf(output.output).includes(TOOL_OUTPUT), 'the follow-up has the function_call_output');
      outcome.check(String(outcome.reconstructed(outcome.log.response(followUp.id)).text).startsWith('TOOL_DONE'), 'final text');
      outcome.assertSecretsAbsent(apiKey);

      checkFixture(outcome, 'codex-gpt-5-responses-request.json', first);
    });

    it('built-in provider: the WebSocket upgrade is refused with 426, Codex falls back to HTTP and prints PONG', async () => {
      const session = await startSession('codex');
      const apiKey = dummyKey('sk-proj');
      const outcome: Outcome = await runAgent(
        session,
        ['exec', '-c', `openai_base_url=${JSON.stringify(`${session.harness.url()}/v1`)}`, ...CODEX_QUIET_OPTIONS, 'Reply with exactly PONG'],
        codexEnv(clis, session.sandbox, { CODEX_API_KEY: apiKey }),
      );
      outcome.assertCleanRun();
      outcome.equal(outcome.run.stdout.trim(), 'PONG', 'codex prints the fake model reply');

      const upgrade = outcome.log.requests.find((record) => record.websocket === true);
      outcome.check(upgrade, 'a request record with websocket: true');
      outcome.equal([upgrade.method, upgrade.path, upgrade.wire], ['GET', '/v1/responses', 'codex-responses'], 'the upgrade request');
      outcome.check(upgrade.headers_kept['openai-beta']?.includes('responses_websockets'), 'openai-beta names the WebSocket protocol');
      outcome.equal(outcome.log.response(upgrade.id).status, 426, 'the upgrade is answered 426');
      outcome.check(session.fake.requests.every((seen) => seen.headers.upgrade === undefined), 'no upgrade reached the upstream');

      const http = outcome.requestsOn('codex-responses');
      outcome.equal(http.length, 1, 'then one HTTP exchange');
      const post = http[0] as RequestRecord;
      outcome.check(outcome.log.records.indexOf(post) > outcome.log.records.indexOf(upgrade), 'the HTTP exchange follows the refusal');
      outcome.equal(outcome.reconstructed(outcome.log.response(post.id)).text, 'PONG', 'reconstructed.text');
      assertCodexHeaders(outcome, post);
      outcome.assertSecretsAbsent(apiKey);
    });

    it('ChatGPT-login route: /backend-api/codex to an https upstream, with a ChatGPT token that is forwarded, never logged', async () => {
      const certificate = makeTestCertificate();
      const session = await startSession('codex', certificate);
      // An offline stand-in for `codex login`: Codex reads auth.json and does not verify the JWTs' signatures.
      const now = Math.floor(Date.now() / 1000);
      const accountId = `acct-${randomBytes(8).toString('hex')}`;
      const claims = {
        iss: 'https://auth.openai.com',
        aud: ['app_interlude_dogfood'],
        sub: 'user-interlude-dogfood',
        email: 'dogfood@example.invalid',
        iat: now,
        exp: now + 24 * 3600,
        'https://api.openai.com/auth': { chatgpt_plan_type: 'plus', chatgpt_account_id: accountId, chatgpt_user_id: 'user-interlude-dogfood' },
      };
      const jwt = (payload: object): string =>
        [{ alg: 'RS256', typ: 'JWT' }, payload].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') +
        `.${randomBytes(32).toString('base64url')}`;
      const accessToken = jwt({ ...claims, nonce: randomBytes(8).toString('hex') });
      const refreshToken = dummyKey('rt');
      writeFileSync(
        join(session.sandbox.home, '.codex', 'auth.json'),
        JSON.stringify({
          auth_mode: 'chatgpt',
          OPENAI_API_KEY: null,
          tokens: { id_token: jwt(claims), access_token: accessToken, refresh_token: refreshToken, account_id: accountId },
          last_refresh: new Date().toISOString(),
        }),
      );
      const outcome: Outcome = await runAgent(
        session,
        [
          'exec',
          ...codexCustomProvider(`${session.harness.url()}/backend-api/codex`),
          // Without it Codex 0.171 sends a custom provider no credential at all.
          '-c',
          'model_providers.t.requires_openai_auth=true',
          '-c',
          'cli_auth_credentials_store="file"',
          // The connectors feature would otherwise call https://chatgpt.com directly.
          '--disable',
          'apps',
          ...CODEX_QUIET_OPTIONS,
          'Reply with exactly PONG',
        ],
        codexEnv(clis, session.sandbox),
      );
      outcome.assertCleanRun();
      outcome.equal(outcome.run.stdout.trim(), 'PONG', 'codex prints the fake model reply');

      const exchanges = outcome.requestsOn('codex-responses');
      outcome.equal(exchanges.length, 1, 'one codex-responses exchange');
      const request = exchanges[0] as RequestRecord;
      outcome.equal(request.path, '/backend-api/codex/responses', 'the ChatGPT backend path');
      if (request.content_encoding !== undefined) {
        outcome.equal(request.content_encoding, 'zstd', 'a compressed body is zstd');
        outcome.check(request.truncated === undefined, 'the compressed body was decoded for the log');
      }
      const body = outcome.body(request);
      outcome.check(objects(body.input).some((item) => item.type === 'additional_tools'), 'the same layout as the API-key route');
      outcome.equal(outcome.reconstructed(outcome.log.response(request.id)).text, 'PONG', 'reconstructed.text over https');
      assertCodexHeaders(outcome, request);

      const sent = session.fake.requests.find((seen) => seen.method === 'POST');
      outcome.equal(sent?.headers.authorization, `Bearer ${accessToken}`, 'the ChatGPT token was forwarded upstream over TLS');
      outcome.equal(sent?.headers['chatgpt-account-id'], accountId, 'chatgpt-account-id was forwarded');
      outcome.assertSecretsAbsent(accessToken, refreshToken, accountId);
    });
  });
});
