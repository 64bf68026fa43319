// A Claude Code conversation as the proxy logs it (our record format, schema 2) against an API that caches as
// Anthropic's does: a system prompt of three blocks and a tool list with `cache_control` breakpoints, bodies
// of tens of KB, the session id in `metadata.user_id` and the `x-claude-code-session-id` header, and usage
// with cache reads and 5-minute writes. Four turns: the first write, a hit, a break at a tool definition
// (WebSearch's description carries the month), and a break at the system prompt's date line.
import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSION } from '../../src/core/records';
import { extract } from '../../src/core/wire/wire';

const MODEL = 'claude-sonnet-4-5-20250929';

function tool(name: string, description: string): Record<string, unknown> {
  return {
    name,
    description,
    input_schema: {
      type: 'object',
      properties: { command: { type: 'string', description: `What ${name} acts on. ${'Be precise about paths and arguments. '.repeat(8)}` } },
      required: ['command'],
      additionalProperties: false,
      $schema: 'http://json-schema.org/draft-07/schema#',
    },
  };
}

function tools(month: string): Record<string, unknown>[] {
  const list = ['Task', 'Bash', 'Glob', 'Grep', 'Read', 'Edit', 'Write', 'NotebookEdit', 'WebFetch', 'TodoWrite', 'BashOutput'].map((name) =>
    tool(name, `${name}: ${'Use this tool when the task needs it; read the whole description before calling it. '.repeat(18)}`),
  );
  list.splice(9, 0, tool('WebSearch', `Searches the web. The current month is ${month}; use it for recent events. ${'Results come with links. '.repeat(20)}`));
  const last = list[list.length - 1] as Record<string, unknown>;
  last.cache_control = { type: 'ephemeral' };
  return list;
}

function system(date: string): unknown[] {
  return [
    { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.332; cc_entrypoint=cli' },
    { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } },
    {
      type: 'text',
      text: [
        'You are an interactive CLI tool that helps users with software engineering tasks.',
        ...Array.from({ length: 120 }, (_, at) => `Guideline ${at + 1}: keep answers short, prefer editing existing files, run the tests you touched.`),
        '<env>',
        'Working directory: /home/dev/project',
        'Is directory a git repo: Yes',
        'Platform: linux',
        `Today's date: ${date}`,
        '</env>',
      ].join('\n'),
      cache_control: { type: 'ephemeral' },
    },
  ];
}

const CLAUDE_MD = `<system-reminder>\nAs you answer the user's questions, you can use the following context:\nContents of /home/dev/project/CLAUDE.md (project instructions, checked into the codebase):\n\n${'Run npm test before committing. '.repeat(40)}\n</system-reminder>`;

function turns(count: number): unknown[] {
  const messages: unknown[] = [{ role: 'user', content: [{ type: 'text', text: CLAUDE_MD }, { type: 'text', text: 'Find where the cache is read.' }] }];
  for (let at = 1; at < count; at++) {
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${at}`, name: 'Grep', input: { command: `grep -rn cache src/ # ${at}` } }] });
    messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: `toolu_${at}`, content: `src/cache.ts:${at}: const hit = read(key);\n`.repeat(60) }],
    });
  }
  // Claude Code's last breakpoint sits on the final block.
  const last = messages[messages.length - 1] as { content: Array<Record<string, unknown>> };
  last.content[last.content.length - 1]!.cache_control = { type: 'ephemeral' };
  return messages;
}

export interface FixtureTurn {
  id: string;
  /** What the explainer should say broke the cache, when this turn is a break. */
  breaksAt?: 'tool' | 'system';
}

export interface CacheFixture {
  lines: string;
  turns: FixtureTurn[];
  session: string;
}

/** Four turns 20 s apart, ending `endAt` (epoch ms). */
export function cachingConversation(endAt: number): CacheFixture {
  const session = randomUUID();
  const start = endAt - 80_000;
  const specs = [
    { month: 'February 2026', date: '2026-02-27', messages: 1, usage: { input_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 14_200 } },
    { month: 'February 2026', date: '2026-02-27', messages: 2, usage: { input_tokens: 3, cache_read_input_tokens: 14_200, cache_creation_input_tokens: 1_900 } },
    { month: 'March 2026', date: '2026-02-27', messages: 3, usage: { input_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 18_000 }, breaksAt: 'tool' as const },
    { month: 'March 2026', date: '2026-03-01', messages: 4, usage: { input_tokens: 3, cache_read_input_tokens: 9_000, cache_creation_input_tokens: 10_900 }, breaksAt: 'system' as const },
  ];
  const out: string[] = [];
  const result: FixtureTurn[] = [];
  specs.forEach((spec, at) => {
    const id = `explain${String(at + 1).padStart(5, '0')}${session.slice(0, 4)}`;
    const time = start + at * 20_000;
    const body = {
      model: MODEL,
      max_tokens: 32_000,
      stream: false,
      metadata: { user_id: JSON.stringify({ device_id: 'd'.repeat(64), account_uuid: '', session_id: session }) },
      system: system(spec.date),
      tools: tools(spec.month),
      messages: turns(spec.messages),
    };
    const text = JSON.stringify(body);
    out.push(
      JSON.stringify({
        id,
        kind: 'request',
        ts: new Date(time).toISOString(),
        agent: 'claude',
        wire: 'claude-messages',
        method: 'POST',
        path: '/v1/messages?beta=true',
        headers_kept: { 'content-type': 'application/json', 'x-claude-code-session-id': session, 'anthropic-version': '2023-06-01' },
        request: body,
        extract: extract('claude-messages', body),
        schema: SCHEMA_VERSION,
        request_bytes: Buffer.byteLength(text),
      }),
    );
    const usage = {
      ...spec.usage,
      cache_creation: { ephemeral_5m_input_tokens: spec.usage.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 },
      output_tokens: 120,
      service_tier: 'standard',
    };
    out.push(
      JSON.stringify({
        id,
        kind: 'response',
        ts: new Date(time + 2_000).toISOString(),
        agent: 'claude',
        wire: 'claude-messages',
        status: 200,
        stream: false,
        body: {
          id: `msg_${id}`,
          type: 'message',
          role: 'assistant',
          model: MODEL,
          content: [{ type: 'text', text: 'Reading it now.' }],
          stop_reason: 'end_turn',
          usage,
        },
        content_type: 'application/json',
        schema: SCHEMA_VERSION,
        duration_ms: 2_000,
      }),
    );
    result.push({ id, ...(spec.breaksAt ? { breaksAt: spec.breaksAt } : {}) });
  });
  return { lines: `${out.join('\n')}\n`, turns: result, session };
}
