// Claude Code-shaped request bodies of any size, built like test/fixtures/agents/claude-code-messages-request.json:
// 3 system blocks (billing header, then two with cache_control), ~20 tools with input_schema, a first user turn,
// the role:"system" environment message, then a conversation of assistant tool_use and user tool_result turns
// (source files, command output) until the body reaches the size asked for. Serialized with JSON.stringify, as
// Claude Code does. Deterministic: the same size gives the same bytes.

import { prng } from '../test/support/prng';

const WORDS =
  'the a function return const let if else for while await async import export from class interface type value ' +
  'error result request response stream event message tool input output schema system user assistant content ' +
  'path file line test build run check update create delete read write buffer string number object array null'
    .split(' ');

type Random = () => number;

function words(random: Random, count: number): string {
  const out: string[] = [];
  for (let index = 0; index < count; index++) out.push(WORDS[Math.floor(random() * WORDS.length)] as string);
  return out.join(' ');
}

/** Text of about `chars` characters shaped like source code: indented lines, quotes, braces, a tab or two. */
function sourceText(random: Random, chars: number): string {
  const lines: string[] = [];
  let length = 0;
  while (length < chars) {
    const indent = '  '.repeat(Math.floor(random() * 4));
    const line = `${indent}${random() < 0.2 ? '// ' : ''}${words(random, 3 + Math.floor(random() * 9))}${
      random() < 0.3 ? ' = "value";' : random() < 0.2 ? ' {' : random() < 0.1 ? '\t}' : ';'
    }`;
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n').slice(0, chars);
}

function tool(random: Random, index: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const propertyCount = 2 + Math.floor(random() * 5);
  for (let property = 0; property < propertyCount; property++) {
    properties[`param_${property}`] = {
      description: words(random, 8 + Math.floor(random() * 20)),
      type: property % 3 === 2 ? 'number' : 'string',
      ...(property === 1 ? { enum: ['fast', 'normal', 'thorough'] } : {}),
    };
  }
  return {
    name: `Tool${index}`,
    description: `${words(random, 40)}\n\nUsage:\n- ${words(random, 25)}\n- ${words(random, 25)}\n\n${words(random, 50)}`,
    input_schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties,
      required: ['param_0'],
      additionalProperties: false,
    },
  };
}

/** The part of every body that does not grow: system, tools, the first user turn, the environment message. */
function preamble(random: Random): { system: unknown[]; tools: unknown[]; messages: unknown[] } {
  return {
    system: [
      { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.332.52f; cc_entrypoint=cli;' },
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } },
      { type: 'text', text: `\n${sourceText(random, 9_000)}`, cache_control: { type: 'ephemeral' } },
    ],
    tools: Array.from({ length: 20 }, (_, index) => tool(random, index)),
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: `<system-reminder>\n${words(random, 60)}\n</system-reminder>` },
          { type: 'text', text: 'Find why the build fails on CI and fix it.' },
        ],
      },
      {
        role: 'system',
        content: [{ type: 'text', text: `# Environment\n${sourceText(random, 4_000)}`, cache_control: { type: 'ephemeral' } }],
        output_config: { effort: 'medium' },
      },
    ],
  };
}

/** One assistant tool_use turn and the user's tool_result for it, about `chars` long. */
function toolRound(random: Random, turn: number, chars: number): unknown[] {
  const id = `toolu_01${turn.toString(36).padStart(6, '0')}${Math.floor(random() * 1e9).toString(36)}`;
  return [
    {
      role: 'assistant',
      content: [
        { type: 'text', text: words(random, 20) },
        { type: 'tool_use', id, name: `Tool${turn % 20}`, input: { param_0: `src/module${turn}.ts`, param_1: 'normal' } },
      ],
    },
    {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: id, content: sourceText(random, Math.max(200, chars - 400)) }],
    },
  ];
}

function body(messages: unknown[], parts: { system: unknown[]; tools: unknown[] }): Record<string, unknown> {
  return {
    model: 'claude-opus-5-5',
    messages,
    system: parts.system,
    tools: parts.tools,
    metadata: { user_id: '{"device_id":"a847946978eb3009d344ec8a7774c11c","account_uuid":"","session_id":"8a4cac0c"}' },
    max_tokens: 32000,
    thinking: { type: 'adaptive', display: 'omitted' },
    stream: true,
  };
}

/** A Claude Code-shaped body of about `bytes` bytes (never less than its preamble, about 40 KB). */
export function claudeCodeBody(bytes: number, seed = 1): Buffer {
  const random = prng(seed);
  const parts = preamble(random);
  const messages = [...parts.messages];
  let size = Buffer.byteLength(JSON.stringify(body(messages, parts)));
  let turn = 0;
  while (size < bytes) {
    const round = toolRound(random, turn++, Math.min(24_000, bytes - size));
    messages.push(...round);
    size += Buffer.byteLength(JSON.stringify(round)) + 2;
  }
  return Buffer.from(JSON.stringify(body(messages, parts)));
}

/**
 * A session of `turns` requests as Claude Code sends them: each resends the whole conversation so far plus one
 * more tool round of `growBytes` (SPEC §5), so the bodies grow linearly. The conversation's cache breakpoint sits
 * on the last message's last block, as Claude Code places it, so it moves every turn: the message that had it is
 * resent without it.
 */
export function claudeCodeSession(turns: number, growBytes: number, seed = 7): Buffer[] {
  const random = prng(seed);
  const parts = preamble(random);
  const messages = [...parts.messages];
  const bodies: Buffer[] = [];
  for (let turn = 0; turn < turns; turn++) {
    if (turn > 0) messages.push(...toolRound(random, turn, growBytes));
    bodies.push(Buffer.from(JSON.stringify(body(withBreakpointOnLast(messages, parts.messages.length), parts))));
  }
  return bodies;
}

/** `messages` with a cache_control on the last block of the last message past the preamble's (which keeps its own). */
function withBreakpointOnLast(messages: unknown[], preambleMessages: number): unknown[] {
  if (messages.length <= preambleMessages) return messages;
  const last = messages[messages.length - 1] as { content: Array<Record<string, unknown>> };
  const content = last.content.map((block, index) =>
    index === last.content.length - 1 ? { ...block, cache_control: { type: 'ephemeral' } } : block,
  );
  return [...messages.slice(0, -1), { ...last, content }];
}
