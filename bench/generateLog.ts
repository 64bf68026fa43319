// Synthetic capture logs for the index benchmark: Claude Code-like sessions (a ~15 KB system prompt in three
// blocks with per-session dynamic lines, ~20 tools, messages growing each turn with tool_use/tool_result,
// cache_control markers moving to the newest message, byte-identical retries after a 529, title side
// requests) and a share of Codex exchanges (developer items + additional_tools, custom tool calls), in the
// record format both tools write (SPEC §1). Deterministic: the same seed and size give the same bytes.
//
// Run: `npx tsx bench/generateLog.ts [--size 100MiB|1GiB|<bytes>] [--seed N] [--out FILE] [--start ISO-TIME]`
// (default: 100MiB into /tmp/interlude-bench/). Never write these into the repository.

import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { extract } from '../src/core/wire/wire';
import { prng } from '../test/support/prng';

export const BENCH_DIR = join(tmpdir(), 'interlude-bench');

type Json = Record<string, unknown>;

const WORDS = (
  'the a to of and in is it that for on with as this be are file function test code return value error type ' +
  'module import export const let string number object array async await promise result request response ' +
  'should must never always when then only each every line record index read write change update check run ' +
  'build config path user agent model tool input output message system prompt cache token stream event data ' +
  'über naïve café — “quoted” 日本語 ✓'
).split(' ');

const TOOL_NAMES = [
  'Task', 'Bash', 'Glob', 'Grep', 'ExitPlanMode', 'Read', 'Edit', 'Write', 'NotebookEdit', 'WebFetch',
  'TodoWrite', 'WebSearch', 'BashOutput', 'KillShell', 'SlashCommand', 'Skill', 'AskUserQuestion',
  'mcp__ide__getDiagnostics', 'mcp__ide__executeCode', 'ListMcpResources',
];

export class SyntheticLog {
  private readonly random: () => number;
  private clock: number;
  private idCounter = 0;
  private readonly basePrompt: string;
  private readonly baseTools: Json[];
  private readonly codexDeveloper: Json[];
  private readonly codexTools: Json;
  private session: SessionState | null = null;
  private sessionNumber = 0;

