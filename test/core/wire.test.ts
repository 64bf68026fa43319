// Wire formats: detection, request extraction and response reassembly, checked against
// streams and bodies shaped like what Claude Code, Codex and the SDKs really exchange.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MAX_TEXT_CHARS, MAX_TOOL_INPUT_CHARS, type SseEvent, type Wire } from '../../src/core/wire/common';
import { createReassembler, detectWire, extract, reconstructBody } from '../../src/core/wire/wire';
import { loggedRequestHeaders } from '../../src/core/capture/headers';

const FIXTURES = join(__dirname, '..', 'fixtures', 'wire');

function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

/** The original's parse_sse: blank-line separated blocks, data JSON-parsed when it parses. */
function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const rawBlock of text.replace(/\r\n/g, '\n').split('\n\n')) {
    const block = rawBlock.replace(/^\n+|\n+$/g, '');
    if (!block) continue;
    let eventName: string | undefined;
    const dataLines: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) eventName = line.slice('event:'.length).trim();
      else if (line.startsWith('data:')) dataLines.push(line.slice('data:'.length).trimStart());
    }
    const dataText = dataLines.join('\n');
    let data: unknown = null;
    try {
      data = dataText ? (JSON.parse(dataText) as unknown) : null;
    } catch {
      data = dataText;
    }
    events.push(eventName === undefined ? { data } : { event: eventName, data });
  }
  return events;
}

function reassemble(wire: Wire, events: SseEvent[]): Record<string, unknown> {
  const reassembler = createReassembler(wire);
  for (const event of events) reassembler.push(event);
  return reassembler.result();
}

function reassembleFixture(wire: Wire, name: string): Record<string, unknown> {
  return reassemble(wire, parseSse(fixtureText(name)));
}

function textEvent(wire: Wire, text: string): SseEvent {
  switch (wire) {
    case 'claude-messages':
      return { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } };
    case 'codex-responses':
      return { event: 'response.output_text.delta', data: { type: 'response.output_text.delta', output_index: 0, delta: text } };
    case 'codex-chat':
    case 'unknown':
      return { data: { choices: [{ index: 0, delta: { content: text } }] } };
  }
}

const TEXT_WIRES: Wire[] = ['claude-messages', 'codex-responses', 'codex-chat'];

