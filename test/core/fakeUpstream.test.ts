// Self-test of the fake model API (test/support/fakeUpstream.ts), driven directly (no proxy) by the official SDKs:
// if they parse its replies, the proxy tests that rely on it test the proxy and not the fake.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Agent } from 'undici';
import {
  BASH_TOOL_MARKER,
  EXEC_TOOL_MARKER,
  MAX_RECORDED_BODY_BYTES,
  makeTestCertificate,
  startFakeUpstream,
} from '../support/fakeUpstream';
import type { FakeUpstream } from '../support/fakeUpstream';
import { PromptCache } from '../support/promptCache';

/** Parses an SSE body into its events' JSON data (skipping Chat Completions' `[DONE]`). */
function sseData(body: string): Record<string, unknown>[] {
  return body
    .split('\n\n')
    .map((frame) => frame.split('\n').find((line) => line.startsWith('data: '))?.slice('data: '.length))
    .filter((data): data is string => data !== undefined && data !== '[DONE]')
    .map((data) => JSON.parse(data) as Record<string, unknown>);
}

/** A plain node:http request: unlike fetch it neither decodes content-encoding nor hides upgrade answers. */
function rawRequest(
  url: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: string },
): Promise<{ status: number | undefined; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    });
    request.end(options.body);
  });
}

/**
 * The smallest valid zstd frame: the bytes stored uncompressed in one raw block. Node 20 has no zstd encoder, and
 * the fake only has to prove that it decodes what Codex's ChatGPT route sends (`content-encoding: zstd`).
 */
function zstdStoredFrame(content: Buffer): Buffer {
  assert.ok(content.length < 256, 'a one-byte frame content size field holds at most 255');
  const magic = [0x28, 0xb5, 0x2f, 0xfd];
  const singleSegmentDescriptor = 0x20; // Single_Segment_flag, 1-byte Frame_Content_Size, no checksum
  const blockHeader = 1 | (content.length << 3); // Last_Block, Block_Type raw, Block_Size
  return Buffer.concat([
    Buffer.from([...magic, singleSegmentDescriptor, content.length]),
    Buffer.from([blockHeader & 0xff, (blockHeader >> 8) & 0xff, (blockHeader >> 16) & 0xff]),
    content,
  ]);
}