  /** `start`: the first request's time, epoch ms (default 2026-11-14 08:00 UTC, so the same seed gives the same bytes). */
  constructor(seed = 1, start = Date.UTC(2026, 10, 14, 8, 0, 0)) {
    this.clock = start;
    this.random = prng(seed);
    this.basePrompt = this.prose(14_500, true);
    this.baseTools = TOOL_NAMES.map((name) => this.tool(name));
    this.codexDeveloper = [3_000, 2_500, 1_500, 800].map((size, i) => ({
      type: 'message',
      role: 'developer',
      content: [{ type: 'input_text', text: `## Section ${i}\n${this.prose(size, true)}` }],
    }));
    this.codexTools = {
      type: 'additional_tools',
      tools: [
        {
          type: 'namespace',
          name: 'functions',
          tools: [
            { type: 'custom', name: 'exec', description: this.prose(600), format: { type: 'grammar', syntax: 'lark', definition: 'start: /(.|\\n)+/' } },
            this.codexFunction('update_plan'),
            this.codexFunction('view_image'),
          ],
        },
        { type: 'web_search' },
      ],
    };
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private prose(chars: number, lines = false): string {
    const parts: string[] = [];
    let length = 0;
    let lineLength = 0;
    while (length < chars) {
      const word = this.pick(WORDS);
      parts.push(word);
      length += word.length + 1;
      lineLength += word.length + 1;
      if (lines && lineLength > 60 + this.int(0, 60)) {
        parts.push(this.random() < 0.2 ? '\n\n-' : '\n');
        lineLength = 0;
      }
    }
    return parts.join(' ').replace(/ \n /g, '\n');
  }

  private tool(name: string): Json {
    const properties: Json = {};
    const count = this.int(1, 5);
    for (let i = 0; i < count; i++) {
      properties[`param_${i}`] = { type: this.pick(['string', 'number', 'boolean']), description: this.prose(80) };
    }
    return {
      name,
      description: this.prose(this.int(300, 1_500), true),
      input_schema: {
        type: 'object',
        properties,
        required: ['param_0'],
        additionalProperties: false,
        $schema: 'http://json-schema.org/draft-07/schema#',
      },
    };
  }

  private codexFunction(name: string): Json {
    return {
      type: 'function',
      name,
      description: this.prose(300),
      strict: false,
      parameters: { type: 'object', properties: { arg: { type: 'string' } }, required: ['arg'] },
    };
  }

  private hex(chars: number): string {
    let out = '';
    while (out.length < chars) out += Math.floor(this.random() * 0x100000000).toString(16).padStart(8, '0');
    return out.slice(0, chars);
  }

  private nextId(): string {
    this.idCounter++;
    return this.hex(8) + (this.idCounter & 0xffff).toString(16).padStart(4, '0');
  }

  private tick(ms: number): string {
    this.clock += Math.max(1, Math.round(ms));
    return new Date(this.clock).toISOString();
  }

  private newSession(): SessionState {
    this.sessionNumber++;
    const project = `/home/dev/projects/app-${this.sessionNumber % 37}`;
    const kind: SessionState['kind'] = this.random() < 0.12 ? 'codex' : 'claude';
    const date = new Date(this.clock).toISOString().slice(0, 10);
    return {
      kind,
      project,
      turns: this.int(10, 35),
      turn: 0,
      model: kind === 'codex' ? 'gpt-5.1-codex' : this.random() < 0.8 ? 'claude-sonnet-4-5-20250929' : 'claude-opus-4-1-20250805',
      date,
      messages: [],
      system: kind === 'claude' ? this.claudeSystem(project) : [],
      tools: kind === 'claude' ? this.claudeTools(date) : [],
      titleDone: false,
    };
  }

  private claudeSystem(project: string): Json[] {
    const branch = this.pick(['main', 'feature/index', 'fix/cache', 'dev']);
    const statusLines = Array.from({ length: this.int(0, 6) }, () => ` M src/${this.pick(WORDS)}.ts`).join('\n');
    const commits = Array.from({ length: 5 }, () => `${this.hex(7)} ${this.prose(40)}`).join('\n');
    const environment =
      `\n<env>\nWorking directory: ${project}\nIs directory a git repo: Yes\nPlatform: linux\nOS Version: Linux 6.8.0\n</env>\n` +
      `You are powered by the model named Sonnet 4.5.\n\n` +
      `gitStatus: This is the git status at the start of the conversation.\nCurrent branch: ${branch}\n\n` +
      `Main branch (you will usually use this for PRs): main\n\nStatus:\n${statusLines || '(clean)'}\n\nRecent commits:\n${commits}`;
    return [
      { type: 'text', text: `x-anthropic-billing-header: cc_version=2.1.23.${this.hex(3)}; cc_entrypoint=cli;` },
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } },
      { type: 'text', text: `\n${this.basePrompt}\n${environment}`, cache_control: { type: 'ephemeral' } },
    ];
  }

  private claudeTools(date: string): Json[] {
    return this.baseTools.map((tool) =>
      tool.name === 'WebSearch'
        ? { ...tool, description: `${String(tool.description)}\nThe current month is ${date.slice(0, 7)}.` }
        : tool,
    );
  }

  /** The lines of the next exchange (one to four records: retries and side requests included). */
  nextExchangeLines(): string[] {
    if (!this.session || this.session.turn >= this.session.turns) {
      this.tick(60_000 + this.random() * 600_000);
      this.session = this.newSession();
    }
    const session = this.session;
    return session.kind === 'claude' ? this.claudeTurn(session) : this.codexTurn(session);
  }

  private claudeTurn(session: SessionState): string[] {
    const lines: string[] = [];
    if (session.turn === 0) {
      session.messages.push(
        { role: 'system', content: `The following agents and skills are available: general-purpose, Explore, Plan, ${this.prose(200)}` },
        {
          role: 'user',
          content: [
            { type: 'text', text: `<system-reminder>\nAs you answer the user's questions, you can use the following context:\n# claudeMd\n${this.prose(1_200, true)}\n# currentDate\nToday's date is ${session.date}.\n</system-reminder>` },
            { type: 'text', text: this.prose(this.int(40, 300)) },
          ],
        },
      );
    }
    if (!session.titleDone && session.turn === 1) {
      session.titleDone = true;
      lines.push(...this.titleRequest(session));
    }
    // cache_control sits on the newest content block only.
    for (const message of session.messages) {
      if (Array.isArray(message.content)) for (const block of message.content as Json[]) delete block.cache_control;
    }
    const last = session.messages[session.messages.length - 1] as Json;
    if (Array.isArray(last.content)) {
      (last.content[last.content.length - 1] as Json).cache_control = { type: 'ephemeral' };
    }
    const body: Json = {
      model: session.model,
      max_tokens: 32_000,
      stream: true,
      metadata: { user_id: `user_${this.hex(16)}_session_${session.project.length}` },
      system: session.system,
      messages: session.messages,
      tools: session.tools,
    };
    const requestLine = this.requestLine('claude', 'claude-messages', '/v1/messages?beta=true', body, this.claudeHeaders());
    lines.push(requestLine.line);
    if (this.random() < 0.015) {
      // Overloaded: Claude Code resends the byte-identical body.
      lines.push(this.errorResponse(requestLine.id, 'claude', 'claude-messages'));
      const retry = this.requestLine('claude', 'claude-messages', '/v1/messages?beta=true', body, this.claudeHeaders());
      lines.push(retry.line);
      requestLine.id = retry.id;
    }
    const done = session.turn + 1 >= session.turns;
    const toolName = this.pick(['Bash', 'Read', 'Edit', 'Grep', 'Glob', 'TodoWrite']);
    const toolInput = { param_0: this.prose(this.int(20, 200)), param_1: this.int(1, 400) };
    const text = this.prose(this.int(50, 800));
    const totalInput = Math.round(requestLine.bytes / 3.5);
    const cacheRead = session.turn === 0 ? 0 : Math.round(totalInput * 0.9);
    lines.push(
      this.responseLine(requestLine.id, 'claude', 'claude-messages', {
        model: session.model,
        id: `msg_${this.hex(24)}`,
        stop_reason: done ? 'end_turn' : 'tool_use',
        usage: {
          input_tokens: this.int(1, 12),
          cache_creation_input_tokens: totalInput - cacheRead,
          cache_read_input_tokens: cacheRead,
          output_tokens: this.int(20, 900),
          service_tier: 'standard',
        },
        text,
        tool_uses: done ? [] : [{ name: toolName, input: toolInput, id: `toolu_${this.hex(24)}` }],
      }),
    );
    if (!done) {
      const toolUseId = `toolu_${this.hex(24)}`;
      session.messages.push(
        { role: 'assistant', content: [{ type: 'text', text }, { type: 'tool_use', id: toolUseId, name: toolName, input: toolInput }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content: this.prose(this.int(200, 2_200), true) }] },
      );
    }
    session.turn++;
    return lines;
  }

  private titleRequest(session: SessionState): string[] {
    const body: Json = {
      model: session.model,
      max_tokens: 512,
      stream: true,
      system: [
        { type: 'text', text: `x-anthropic-billing-header: cc_version=2.1.23.${this.hex(3)}; cc_entrypoint=cli;` },
        { type: 'text', text: 'Analyze if this message indicates a new conversation topic. If it does, extract a 2-3 word title.\nFormat your response as a JSON object with two fields: isNewTopic and title.' },
      ],
      messages: [{ role: 'user', content: this.prose(200) }],
      tools: [],
    };
    const request = this.requestLine('claude', 'claude-messages', '/v1/messages?beta=true', body, this.claudeHeaders());
    const response = this.responseLine(request.id, 'claude', 'claude-messages', {
      model: session.model,
      id: `msg_${this.hex(24)}`,
      stop_reason: 'end_turn',
      usage: { input_tokens: 120, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 12 },
      text: '{"isNewTopic": true, "title": "Fix tests"}',
      tool_uses: [],
    });
    return [request.line, response];
  }

  private codexTurn(session: SessionState): string[] {
    if (session.turn === 0) {
      session.messages.push(
        this.codexTools,
        ...this.codexDeveloper,
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: `# AGENTS.md instructions for ${session.project}\n\n<INSTRUCTIONS>\n${this.prose(900, true)}\n</INSTRUCTIONS>` }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: `<environment_context>\n  <cwd>${session.project}</cwd>\n  <approval_policy>never</approval_policy>\n  <current_date>${session.date}</current_date>\n  <timezone>Etc/UTC</timezone>\n</environment_context>` }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: this.prose(this.int(40, 300)) }] },
      );
    }
    const body: Json = {
      model: session.model,
      input: session.messages,
      tool_choice: 'auto',
      parallel_tool_calls: false,
      reasoning: { effort: 'medium', summary: 'auto' },
      store: false,
      stream: true,
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: this.hex(32),
    };
    const headers = { 'Content-Type': 'application/json', 'User-Agent': 'codex_cli_rs/0.171.0', 'OpenAI-Beta': 'responses=experimental' };
    const request = this.requestLine('codex', 'codex-responses', '/v1/responses', body, headers);
    const done = session.turn + 1 >= session.turns;
    const callId = `call_${this.hex(24)}`;
    const script = `cd ${session.project} && ${this.prose(this.int(10, 120))}`;
    const total = Math.round(request.bytes / 3.5);
    const cached = session.turn === 0 ? 0 : Math.round(total * 0.85);
    const text = done ? this.prose(this.int(50, 600)) : '';
    const lines = [
      request.line,
      this.responseLine(request.id, 'codex', 'codex-responses', {
        model: session.model,
        id: `resp_${this.hex(24)}`,
        status: 'completed',
        usage: { input_tokens: total, input_tokens_details: { cached_tokens: cached }, output_tokens: this.int(20, 700), output_tokens_details: { reasoning_tokens: this.int(0, 300) }, total_tokens: total + 100 },
        text,
        tool_uses: done ? [] : [{ name: 'exec', input: script, call_id: callId, type: 'custom_tool_call', namespace: 'functions' }],
        output_types: done ? ['reasoning', 'message'] : ['reasoning', 'custom_tool_call'],
      }),
    ];
    if (!done) {
      session.messages.push(
        { type: 'reasoning', id: `rs_${this.hex(24)}`, summary: [], encrypted_content: this.hex(this.int(200, 1_200)) },
        { type: 'custom_tool_call', id: `ctc_${this.hex(24)}`, status: 'completed', call_id: callId, name: 'exec', input: script },
        { type: 'custom_tool_call_output', call_id: callId, output: this.prose(this.int(300, 3_000), true) },
      );
    }
    session.turn++;
    return lines;
  }

  private claudeHeaders(): Record<string, string> {
    return {
      'Content-Type': 'application/json',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14',
      'User-Agent': 'claude-cli/2.1.23 (external, cli)',
    };
  }

  private requestLine(agent: string, wire: 'claude-messages' | 'codex-responses', path: string, body: Json, headers: Record<string, string>): { id: string; line: string; bytes: number } {
    const id = this.nextId();
    const bodyText = JSON.stringify(body);
    const parsed = JSON.parse(bodyText) as Json;
    const record = {
      id,
      kind: 'request',
      ts: this.tick(500 + this.random() * 20_000),
      agent,
      wire,
      method: 'POST',
      path,
      headers_kept: headers,
      request: parsed,
      extract: extract(wire, parsed),
      schema: 2,
      request_bytes: Buffer.byteLength(bodyText),
    };
    return { id, line: JSON.stringify(record), bytes: bodyText.length };
  }

  private responseLine(id: string, agent: string, wire: string, reconstructed: Json): string {
    const duration = 800 + this.random() * 25_000;
    const ttfb = 150 + this.random() * 900;
    return JSON.stringify({
      id,
      kind: 'response',
      ts: this.tick(duration),
      agent,
      wire,
      status: 200,
      stream: true,
      event_count: this.int(10, 400),
      event_types: { message_start: 1, content_block_start: 2, content_block_delta: this.int(5, 300), content_block_stop: 2, message_delta: 1, message_stop: 1, ping: 3 },
      reconstructed,
      content_type: 'text/event-stream; charset=utf-8',
      schema: 2,
      ttfb_ms: Math.round(ttfb),
      first_byte_ms: Math.round(ttfb + 2),
      duration_ms: Math.round(duration),
      response_bytes: this.int(2_000, 80_000),
    });
  }

  private errorResponse(id: string, agent: string, wire: string): string {
    return JSON.stringify({
      id,
      kind: 'response',
      ts: this.tick(300),
      agent,
      wire,
      status: 529,
      stream: false,
      body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      reconstructed: { error: { type: 'overloaded_error', message: 'Overloaded' } },
      content_type: 'application/json',
      schema: 2,
      ttfb_ms: 280,
      first_byte_ms: 281,
      duration_ms: 290,
      response_bytes: 75,
    });
  }
}