describe('wire', () => {
  describe('detectWire', () => {
    it('ignores the query string Claude Code appends to /v1/messages', () => {
      assert.equal(detectWire('/v1/messages?beta=true'), 'claude-messages');
      assert.equal(detectWire('/v1/messages'), 'claude-messages');
      assert.equal(detectWire('/proxy/anthropic/messages'), 'claude-messages');
    });

    it('recognises the Responses API on the API-key and ChatGPT-login routes', () => {
      assert.equal(detectWire('/v1/responses'), 'codex-responses');
      assert.equal(detectWire('/backend-api/codex/responses'), 'codex-responses');
      assert.equal(detectWire('/v1/responses?stream=true'), 'codex-responses');
    });

    it('recognises chat completions', () => {
      assert.equal(detectWire('/v1/chat/completions'), 'codex-chat');
      assert.equal(detectWire('/openai/v1/chat/completions?api-version=2024-10-21'), 'codex-chat');
    });

    it('does not match on the query string or on neighbouring endpoints', () => {
      assert.equal(detectWire('/'), 'unknown');
      assert.equal(detectWire('/v1/models'), 'unknown');
      assert.equal(detectWire('/v1/messages/count_tokens'), 'unknown');
      assert.equal(detectWire('/health?next=/v1/messages'), 'unknown');
      assert.equal(detectWire('/v1/responses/resp_123'), 'unknown');
    });
  });

  describe('extract', () => {
    it('returns null for bodies that are not JSON objects and for unknown wires', () => {
      assert.equal(extract('claude-messages', null), null);
      assert.equal(extract('claude-messages', 'not json'), null);
      assert.equal(extract('codex-responses', [{ role: 'user' }]), null);
      assert.equal(extract('unknown', { system: 'x', messages: [] }), null);
    });

    it('writes missing parts as null so the keys still appear in the JSONL', () => {
      for (const wire of TEXT_WIRES) {
        const extracted = extract(wire, {});
        assert.deepEqual(extracted, { system: null, tools: null, messages: null }, wire);
        assert.equal(JSON.stringify(extracted), '{"system":null,"tools":null,"messages":null}');
      }
    });

    it('keeps the original claude extraction when no role:system message is present', () => {
      const body = { system: 'You are helpful.', tools: [{ name: 'Bash' }], messages: [{ role: 'user', content: 'hi' }] };
      const extracted = extract('claude-messages', body);
      assert.deepEqual(extracted, { system: 'You are helpful.', tools: body.tools, messages: body.messages });
    });

    it('adds Claude Code role:system messages (agents/skills list) after the system blocks', () => {
      const body = fixtureJson('claude-code-request.json');
      const messages = body.messages as Array<Record<string, unknown>>;
      const extracted = extract('claude-messages', body);
      assert.ok(extracted);
      assert.deepEqual(extracted.system, [...(body.system as unknown[]), messages[0]]);
      assert.equal((extracted.system as unknown[]).length, 4);
      // The conversation itself is logged unchanged, role:system entry included.
      assert.equal(extracted.messages, body.messages);
      assert.equal(extracted.tools, body.tools);
    });

    it('wraps a string claude system as a text block when role:system messages are added', () => {
      const skills = { role: 'system', content: 'Skills: pdf, xlsx' };
      const extracted = extract('claude-messages', { system: 'Base prompt', messages: [skills, { role: 'user', content: 'go' }] });
      assert.deepEqual(extracted?.system, [{ type: 'text', text: 'Base prompt' }, skills]);
      const withoutSystem = extract('claude-messages', { messages: [skills] });
      assert.deepEqual(withoutSystem?.system, [skills]);
    });

    it('keeps the original responses extraction for classic requests (instructions + top-level tools)', () => {
      const body = {
        instructions: 'You are a coding agent.',
        tools: [{ type: 'function', name: 'shell', parameters: { type: 'object' } }],
        input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }],
      };
      assert.deepEqual(extract('codex-responses', body), { system: body.instructions, tools: body.tools, messages: body.input });
    });

    it("finds Codex's prompt in developer items and its tools in additional_tools, flattening namespaces", () => {
      const body = fixtureJson('codex-request.json');
      const input = body.input as Array<Record<string, unknown>>;
      const extracted = extract('codex-responses', body);
      assert.ok(extracted);

      const system = extracted.system as Array<Record<string, unknown>>;
      assert.equal(system.length, 4);
      assert.ok(system.every((item) => item.role === 'developer'));
      assert.equal(system[0], input[1], 'developer items are kept as they are');

      const tools = extracted.tools as Array<Record<string, unknown>>;
      assert.deepEqual(
        tools.map((tool) => [tool.type, tool.name, tool.namespace]),
        [
          ['custom', 'exec', 'functions'],
          ['function', 'update_plan', 'functions'],
          ['function', 'search_docs', 'mcp__docs'],
          ['web_search', undefined, undefined],
        ],
      );
      const carrier = input[0] as { tools: Array<{ tools?: unknown[] }> };
      assert.deepEqual(tools[0], { ...(carrier.tools[0]?.tools?.[0] as object), namespace: 'functions' }, 'tool objects are kept, plus their namespace');
      assert.equal(extracted.messages, body.input);
    });

    it('puts non-empty instructions first when developer items also exist', () => {
      const developer = { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Be terse.' }] };
      const user = { role: 'user', content: 'hi' };
      assert.deepEqual(extract('codex-responses', { instructions: 'Base', input: [developer, user] })?.system, [
        { type: 'instructions', text: 'Base' },
        developer,
      ]);
      assert.deepEqual(extract('codex-responses', { instructions: '', input: [developer] })?.system, [developer]);
      // The API's short message form (no `type`) counts too.
      const shortForm = { role: 'developer', content: 'Short form.' };
      assert.deepEqual(extract('codex-responses', { input: [shortForm, user] })?.system, [shortForm]);
    });

    it('concatenates top-level tools with additional_tools tools; null only when neither exists', () => {
      const shell = { type: 'function', name: 'shell' };
      const exec = { type: 'custom', name: 'exec' };
      const carrier = { type: 'additional_tools', tools: [exec] };
      assert.deepEqual(extract('codex-responses', { tools: [shell], input: [carrier] })?.tools, [shell, exec]);
      assert.deepEqual(extract('codex-responses', { tools: [], input: [carrier] })?.tools, [exec]);
      assert.deepEqual(extract('codex-responses', { input: [carrier] })?.tools, [exec]);
      assert.equal(extract('codex-responses', { input: [{ role: 'user', content: 'hi' }] })?.tools, null);
      assert.equal(extract('codex-responses', { input: 'just a string' })?.tools, null);
    });

    it('tolerates other additional_tools layouts: nested namespaces and a namespaces list', () => {
      const deep = { type: 'function', name: 'deep' };
      const flat = { type: 'function', name: 'flat' };
      const nested = { type: 'additional_tools', tools: [{ type: 'namespace', name: 'a', tools: [{ name: 'b', tools: [deep] }] }] };
      const listed = { type: 'additional_tools', namespaces: [{ name: 'c', tools: [flat] }] };
      assert.deepEqual(extract('codex-responses', { input: [nested, listed] })?.tools, [
        { ...deep, namespace: 'a.b' },
        { ...flat, namespace: 'c' },
      ]);
    });

    it('flattens namespaces in top-level tools too (Codex -m gpt-5), and leaves a plain list as sent', () => {
      const shell = { type: 'function', name: 'exec_command' };
      const spawn = { type: 'function', name: 'spawn_agent' };
      const search = { type: 'web_search' };
      const grouped = { type: 'namespace', name: 'multi_agent_v1', tools: [spawn] };
      assert.deepEqual(extract('codex-responses', { tools: [shell, grouped, search], input: [] })?.tools, [
        shell,
        { ...spawn, namespace: 'multi_agent_v1' },
        search,
      ]);
      const plain = [shell, search];
      assert.equal(extract('codex-responses', { tools: plain, input: [] })?.tools, plain);
    });

    it('leaves responses system as instructions (string or null) when there are no developer items', () => {
      assert.equal(extract('codex-responses', { input: 'hello' })?.system, null);
      assert.equal(extract('codex-responses', { instructions: 'x', input: 'hello' })?.system, 'x');
      assert.equal(extract('codex-responses', { input: 'hello' })?.messages, 'hello');
    });

    it('lists chat system messages, or null when there are none', () => {
      const systemMessage = { role: 'system', content: 'You are helpful.' };
      const messages = [systemMessage, { role: 'user', content: 'hi' }];
      assert.deepEqual(extract('codex-chat', { messages, tools: [] }), { system: [systemMessage], tools: [], messages });
      assert.equal(extract('codex-chat', { messages: [{ role: 'user', content: 'hi' }] })?.system, null);
    });
  });

  describe('claude stream reassembly', () => {
    it('rebuilds a Claude Code tool-use turn: merged usage with cache tokens, text and split tool input', () => {
      const result = reassembleFixture('claude-messages', 'claude-code-stream.sse');
      assert.deepEqual(result, {
        model: 'claude-sonnet-4-5-20250929',
        id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
        stop_reason: 'tool_use',
        usage: {
          input_tokens: 4,
          cache_creation_input_tokens: 1841,
          cache_read_input_tokens: 17532,
          cache_creation: { ephemeral_5m_input_tokens: 1841, ephemeral_1h_input_tokens: 0 },
          output_tokens: 89,
          service_tier: 'standard',
        },
        text: "I'll run the test suite first.",
        tool_uses: [
          { name: 'Bash', input: { command: 'npm test', description: 'Run the test suite' }, id: 'toolu_01A09q90qw90lq917835lq9' },
        ],
      });
    });

    it("keeps the original's keys first and in order", () => {
      const result = reassembleFixture('claude-messages', 'claude-code-stream.sse');
      assert.deepEqual(Object.keys(result).slice(0, 6), ['model', 'id', 'stop_reason', 'usage', 'text', 'tool_uses']);
    });

    it('captures thinking, stop_sequence and an overloaded error only when they occur', () => {
      const result = reassemble('claude-messages', [
        { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_2', model: 'claude-opus-4-1', usage: { input_tokens: 10 } } } },
        { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } } },
        { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'The user wants ' } } },
        { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'a stop word.' } } },
        { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCkgIBxABGAIiQ' } } },
        { event: 'content_block_delta', data: { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Done' } } },
        { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: '###' }, usage: { output_tokens: 7 } } },
        { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
      ]);
      assert.equal(result.thinking, 'The user wants a stop word.');
      assert.equal(result.stop_sequence, '###');
      assert.equal(result.stop_reason, 'stop_sequence');
      assert.deepEqual(result.usage, { input_tokens: 10, output_tokens: 7 });
      assert.deepEqual(result.error, { type: 'overloaded_error', message: 'Overloaded' });

      const plain = reassembleFixture('claude-messages', 'claude-code-stream.sse');
      for (const key of ['thinking', 'stop_sequence', 'error']) assert.equal(key in plain, false, key);
    });

    it("follows the original's tool input rules: empty is {}, invalid JSON is {_raw}", () => {
      const events: SseEvent[] = [
        { data: { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_b', name: 'Read' } } },
        { data: { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"file_path": ' } } },
        { data: { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_a', name: 'TodoWrite' } } },
      ];
      const result = reassemble('claude-messages', events);
      assert.deepEqual(result.tool_uses, [
        { name: 'TodoWrite', input: {}, id: 'toolu_a' },
        { name: 'Read', input: { _raw: '{"file_path": ' }, id: 'toolu_b' },
      ]);
    });

    it('uses the SSE event name when data has no type, and skips data that is not an object', () => {
      const result = reassemble('claude-messages', [
        { event: 'message_start', data: { message: { id: 'msg_3', model: 'claude-haiku-4-5', usage: { input_tokens: 3 } } } },
        { event: 'content_block_delta', data: 'not json {' },
        { event: 'content_block_delta', data: { index: 0, delta: { type: 'text_delta', text: 'ok' } } },
      ]);
      assert.equal(result.model, 'claude-haiku-4-5');
      assert.equal(result.text, 'ok');
      assert.equal(result.stop_reason, null);
      assert.deepEqual(result.usage, { input_tokens: 3 });
    });

    it('gives a usable partial result mid-stream and does not change it afterwards', () => {
      const events = parseSse(fixtureText('claude-code-stream.sse'));
      const reassembler = createReassembler('claude-messages');
      const cutAfter = events.findIndex((event) => JSON.stringify(event.data).includes('npm t')) + 1;
      for (const event of events.slice(0, cutAfter)) reassembler.push(event);
      const partial = reassembler.result();
      assert.equal(partial.stop_reason, null);
      assert.equal(partial.text, "I'll run the test suite first.");
      assert.deepEqual(partial.tool_uses, [{ name: 'Bash', input: { _raw: '{"command": "npm t' }, id: 'toolu_01A09q90qw90lq917835lq9' }]);
      const usageBefore = structuredClone(partial.usage);

      for (const event of events.slice(cutAfter)) reassembler.push(event);
      assert.deepEqual(partial.usage, usageBefore, 'an earlier result is a snapshot');
      assert.equal(reassembler.result().stop_reason, 'tool_use');
    });
  });

  describe('responses stream reassembly', () => {
    const expectedToolUses = [
      { name: 'exec', input: 'cd /work/demo\nnpm test -- --reporter dot', call_id: 'call_Exec7Qk', type: 'custom_tool_call' },
      {
        name: 'update_plan',
        input: { plan: [{ step: 'Run tests', status: 'in_progress' }] },
        call_id: 'call_Plan2Vb',
        type: 'function_call',
      },
    ];

    it('rebuilds a Codex turn with reasoning, text, a custom exec call and a function call', () => {
      const result = reassembleFixture('codex-responses', 'codex-responses-stream.sse');
      assert.deepEqual(result, {
        model: 'gpt-5.1-codex',
        id: 'resp_0c1d2e3f',
        status: 'completed',
        usage: {
          input_tokens: 10442,
          input_tokens_details: { cached_tokens: 9984 },
          output_tokens: 187,
          output_tokens_details: { reasoning_tokens: 64 },
          total_tokens: 10629,
        },
        text: 'Running the tests and updating the plan.',
        tool_uses: expectedToolUses,
        output_types: ['reasoning', 'message', 'custom_tool_call', 'function_call'],
      });
    });

    it('rebuilds the same turn when response.completed has an empty output (responses-lite)', () => {
      const result = reassembleFixture('codex-responses', 'codex-responses-lite-stream.sse');
      assert.equal(result.status, 'completed');
      assert.equal(result.model, 'gpt-5.1-codex-mini');
      assert.equal(result.text, 'Running the tests and updating the plan.');
      assert.deepEqual(result.tool_uses, expectedToolUses);
      assert.deepEqual(result.output_types, ['reasoning', 'message', 'custom_tool_call', 'function_call']);
      assert.deepEqual((result.usage as Record<string, unknown>).total_tokens, 10013);
    });

    it('takes text from finished message items when no text deltas were streamed', () => {
      const result = reassemble('codex-responses', [
        { data: { type: 'response.output_item.done', output_index: 0, item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'PONG' }] } } },
        { data: { type: 'response.completed', response: { id: 'resp_1', status: 'completed', output: [], usage: { total_tokens: 5 } } } },
      ]);
      assert.equal(result.text, 'PONG');
    });

    it('takes text from the completed output when that is all there is, without doubling streamed text', () => {
      const message = { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'PONG' }] };
      const completed: SseEvent = { data: { type: 'response.completed', response: { id: 'resp_2', status: 'completed', output: [message] } } };
      assert.equal(reassemble('codex-responses', [completed]).text, 'PONG');
      const withDeltas = reassemble('codex-responses', [
        { data: { type: 'response.output_text.delta', delta: 'PO' } },
        { data: { type: 'response.output_text.delta', delta: 'NG' } },
        { data: { type: 'response.output_item.done', output_index: 0, item: message } },
        completed,
      ]);
      assert.equal(withDeltas.text, 'PONG');
    });

    it('lets the finished item win over what the deltas built', () => {
      const result = reassemble('codex-responses', [
        { data: { type: 'response.output_item.added', output_index: 0, item: { id: 'fc_1', type: 'function_call', name: 'shell', call_id: 'call_1', arguments: '' } } },
        { data: { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 0, delta: '{"cmd": ["l' } },
        { data: { type: 'response.output_item.done', output_index: 0, item: { id: 'fc_1', type: 'function_call', name: 'shell', call_id: 'call_1', arguments: '{"cmd":["ls"]}' } } },
      ]);
      assert.deepEqual(result.tool_uses, [{ name: 'shell', input: { cmd: ['ls'] }, call_id: 'call_1', type: 'function_call' }]);
    });

    it('matches deltas that carry only output_index, and keeps a namespace when the item has one', () => {
      const result = reassemble('codex-responses', [
        { data: { type: 'response.output_item.added', output_index: 4, item: { type: 'function_call', name: 'search_docs', namespace: 'mcp__docs', call_id: 'call_4' } } },
        { data: { type: 'response.function_call_arguments.delta', output_index: 4, delta: '{"query":' } },
        { data: { type: 'response.function_call_arguments.delta', output_index: 4, delta: '"sse"}' } },
      ]);
      assert.deepEqual(result.tool_uses, [
        { name: 'search_docs', input: { query: 'sse' }, call_id: 'call_4', type: 'function_call', namespace: 'mcp__docs' },
      ]);
    });

    it('marks invalid function arguments as {_raw}, but keeps custom tool input as raw text', () => {
      const result = reassemble('codex-responses', [
        { data: { type: 'response.output_item.done', output_index: 0, item: { type: 'function_call', name: 'f', call_id: 'c0', arguments: '{"a":' } } },
        { data: { type: 'response.output_item.done', output_index: 1, item: { type: 'custom_tool_call', name: 'exec', call_id: 'c1', input: '{not json' } } },
      ]);
      assert.deepEqual(
        (result.tool_uses as Array<Record<string, unknown>>).map((toolUse) => toolUse.input),
        [{ _raw: '{"a":' }, '{not json'],
      );
    });

    it('records failure, incompleteness and error events', () => {
      const failed = reassemble('codex-responses', [
        { data: { type: 'response.created', response: { id: 'resp_f', model: 'gpt-5', status: 'in_progress', usage: null } } },
        { data: { type: 'response.failed', response: { id: 'resp_f', status: 'failed', error: { code: 'server_error', message: 'boom' }, usage: null } } },
      ]);
      assert.equal(failed.status, 'failed');
      assert.deepEqual(failed.error, { code: 'server_error', message: 'boom' });

      const incomplete = reassemble('codex-responses', [
        { data: { type: 'response.incomplete', response: { id: 'resp_i', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } } },
      ]);
      assert.equal(incomplete.status, 'incomplete');
      assert.deepEqual(incomplete.incomplete_details, { reason: 'max_output_tokens' });

      const errored = reassemble('codex-responses', [
        { event: 'error', data: { type: 'error', code: 'rate_limit_exceeded', message: 'Slow down', param: null } },
      ]);
      assert.deepEqual(errored.error, { type: 'error', code: 'rate_limit_exceeded', message: 'Slow down', param: null });
    });

    it("keeps the original's usage semantics: response.created's usage:null shows until completion", () => {
      const events = parseSse(fixtureText('codex-responses-stream.sse'));
      const reassembler = createReassembler('codex-responses');
      for (const event of events.slice(0, 3)) reassembler.push(event);
      const partial = reassembler.result();
      assert.equal(partial.usage, null);
      assert.equal(partial.status, 'in_progress');
      assert.equal(partial.id, 'resp_0c1d2e3f');
    });
  });

  describe('chat stream reassembly', () => {
    it('accumulates tool calls by index and takes usage from the include_usage chunk', () => {
      const result = reassembleFixture('codex-chat', 'chat-tool-calls-stream.sse');
      assert.deepEqual(result, {
        model: 'gpt-4.1-2025-04-14',
        finish_reason: 'tool_calls',
        usage: {
          prompt_tokens: 812,
          completion_tokens: 43,
          total_tokens: 855,
          prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
        },
        text: '',
        tool_uses: [
          { name: 'read_file', input: { path: 'src/index.ts' }, id: 'call_Wx1' },
          { name: 'run_tests', input: { filter: 'wire' }, id: 'call_Yz2' },
        ],
      });
    });

    it('joins text content, ignores [DONE], and lets neither null nor {} usage replace a real one', () => {
      const events: SseEvent[] = [
        { data: { model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null } },
        { data: { model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'PO' }, finish_reason: null }] } },
        { data: { model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'NG' }, finish_reason: 'stop' }], usage: null } },
      ];
      const usage = { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 };
      const result = reassemble('codex-chat', [
        ...events,
        { data: { model: 'gpt-4o-mini', choices: [], usage } },
        // Some OpenAI-compatible servers end with an empty usage object; Python's `or` ignores it.
        { data: { model: 'gpt-4o-mini', choices: [], usage: {} } },
        { data: '[DONE]' },
      ]);
      assert.deepEqual(result, { model: 'gpt-4o-mini', finish_reason: 'stop', usage, text: 'PONG', tool_uses: [] });
      assert.deepEqual(reassemble('codex-chat', events).usage, {});
    });
  });

  describe('text cap', () => {
    for (const wire of TEXT_WIRES) {
      it(`${wire}: keeps exactly ${MAX_TEXT_CHARS} chars, then appends …(+N chars)`, () => {
        const exact = reassemble(wire, [textEvent(wire, 'a'.repeat(MAX_TEXT_CHARS - 5)), textEvent(wire, 'b'.repeat(5))]);
        assert.equal(exact.text, 'a'.repeat(MAX_TEXT_CHARS - 5) + 'bbbbb');

        const over = reassemble(wire, [
          textEvent(wire, 'a'.repeat(MAX_TEXT_CHARS - 3)),
          textEvent(wire, 'bbbbbbb'),
          textEvent(wire, 'c'.repeat(1234)),
        ]);
        assert.equal(over.text, `${'a'.repeat(MAX_TEXT_CHARS - 3)}bbb…(+${4 + 1234} chars)`);
      });
    }

    it('counts characters as Python does (an emoji is one) and never splits a surrogate pair', () => {
      const emoji = '😀';
      const result = reassemble('claude-messages', [textEvent('claude-messages', emoji.repeat(MAX_TEXT_CHARS + 2))]);
      assert.equal(result.text, `${emoji.repeat(MAX_TEXT_CHARS)}…(+2 chars)`);
      const mixed = reassemble('claude-messages', [textEvent('claude-messages', 'x'.repeat(MAX_TEXT_CHARS - 1) + emoji + emoji)]);
      assert.equal(mixed.text, `${'x'.repeat(MAX_TEXT_CHARS - 1)}${emoji}…(+1 chars)`);
    });

    it('caps Claude thinking like text', () => {
      const result = reassemble('claude-messages', [
        { data: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 't'.repeat(MAX_TEXT_CHARS + 10) } } },
      ]);
      assert.equal(result.thinking, `${'t'.repeat(MAX_TEXT_CHARS)}…(+10 chars)`);
    });
  });

  describe('bounded memory', () => {
    it('keeps the result bounded over a 1,000,000-event stream', function () {
      this.timeout(60_000);
      const collectGarbage = exposeGc();
      collectGarbage?.();
      const heapBefore = process.memoryUsage().heapUsed;

      const reassembler = createReassembler('claude-messages');
      reassembler.push({ data: { type: 'message_start', message: { id: 'msg_long', model: 'claude-sonnet-4-5', usage: { input_tokens: 1 } } } });
      const eventCount = 1_000_000;
      const pieceLength = 100;
      for (let i = 0; i < eventCount; i++) {
        // A distinct string per event, so holding on to the pieces would really cost memory.
        const piece = `${String(i % 10).repeat(pieceLength - 8)}${i.toString(16).padStart(8, '0')}`;
        reassembler.push({ data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } } });
      }
      reassembler.push({ data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: eventCount } } });

      const result = reassembler.result();
      const totalChars = eventCount * pieceLength;
      assert.equal(result.text, `${(result.text as string).slice(0, MAX_TEXT_CHARS)}…(+${totalChars - MAX_TEXT_CHARS} chars)`);
      assert.ok((result.text as string).startsWith('0'.repeat(pieceLength - 8) + '00000000'));
      assert.equal(result.stop_reason, 'end_turn');
      assert.deepEqual(result.usage, { input_tokens: 1, output_tokens: eventCount });

      if (collectGarbage) {
        collectGarbage();
        const grownMiB = (process.memoryUsage().heapUsed - heapBefore) / (1024 * 1024);
        // Keeping the text would hold ~100 MB of characters (plus string headers).
        assert.ok(grownMiB < 20, `heap grew by ${grownMiB.toFixed(1)} MiB`);
      }
      assert.ok(reassembler, 'kept alive until after the heap measurement');
    });

    it('caps a Claude tool input at 1 MiB: truncated, with a 500-char preview', () => {
      const reassembler = createReassembler('claude-messages');
      reassembler.push({ data: { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_big', name: 'Write' } } });
      const chunk = `{"content": "${'z'.repeat(64 * 1024 - 13)}`;
      reassembler.push({ data: { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: chunk } } });
      for (let i = 0; i < 20; i++) {
        reassembler.push({ data: { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: 'z'.repeat(64 * 1024) } } });
      }
      const [toolUse] = reassembler.result().tool_uses as Array<Record<string, unknown>>;
      assert.equal(toolUse?.truncated, true);
      assert.equal(toolUse?.name, 'Write');
      assert.equal(toolUse?.id, 'toolu_big');
      assert.deepEqual(toolUse?.input, { _raw: chunk.slice(0, 500) });
    });

    it('does not truncate arguments right at the cap', () => {
      const value = 'q'.repeat(MAX_TOOL_INPUT_CHARS - 8);
      const result = reassemble('codex-chat', [
        { data: { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'write', arguments: `{"v":"${value}"}` } }] } }] } },
      ]);
      const [toolUse] = result.tool_uses as Array<Record<string, unknown>>;
      assert.equal(`{"v":"${value}"}`.length, MAX_TOOL_INPUT_CHARS);
      assert.deepEqual(toolUse?.input, { v: value });
      assert.equal('truncated' in (toolUse ?? {}), false);
    });

    it('caps responses tool input from deltas, and a complete .done under the cap clears it', () => {
      const bigDelta = 'x'.repeat(MAX_TOOL_INPUT_CHARS + 1);
      const events: SseEvent[] = [
        { data: { type: 'response.output_item.added', output_index: 0, item: { id: 'ctc_1', type: 'custom_tool_call', name: 'exec', call_id: 'call_e' } } },
        { data: { type: 'response.custom_tool_call_input.delta', item_id: 'ctc_1', output_index: 0, delta: bigDelta } },
      ];
      const truncated = reassemble('codex-responses', events);
      assert.deepEqual(truncated.tool_uses, [
        { name: 'exec', input: { _raw: 'x'.repeat(500) }, call_id: 'call_e', type: 'custom_tool_call', truncated: true },
      ]);

      const finished = reassemble('codex-responses', [
        ...events,
        { data: { type: 'response.custom_tool_call_input.done', item_id: 'ctc_1', output_index: 0, input: 'ls' } },
      ]);
      assert.deepEqual(finished.tool_uses, [{ name: 'exec', input: 'ls', call_id: 'call_e', type: 'custom_tool_call' }]);
    });

    it('shares a 16 MiB argument budget across all tool calls of one response', () => {
      const reassembler = createReassembler('claude-messages');
      const nearlyFull = `"${'n'.repeat(MAX_TOOL_INPUT_CHARS - 12)}"`;
      for (let index = 0; index < 20; index++) {
        reassembler.push({ data: { type: 'content_block_start', index, content_block: { type: 'tool_use', id: `toolu_${index}`, name: 'Write' } } });
        reassembler.push({ data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: nearlyFull } } });
      }
      const toolUses = reassembler.result().tool_uses as Array<Record<string, unknown>>;
      assert.equal(toolUses.length, 20);
      assert.deepEqual(
        toolUses.map((toolUse) => toolUse.truncated === true),
        [...Array<boolean>(16).fill(false), ...Array<boolean>(4).fill(true)],
      );
    });

    it('tracks at most 1000 tool calls and counts the rest', () => {
      const reassembler = createReassembler('claude-messages');
      for (let index = 0; index < 1005; index++) {
        reassembler.push({ data: { type: 'content_block_start', index, content_block: { type: 'tool_use', id: `toolu_${index}`, name: 'Read' } } });
      }
      const result = reassembler.result();
      assert.equal((result.tool_uses as unknown[]).length, 1000);
      assert.equal(result.tool_uses_dropped, 5);
    });

    it('caps chat tool arguments too', () => {
      const result = reassemble('codex-chat', [
        { data: { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'write', arguments: '{"v":"' } }] } }] } },
        { data: { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'v'.repeat(MAX_TOOL_INPUT_CHARS) } }] } }] } },
        { data: { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"}' } }] } }] } },
      ]);
      const [toolUse] = result.tool_uses as Array<Record<string, unknown>>;
      assert.equal(toolUse?.truncated, true);
      assert.equal(toolUse?.name, 'write');
      assert.deepEqual(toolUse?.input, { _raw: `{"v":"${'v'.repeat(494)}` });
    });
  });

  describe('unknown wire', () => {
    it('reassembles to a note, as the original does', () => {
      assert.deepEqual(reassemble('unknown', [{ data: { type: 'message_start' } }]), { note: 'no reconstructor for wire' });
    });
  });

  describe('reconstructBody', () => {
    it('rebuilds a non-streamed Claude message like a stream', () => {
      const result = reconstructBody('claude-messages', {
        id: 'msg_body',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: [
          { type: 'thinking', thinking: 'Need the file.', signature: 'sig' },
          { type: 'text', text: 'Reading it now.' },
          { type: 'tool_use', id: 'toolu_r', name: 'Read', input: { file_path: '/work/demo/package.json' } },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 12, cache_read_input_tokens: 17000, cache_creation_input_tokens: 0, output_tokens: 40 },
      });
      assert.deepEqual(result, {
        model: 'claude-sonnet-4-5-20250929',
        id: 'msg_body',
        stop_reason: 'tool_use',
        usage: { input_tokens: 12, cache_read_input_tokens: 17000, cache_creation_input_tokens: 0, output_tokens: 40 },
        text: 'Reading it now.',
        tool_uses: [{ name: 'Read', input: { file_path: '/work/demo/package.json' }, id: 'toolu_r' }],
        thinking: 'Need the file.',
      });
    });

    it('returns {error} for a Claude error body (e.g. 529 overloaded)', () => {
      const error = { type: 'overloaded_error', message: 'Overloaded' };
      assert.deepEqual(reconstructBody('claude-messages', { type: 'error', error }), { error });
    });

    it('rebuilds a non-streamed Responses object with message, function and custom calls', () => {
      const result = reconstructBody('codex-responses', {
        id: 'resp_body',
        object: 'response',
        model: 'gpt-5',
        status: 'completed',
        output: [
          { id: 'rs_1', type: 'reasoning', summary: [] },
          { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Listing files.', annotations: [] }] },
          { id: 'fc_1', type: 'function_call', name: 'shell', call_id: 'call_s', arguments: '{"command":["ls"]}' },
          { id: 'ctc_1', type: 'custom_tool_call', name: 'exec', call_id: 'call_x', input: 'ls -la' },
        ],
        usage: { input_tokens: 100, output_tokens: 20, total_tokens: 120 },
      });
      assert.deepEqual(result, {
        model: 'gpt-5',
        id: 'resp_body',
        status: 'completed',
        usage: { input_tokens: 100, output_tokens: 20, total_tokens: 120 },
        text: 'Listing files.',
        tool_uses: [
          { name: 'shell', input: { command: ['ls'] }, call_id: 'call_s', type: 'function_call' },
          { name: 'exec', input: 'ls -la', call_id: 'call_x', type: 'custom_tool_call' },
        ],
        output_types: ['reasoning', 'message', 'function_call', 'custom_tool_call'],
      });
    });

    it('keeps status and error of a failed Responses object, and returns {error} for an API error body', () => {
      const failed = reconstructBody('codex-responses', {
        id: 'resp_f',
        object: 'response',
        status: 'failed',
        error: { code: 'server_error', message: 'boom' },
        output: [],
      });
      assert.equal(failed?.status, 'failed');
      assert.deepEqual(failed?.error, { code: 'server_error', message: 'boom' });

      const apiError = { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' };
      assert.deepEqual(reconstructBody('codex-responses', { error: apiError }), { error: apiError });
      assert.deepEqual(reconstructBody('codex-chat', { error: apiError }), { error: apiError });
    });

    it('rebuilds a chat completion from its first choice', () => {
      const result = reconstructBody('codex-chat', {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        model: 'gpt-4.1-2025-04-14',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.ts"}' } },
                { id: 'call_b', type: 'function', function: { name: 'read_file', arguments: '{"path":"b.ts"}' } },
              ],
            },
            finish_reason: 'tool_calls',
          },
          { index: 1, message: { role: 'assistant', content: 'second choice' }, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 30, total_tokens: 80 },
      });
      assert.deepEqual(result, {
        model: 'gpt-4.1-2025-04-14',
        finish_reason: 'tool_calls',
        usage: { prompt_tokens: 50, completion_tokens: 30, total_tokens: 80 },
        text: '',
        tool_uses: [
          { name: 'read_file', input: { path: 'a.ts' }, id: 'call_a' },
          { name: 'read_file', input: { path: 'b.ts' }, id: 'call_b' },
        ],
      });
    });

    it('caps text in a non-streamed body', () => {
      const result = reconstructBody('codex-chat', {
        model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: 'w'.repeat(MAX_TEXT_CHARS + 7) }, finish_reason: 'length' }],
      });
      assert.equal(result?.text, `${'w'.repeat(MAX_TEXT_CHARS)}…(+7 chars)`);
      assert.equal(result?.finish_reason, 'length');
    });

    it('returns undefined for unknown wires and non-object bodies', () => {
      assert.equal(reconstructBody('unknown', { id: 'x' }), undefined);
      assert.equal(reconstructBody('claude-messages', 'plain text'), undefined);
      assert.equal(reconstructBody('codex-chat', [1, 2]), undefined);
      assert.equal(reconstructBody('codex-responses', null), undefined);
    });
  });
});