describe('fake upstream (driven directly by the official SDKs)', function () {
  this.timeout(5000);
  let fake: FakeUpstream;
  let anthropic: Anthropic;
  let openai: OpenAI;

  beforeEach(async () => {
    fake = await startFakeUpstream();
    // No retries: a scenario error must surface at once instead of being retried with backoff.
    anthropic = new Anthropic({ baseURL: fake.url, apiKey: 'test', maxRetries: 0 });
    openai = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'test', maxRetries: 0 });
  });
  afterEach(() => fake.close());

  it('streams an Anthropic message that messages.stream assembles into PONG with usage', async () => {
    const message = await anthropic.messages
      .stream({
        model: 'claude-test',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'Reply with exactly PONG' }],
      })
      .finalMessage();

    assert.equal(message.model, 'claude-test');
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual(
      message.content.map((block) => (block.type === 'text' ? block.text : block.type)),
      ['PONG'],
    );
    assert.ok(message.usage.input_tokens > 0);
    assert.ok(message.usage.output_tokens > 0);
    assert.equal(message.usage.cache_read_input_tokens, 0);
    assert.equal(message.usage.cache_creation_input_tokens, 0);

    assert.equal(fake.requests.length, 1);
    const [request] = fake.requests;
    assert.equal(request?.method, 'POST');
    assert.equal(request?.url, '/v1/messages');
    assert.equal(JSON.parse(request?.body?.toString() ?? '{}').model, 'claude-test');
  });

  it('answers a Bash tool_use and then TOOL_DONE with the tool_result (Claude Code round trip)', async () => {
    const tools: Anthropic.Tool[] = [
      { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: {} } },
    ];
    const prompt: Anthropic.MessageParam = { role: 'user', content: `Run it. ${BASH_TOOL_MARKER}` };
    const toolTurn = await anthropic.messages
      .stream({ model: 'claude-test', max_tokens: 64, tools, messages: [prompt] })
      .finalMessage();

    assert.equal(toolTurn.stop_reason, 'tool_use');
    const toolUse = toolTurn.content.find((block) => block.type === 'tool_use');
    assert.ok(toolUse?.type === 'tool_use');
    assert.equal(toolUse.name, 'Bash');
    assert.match(toolUse.id, /^toolu_/);
    assert.deepEqual(toolUse.input, { command: 'echo interlude-tool-ok', description: 'echo' });

    const answer = await anthropic.messages
      .stream({
        model: 'claude-test',
        max_tokens: 64,
        tools,
        messages: [
          prompt,
          { role: 'assistant', content: toolTurn.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'interlude-tool-ok' }],
          },
        ],
      })
      .finalMessage();
    assert.deepEqual(
      answer.content.map((block) => (block.type === 'text' ? block.text : block.type)),
      ['TOOL_DONE: interlude-tool-ok'],
    );
  });

  it('streams an OpenAI Response that responses.stream assembles into PONG with usage', async () => {
    const response = await openai.responses
      .stream({ model: 'gpt-test', input: 'Reply with exactly PONG' })
      .finalResponse();

    assert.equal(response.status, 'completed');
    assert.equal(response.model, 'gpt-test');
    assert.equal(response.output_text, 'PONG');
    assert.ok((response.usage?.input_tokens ?? 0) > 0);
    assert.equal(response.usage?.input_tokens_details.cached_tokens, 0);
    assert.equal(response.usage?.output_tokens_details.reasoning_tokens, 0);
    assert.equal(fake.requests[0]?.url, '/v1/responses');
  });

  it("answers Codex's custom exec tool (additional_tools layout) and then TOOL_DONE with its output", async () => {
    // Codex's default layout: tools travel in an `additional_tools` input item the SDK types do not know.
    const additionalTools = {
      type: 'additional_tools',
      role: 'developer',
      tools: [
        {
          type: 'namespace',
          name: 'functions',
          description: '',
          tools: [{ type: 'custom', name: 'exec', description: 'Run JavaScript' }],
        },
      ],
    } as unknown as OpenAI.Responses.ResponseInputItem; // boundary: an input item newer than the SDK's types
    const prompt: OpenAI.Responses.ResponseInputItem = {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: `Run it. ${EXEC_TOOL_MARKER}` }],
    };
    const toolTurn = await openai.responses
      .stream({ model: 'gpt-test', input: [additionalTools, prompt] })
      .finalResponse();

    const call = toolTurn.output[0];
    assert.ok(call?.type === 'custom_tool_call');
    assert.equal(call.name, 'exec');
    assert.equal(call.namespace, 'functions');
    assert.match(call.input, /tools\.exec_command\(\{ cmd: "echo interlude-tool-ok" \}\)/);

    const answer = await openai.responses
      .stream({
        model: 'gpt-test',
        input: [
          additionalTools,
          prompt,
          call,
          { type: 'custom_tool_call_output', call_id: call.call_id, output: 'interlude-tool-ok\n' },
        ],
      })
      .finalResponse();
    assert.equal(answer.output_text, 'TOOL_DONE: interlude-tool-ok\n');
  });

  it('answers a function_call for the classic exec_command tool (codex -m gpt-5 layout)', async () => {
    const response = await openai.responses
      .stream({
        model: 'gpt-test',
        input: `Run it. ${EXEC_TOOL_MARKER}`,
        tools: [
          { type: 'function', name: 'exec_command', parameters: { type: 'object', properties: {} }, strict: false },
        ],
      })
      .finalResponse();

    const call = response.output[0];
    assert.ok(call?.type === 'function_call');
    assert.equal(call.name, 'exec_command');
    assert.deepEqual(JSON.parse(call.arguments), { cmd: 'echo interlude-tool-ok' });
  });

  it('streams chat completions with a usage chunk when stream_options.include_usage is set', async () => {
    const stream = openai.chat.completions.stream({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Reply with exactly PONG' }],
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    stream.on('chunk', (chunk) => chunks.push(chunk));
    const completion = await stream.finalChatCompletion();

    assert.equal(completion.choices[0]?.message.content, 'PONG');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.ok((completion.usage?.prompt_tokens ?? 0) > 0);
    assert.ok((completion.usage?.completion_tokens ?? 0) > 0);
    assert.deepEqual(chunks.at(-1)?.choices, [], 'the usage chunk comes last and has no choices');
  });

  it('serves https with makeTestCertificate() to a client that trusts only its CA', async () => {
    const certificate = makeTestCertificate();
    const secureFake = await startFakeUpstream({ tls: certificate });
    const dispatcher = new Agent({ connect: { ca: certificate.ca } });
    try {
      assert.match(secureFake.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const secureClient = new Anthropic({
        baseURL: secureFake.url,
        apiKey: 'test',
        maxRetries: 0,
        fetchOptions: { dispatcher },
      });
      const message = await secureClient.messages
        .stream({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
        .finalMessage();
      assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'PONG');

      // The name in the certificate matters too: localhost is in its SAN list, like 127.0.0.1.
      // `dispatcher` is undici's extension of RequestInit, which the DOM typings of fetch do not declare.
      const viaLocalhost = await fetch(`https://localhost:${secureFake.port}/`, {
        method: 'HEAD',
        dispatcher,
      } as RequestInit);
      assert.equal(viaLocalhost.status, 404);
      // And a client without the CA refuses it.
      await assert.rejects(fetch(`${secureFake.url}/`, { method: 'HEAD' }));
    } finally {
      await dispatcher.close();
      await secureFake.close();
    }
  });

  it('status:529 raises the SDK error with an overloaded_error body', async () => {
    const failing = anthropic.messages.stream(
      { model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-fake-scenario': 'status:529' } },
    );
    await assert.rejects(failing.finalMessage(), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError);
      assert.equal(error.status, 529);
      assert.deepEqual((error.error as { error?: unknown }).error, { type: 'overloaded_error', message: 'Overloaded' });
      return true;
    });

    const openAiFailure = openai.responses.create(
      { model: 'gpt-test', input: 'hi' },
      { headers: { 'x-fake-scenario': 'status:429' } },
    );
    await assert.rejects(openAiFailure, (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.code, 'rate_limit_exceeded');
      return true;
    });
  });

  it('reset-after:2 cuts every API stream after exactly two events', async () => {
    const resetHeaders = { headers: { 'x-fake-scenario': 'reset-after:2' } };
    await assert.rejects(
      anthropic.messages
        .stream({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }, resetHeaders)
        .finalMessage(),
    );
    await assert.rejects(openai.responses.stream({ model: 'gpt-test', input: 'hi' }, resetHeaders).finalResponse());

    // A raw reader sees the two whole events, then a connection that ends mid-body.
    const response = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-fake-scenario': 'reset-after:2' },
      body: JSON.stringify({ model: 'gpt-test', stream: true, messages: [] }),
    });
    const reader = response.body?.getReader();
    assert.ok(reader);
    const decoder = new TextDecoder();
    let received = '';
    await assert.rejects(async () => {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        received += decoder.decode(read.value);
      }
    });
    assert.equal(sseData(received).length, 2);
    assert.ok(!received.includes('[DONE]'));
  });

  it('events:<count>:<ms> spaces numbered deltas and stamps each with t_sent', async () => {
    const started = performance.timeOrigin + performance.now();
    const response = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-fake-scenario': 'events:5:20' },
      body: '{}', // the synthetic streams need no conversation
    });
    const deltas = sseData(await response.text()).filter((data) => data.type === 'content_block_delta');

    assert.deepEqual(
      deltas.map((data) => (data.delta as { text: string }).text),
      ['e0;', 'e1;', 'e2;', 'e3;', 'e4;'],
    );
    const sentTimes = deltas.map((data) => data.t_sent as number);
    assert.ok((sentTimes[0] as number) >= started);
    const span = (sentTimes[4] as number) - (sentTimes[0] as number);
    assert.ok(span >= 78 && span < 400, `4 intervals of 20 ms took ${span} ms`);
  });

  it('bytes:<n> streams n bytes of delta text in ~16 KiB events on all three APIs', async () => {
    const totalBytes = 100_000;
    const textOf: Record<string, (data: Record<string, unknown>) => string | undefined> = {
      '/v1/messages': (data) =>
        data.type === 'content_block_delta' ? (data.delta as { text: string }).text : undefined,
      '/v1/responses': (data) => (data.type === 'response.output_text.delta' ? (data.delta as string) : undefined),
      '/v1/chat/completions': (data) =>
        (data.choices as { delta: { content?: string } }[] | undefined)?.[0]?.delta.content || undefined,
    };
    for (const [path, deltaText] of Object.entries(textOf)) {
      const response = await fetch(`${fake.url}${path}`, {
        method: 'POST',
        headers: { 'x-fake-scenario': `bytes:${totalBytes}` },
        body: '{}',
      });
      const texts = sseData(await response.text())
        .map(deltaText)
        .filter((text): text is string => text !== undefined);
      assert.equal(texts.join('').length, totalBytes, path);
      assert.equal(texts.length, Math.ceil(totalBytes / 16384), path);
    }
  });

  it('echo-body reports the exact bytes received; big bodies are recorded by hash only', async () => {
    const small = Buffer.from('{"not":"parsed"}');
    const big = Buffer.alloc(MAX_RECORDED_BODY_BYTES + 1, 'x');
    for (const body of [small, big]) {
      const response = await fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-fake-scenario': 'echo-body' },
        body,
      });
      const sha256 = createHash('sha256').update(body).digest('hex');
      assert.deepEqual(await response.json(), { bytes: body.length, sha256 });
    }
    const [smallRecord, bigRecord] = fake.requests;
    assert.deepEqual(smallRecord?.body, small);
    assert.equal(bigRecord?.body, undefined);
    assert.equal(bigRecord?.bodyLength, big.length);
    assert.equal(bigRecord?.bodySha256, createHash('sha256').update(big).digest('hex'));
  });

  it('decodes gzip and zstd request bodies, and keeps the recorded body as sent', async () => {
    const json = Buffer.from(JSON.stringify({ model: 'gpt-test', input: 'hi' }));
    for (const [encoding, encoded] of [
      ['gzip', gzipSync(json)],
      ['zstd', zstdStoredFrame(json)],
    ] as const) {
      const response = await fetch(`${fake.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-encoding': encoding, 'content-type': 'application/json' },
        body: new Uint8Array(encoded),
      });
      assert.equal(response.status, 200, encoding);
      const reply = (await response.json()) as { output: { content: { text: string }[] }[] };
      assert.equal(reply.output[0]?.content[0]?.text, 'PONG', encoding);
      assert.deepEqual(fake.requests.at(-1)?.body, encoded, encoding);
    }
  });

  it('answers gzip-response, non-stream-text, slow-headers, unknown routes and upgrades as documented', async () => {
    const gzipped = await rawRequest(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-fake-scenario': 'gzip-response' },
      body: JSON.stringify({ model: 'claude-test', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(gzipped.headers['content-encoding'], 'gzip');
    assert.equal(Number(gzipped.headers['content-length']), gzipped.body.length);
    const message = JSON.parse(gunzipSync(gzipped.body).toString()) as { content: { text: string }[] };
    assert.equal(message.content[0]?.text, 'PONG');

    const plain = await fetch(`${fake.url}/v1/responses`, {
      method: 'POST',
      headers: { 'x-fake-scenario': 'non-stream-text' },
    });
    assert.match(plain.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await plain.text(), 'plain text reply');

    const started = performance.now();
    const slow = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-fake-scenario': 'slow-headers:150' },
      body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.ok(performance.now() - started >= 140);
    const completion = (await slow.json()) as { choices: { message: { content: string } }[] };
    assert.equal(completion.choices[0]?.message.content, 'PONG');

    const probe = await fetch(`${fake.url}/`, { method: 'HEAD' });
    assert.equal(probe.status, 404);
    const unknown = await fetch(`${fake.url}/v1/models`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(((await unknown.json()) as { error: { type: string } }).error.type, 'not_found_error');

    const typo = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-fake-scenario': 'stauts:500' },
    });
    assert.equal(typo.status, 400);

    const upgrade = await rawRequest(`${fake.url}/v1/responses`, {
      headers: { connection: 'Upgrade', upgrade: 'websocket' },
    });
    assert.equal(upgrade.status, 400);
    assert.equal(fake.requests.at(-1)?.method, 'GET');
  });
});

describe('fake upstream prompt cache (promptCache.ts)', () => {
  it('a message sent as a block list, then as the same text in a string, still hits (Claude Code\'s role:"system" message)', () => {
    const cache = new PromptCache();
    const text = 'x '.repeat(8000);
    const body = (content: unknown) => ({
      system: [{ type: 'text', text: 'system prompt', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }, { role: 'system', content }, { role: 'user', content: [{ type: 'text', text: 'go', cache_control: { type: 'ephemeral' } }] }],
    });
    const first = cache.anthropic('m', body([{ type: 'text', text, cache_control: { type: 'ephemeral' } }]));
    assert.equal(first.cache_read_input_tokens, 0);
    const second = cache.anthropic('m', body(text));
    assert.equal(second.cache_read_input_tokens, first.cache_creation_input_tokens, 'everything the first wrote is read');
    const changed = cache.anthropic('m', body(`${text}!`));
    assert.ok(changed.cache_read_input_tokens < first.cache_creation_input_tokens, 'a changed text is a miss');
  });
});