interface SessionState {
  kind: 'claude' | 'codex';
  project: string;
  turns: number;
  turn: number;
  model: string;
  date: string;
  messages: Json[];
  system: Json[];
  tools: Json[];
  titleDone: boolean;
}

export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|K|M|G)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  const unit = (match[2] ?? 'B').toUpperCase();
  const factor = unit.startsWith('G') ? 1024 ** 3 : unit.startsWith('M') ? 1024 ** 2 : unit.startsWith('K') ? 1024 : 1;
  return Math.round(Number(match[1]) * factor);
}

/** Writes whole exchanges until the file reaches `bytes`; returns the generator so callers can append more. */
export function generateLog(path: string, bytes: number, seed = 1, start?: number): { log: SyntheticLog; bytes: number; exchanges: number } {
  mkdirSync(dirname(path), { recursive: true });
  const log = new SyntheticLog(seed, start);
  const fd = openSync(path, 'w');
  let written = 0;
  let exchanges = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  try {
    while (written + pendingBytes < bytes) {
      for (const line of log.nextExchangeLines()) {
        pending.push(line, '\n');
        pendingBytes += Buffer.byteLength(line) + 1;
      }
      exchanges++;
      if (pendingBytes > 8 * 1024 * 1024) {
        written += writeSync(fd, pending.join(''));
        pending = [];
        pendingBytes = 0;
      }
    }
    if (pending.length > 0) written += writeSync(fd, pending.join(''));
  } finally {
    closeSync(fd);
  }
  return { log, bytes: written, exchanges };
}