/** A real GC makes the heap measurement meaningful; without it the heap assertion is skipped. */
function exposeGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
  } catch {
    return undefined;
  }
}

describe('wire: what explanations need from a response', () => {
  it('keeps Anthropic diagnostics from message_start and message_delta, and the usage detail as sent', () => {
    const reassembler = createReassembler('claude-messages');
    const usage = { input_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 19_000, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 19_000 } };
    reassembler.push({ event: 'message_start', data: { type: 'message_start', message: { id: 'msg_1', model: 'claude-sonnet-4-5', usage, diagnostics: { cache_miss_reason: { type: 'tools_changed', cache_missed_input_tokens: 18_500 } } } } });
    reassembler.push({ event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 }, diagnostics: { comparison: 'done' } } });
    const result = reassembler.result() as Record<string, unknown>;
    assert.deepEqual(result.diagnostics, { cache_miss_reason: { type: 'tools_changed', cache_missed_input_tokens: 18_500 }, comparison: 'done' });
    assert.deepEqual((result.usage as Record<string, unknown>).cache_creation, usage.cache_creation);
    const body = reconstructBody('claude-messages', { id: 'msg_2', model: 'm', content: [], usage, diagnostics: { cache_miss_reason: { type: 'model_changed' } } });
    assert.deepEqual(body?.diagnostics, { cache_miss_reason: { type: 'model_changed' } });
  });

  it('keeps OpenAI prompt_cache_diagnostics and output_tokens_details', () => {
    const reassembler = createReassembler('codex-responses');
    const usage = { input_tokens: 5000, input_tokens_details: { cached_tokens: 4096 }, output_tokens: 40, output_tokens_details: { reasoning_tokens: 32 } };
    const diagnostics = { type: 'cache_miss', reason: { type: 'tools_changed' }, cache_missed_tokens: 900 };
    reassembler.push({ event: 'response.completed', data: { type: 'response.completed', response: { id: 'resp_1', model: 'gpt-5', status: 'completed', usage, output: [], prompt_cache_diagnostics: diagnostics } } });
    const result = reassembler.result() as Record<string, unknown>;
    assert.deepEqual(result.prompt_cache_diagnostics, diagnostics);
    assert.deepEqual(result.usage, usage);
  });
});

describe('headers: the agents\' conversation headers are kept, credentials never', () => {
  it('keeps x-claude-code-session-id, session_id and x-codex-turn-metadata', () => {
    const kept = loggedRequestHeaders({
      'x-claude-code-session-id': '8a4cac0c-8aca-4385-9f7b-53d8f16a61af',
      session_id: 'codex-thread-1',
      'x-codex-turn-metadata': '{"turn_id":"t1"}',
      authorization: 'Bearer secret',
      'x-api-key': 'secret',
    });
    assert.deepEqual(kept, { 'x-claude-code-session-id': '8a4cac0c-8aca-4385-9f7b-53d8f16a61af', session_id: 'codex-thread-1', 'x-codex-turn-metadata': '{"turn_id":"t1"}' });
  });
});