/** The benchmarks' shared log of this size (seed 1) under BENCH_DIR, generated on first use and reused after. */
export function benchLog(label: string): string {
  const bytes = parseSize(label);
  const path = join(BENCH_DIR, `log-${label}-seed1.jsonl`);
  if (!existsSync(path) || statSync(path).size < bytes) {
    const started = Date.now();
    const result = generateLog(path, bytes, 1);
    console.error(`generated ${path}: ${result.bytes} bytes, ${result.exchanges} turns in ${Date.now() - started} ms`);
  }
  return path;
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const at = args.indexOf(`--${name}`);
    return at === -1 ? undefined : args[at + 1];
  };
  const size = parseSize(option('size') ?? '100MiB');
  const seed = Number(option('seed') ?? 1);
  const out = option('out') ?? join(BENCH_DIR, `log-size${size}-seed${seed}.jsonl`);
  const started = Date.now();
  const start = option('start');
  const startMs = start === undefined ? undefined : Date.parse(start);
  if (startMs !== undefined && !Number.isFinite(startMs)) throw new Error(`--start wants an ISO date and time, got ${start}`);
  const result = generateLog(out, size, seed, startMs);
  console.log(`${out}: ${result.bytes} bytes, ${result.exchanges} exchanges, ${Date.now() - started} ms`);
}

if (require.main === module) main();
