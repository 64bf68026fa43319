// Faults and bad input. After each: the proxy still relays and every log line parses.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { InterludeProxy } from '../../src/core/capture/proxy';
import type { RequestRecord, ResponseRecord } from '../../src/core/records';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { assertStillServes, logFilesIn, startHarness, startProxyOverFakeUpstream, type Harness } from '../support/proxyHarness';

const messagesBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'claude-test', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'hi' }], ...extra });

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('faults and bad input', function () {
  this.timeout(30_000);
  let upstream: FakeUpstream;
  let harness: Harness;
  let close: () => Promise<void>;
  before(async () => {
    ({ upstream, harness, close } = await startProxyOverFakeUpstream());
  });
  afterEach(async () => {
    await assertStillServes(harness);
  });
  after(() => close());

  const responsesSoFar = () => harness.records().filter((record) => record.kind === 'response').length;

  it('upstream reset mid-stream: the agent sees a broken stream, the partial response is recorded', async () => {
    const before = responsesSoFar();
    const response = await request(`${harness.url()}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-scenario': 'reset-after:3' },
      body: messagesBody(),
    });
    assert.equal(response.statusCode, 200);
    await assert.rejects(response.body.text(), 'the agent must not see a clean end');
    const record = (await harness.waitForResponses(before + 1))[before];
    assert.equal(record.partial, true);
    assert.match(String(record.error), /upstream connection broke/);
    assert.ok((record.event_count ?? 0) >= 1, 'events that arrived before the reset are recorded');
  });

  it('client abort mid-stream: the upstream request is cancelled and the partial response recorded', async () => {
    const before = responsesSoFar();
    const requestsBefore = upstream.requests.length;
    const controller = new AbortController();
    const response = await request(`${harness.url()}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-scenario': 'events:200:20' },
      body: messagesBody(),
      signal: controller.signal,
    });
    let received = 0;
    await assert.rejects(
      (async () => {
        for await (const chunk of response.body) {
          received += (chunk as Buffer).length;
          if (received > 300) controller.abort();
        }
      })(),
    );
    const record = (await harness.waitForResponses(before + 1))[before];
    assert.equal(record.partial, true);
    assert.match(String(record.error), /agent closed the connection/);
    assert.ok((record.event_count ?? 0) < 200, 'the stream was cut short');
    assert.equal(upstream.requests.length, requestsBefore + 1);
    // The relay stopped reading: well under the 4 s the full stream takes.
    assert.ok((record.duration_ms ?? Infinity) < 3_000, `duration ${record.duration_ms}`);
  });

  for (const status of [400, 401, 429, 500, 529]) {
    it(`upstream ${status}: relayed as is and recorded with its body`, async () => {
      const before = responsesSoFar();
      const response = await request(`${harness.url()}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fake-scenario': `status:${status}` },
        body: messagesBody(),
      });
      assert.equal(response.statusCode, status);
      const body = (await response.body.json()) as { error?: unknown };
      assert.ok(body.error);
      const record = (await harness.waitForResponses(before + 1))[before];
      assert.equal(record.status, status);
      assert.equal(record.stream, false);
      assert.deepEqual(record.body, body);
    });
  }

  it('upstream down: 502 with a clear body, and a response record with error', async () => {
    const closedPort = await new Promise<number>((resolvePort) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolvePort(port));
      });
    });
    const down = await startHarness(`http://127.0.0.1:${closedPort}`);
    try {
      const response = await request(`${down.url()}/v1/messages`, { method: 'POST', body: messagesBody() });
      assert.equal(response.statusCode, 502);
      const body = (await response.body.json()) as { error: { message: string } };
      assert.match(body.error.message, /could not reach the upstream http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
      const [record] = await down.waitForResponses(1);
      assert.equal(record.status, 502);
      assert.match(String(record.error), /ECONNREFUSED/);
      assert.equal(down.requestRecord(record.id).wire, 'claude-messages');
      assert.ok(down.problems.some((problem) => problem.includes('ECONNREFUSED')));
    } finally {
      await down.close();
    }
  });

  it('malformed JSON body: relayed; recorded as raw text with no extract', async () => {
    const before = responsesSoFar();
    const response = await request(`${harness.url()}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-scenario': 'echo-body' },
      body: '{"model": "x", "messages": [',
    });
    assert.equal(response.statusCode, 200);
    const echoed = (await response.body.json()) as { bytes: number };
    assert.equal(echoed.bytes, 28);
    const record = (await harness.waitForResponses(before + 1))[before];
    const requestRecord = harness.requestRecord(record.id);
    assert.equal(requestRecord.request, '{"model": "x", "messages": [');
    assert.equal(requestRecord.extract, null);
  });

  it('non-UTF-8 bytes: forwarded byte-exact, logged with replacement characters and a note', async () => {
    const before = responsesSoFar();
    const body = Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xe9, 0xff, 0xfe]), Buffer.from('"}')]);
    const response = await request(`${harness.url()}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-scenario': 'echo-body' },
      body,
    });
    const echoed = (await response.body.json()) as { sha256: string };
    assert.equal(echoed.sha256, sha256(body));
    const record = (await harness.waitForResponses(before + 1))[before];
    const requestRecord = harness.requestRecord(record.id);
    assert.deepEqual(requestRecord.request, { text: 'caf\uFFFD\uFFFD\uFFFD' });
    assert.match(String(requestRecord.note), /not valid UTF-8/);
  });

  const compressed: Array<[string, () => Buffer]> = [
    ['gzip', () => gzipSync(Buffer.from(messagesBody({ marker: 'gzip-body' })))],
    ['zstd', () => execFileSync('zstd', ['-q', '-c'], { input: Buffer.from(messagesBody({ marker: 'zstd-body' })) })],
  ];
  for (const [encoding, make] of compressed) {
    it(`${encoding} request body: forwarded untouched, decoded for the log only`, async () => {
      const before = responsesSoFar();
      const body = make();
      const response = await request(`${harness.url()}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding, 'x-fake-scenario': 'echo-body' },
        body,
      });
      const echoed = (await response.body.json()) as { sha256: string; bytes: number };
      assert.equal(echoed.sha256, sha256(body), 'upstream got the compressed bytes unchanged');
      const record = (await harness.waitForResponses(before + 1))[before];
      const requestRecord = harness.requestRecord(record.id);
      assert.equal(requestRecord.content_encoding, encoding);
      assert.equal((requestRecord.request as { marker: string }).marker, `${encoding}-body`);
      assert.deepEqual(requestRecord.extract?.messages, [{ role: 'user', content: 'hi' }]);
      assert.equal(requestRecord.request_bytes, body.length);
    });
  }

  it('a corrupt zstd body: forwarded untouched; the log says it could not be decoded', async () => {
    const before = responsesSoFar();
    const body = Buffer.from('28b52ffd0000deadbeef', 'hex');
    const response = await request(`${harness.url()}/v1/messages`, {
      method: 'POST',
      headers: { 'content-encoding': 'zstd', 'x-fake-scenario': 'echo-body' },
      body,
    });
    assert.equal(((await response.body.json()) as { sha256: string }).sha256, sha256(body));
    const record = (await harness.waitForResponses(before + 1))[before];
    assert.match(String(harness.requestRecord(record.id).note), /cannot decode zstd body/);
  });

  it('a 20 MiB request body: streamed through byte-exact; the log marks it truncated', async () => {
    const before = responsesSoFar();
    const body = Buffer.alloc(20 * 1024 * 1024, 'a');
    body.write('{"messages":"', 0);
    body.write('"}', body.length - 2);
    const response = await request(`${harness.url()}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-scenario': 'echo-body' },
      body,
    });
    const echoed = (await response.body.json()) as { sha256: string; bytes: number };
    assert.equal(echoed.bytes, body.length);
    assert.equal(echoed.sha256, sha256(body));
    const record = (await harness.waitForResponses(before + 1))[before];
    const requestRecord = harness.requestRecord(record.id);
    assert.equal(requestRecord.truncated, true);
    assert.equal(requestRecord.request_bytes, body.length);
    assert.match(String(requestRecord.note), /exceeds the 16777216-byte log cap/);
  });

  it('WebSocket upgrade: refused promptly with 426 and noted in the log', async () => {
    const before = responsesSoFar();
    const started = Date.now();
    const status = await new Promise<string>((resolveStatus, rejectStatus) => {
      const url = new URL(`${harness.url()}/v1/responses`);
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `GET /v1/responses HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        );
      });
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('end', () => resolveStatus(data.split('\r\n')[0]));
      socket.on('error', rejectStatus);
    });
    assert.equal(status, 'HTTP/1.1 426 Upgrade Required');
    assert.ok(Date.now() - started < 1_000);
    const record = (await harness.waitForResponses(before + 1))[before];
    assert.equal(record.status, 426);
    assert.equal(harness.requestRecord(record.id).websocket, true);
    assert.equal(harness.requestRecord(record.id).wire, 'codex-responses');
  });

  it('64 concurrent streams: every response record pairs with its own request', async () => {
    const before = responsesSoFar();
    const count = 64;
    await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const response = await request(`${harness.url()}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-fake-scenario': `events:${index + 1}:2` },
          body: messagesBody({ marker: index }),
        });
        const text = await response.body.text();
        assert.equal(response.statusCode, 200);
        assert.ok(text.includes(`e${index};`), `stream ${index} complete`);
      }),
    );
    const responses = (await harness.waitForResponses(before + count)).slice(before);
    const records = harness.records();
    for (const response of responses) {
      const requestRecord = records.find((record) => record.kind === 'request' && record.id === response.id) as RequestRecord;
      const marker = (requestRecord.request as { marker: number }).marker;
      assert.ok(response.reconstructed?.text && String(response.reconstructed.text).endsWith(`e${marker};`),
        `response ${response.id} carries the events of request ${marker}`);
      const responseLine = records.findIndex((record) => record.kind === 'response' && record.id === response.id);
      assert.ok(records.indexOf(requestRecord) < responseLine, 'request line precedes its response line');
    }
    assert.equal(new Set(responses.map((response) => response.id)).size, count);
  });
});

describe('listener and log faults', function () {
  this.timeout(20_000);
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await startFakeUpstream();
  });
  after(async () => upstream.close());

  it('port in use: a clear message naming the port; the other listeners still start', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolveListen) => blocker.once('listening', resolveListen));
    const takenPort = (blocker.address() as { port: number }).port;
    const proxy = new InterludeProxy({
      listeners: [
        { port: takenPort, upstream: upstream.url, agent: 'claude' },
        { port: 0, upstream: upstream.url, agent: 'codex' },
      ],
      captureDir: mkdtempSync(join(tmpdir(), 'interlude-capture-')),
    });
    try {
      const [taken, free] = await proxy.start();
      assert.equal(taken.url, undefined);
      assert.match(String(taken.error), new RegExp(`port ${takenPort} is already in use`));
      assert.ok(free.url, 'the second listener runs');
      const response = await request(`${free.url}/v1/messages`, { method: 'POST', body: messagesBody() });
      assert.equal(response.statusCode, 200);
      await response.body.text();
    } finally {
      await proxy.stop();
      blocker.close();
    }
  });

  it('freePortWhenTaken: a taken port moves that listener to a free port and says which', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolveListen) => blocker.once('listening', resolveListen));
    const takenPort = (blocker.address() as { port: number }).port;
    const proxy = new InterludeProxy({
      listeners: [{ port: takenPort, upstream: upstream.url, agent: 'claude' }],
      captureDir: mkdtempSync(join(tmpdir(), 'interlude-capture-')),
      freePortWhenTaken: true,
    });
    try {
      const [moved] = await proxy.start();
      assert.equal(moved.error, undefined);
      assert.equal(moved.fallbackFrom, takenPort);
      assert.ok(moved.port !== undefined && moved.port !== takenPort);
      const response = await request(`${moved.url}/v1/messages`, { method: 'POST', body: messagesBody() });
      assert.equal(response.statusCode, 200);
      await response.body.text();
    } finally {
      await proxy.stop();
      blocker.close();
    }
  });

  it('an unwritable capture directory: reported; traffic is still relayed', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'interlude-capture-'));
    const notADirectory = join(parent, 'file');
    writeFileSync(notADirectory, 'in the way');
    const harness = await startHarness(upstream.url, { captureDir: join(notADirectory, 'captures') });
    try {
      assert.ok(harness.problems.some((problem) => /cannot create a capture log/.test(problem)), harness.problems.join('\n'));
      assert.equal(harness.proxy.logPath, undefined);
      await assertStillServes(harness, { checkLog: false });
    } finally {
      await harness.close();
    }
  });

  it('a log write failure mid-run (disk full): reported once; the relay keeps working', async () => {
    const harness = await startHarness(upstream.url, { logFile: '/dev/full' });
    try {
      // /dev/full reads as endless zeros, so the log itself is not read back here.
      await assertStillServes(harness, { checkLog: false });
      await assertStillServes(harness, { checkLog: false });
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      const reports = harness.problems.filter((problem) => /cannot write the capture log/.test(problem));
      assert.equal(reports.length, 1, harness.problems.join('\n'));
      assert.match(reports[0], /ENOSPC/);
    } finally {
      await harness.close();
    }
  });

  it('creates the capture directory with a .gitignore of "*", and one new log per launch', async () => {
    const directory = join(mkdtempSync(join(tmpdir(), 'interlude-capture-')), 'nested', '.agent-interlude');
    const first = await startHarness(upstream.url, { captureDir: directory });
    await first.close();
    await new Promise((resolveWait) => setTimeout(resolveWait, 1_100));
    const second = await startHarness(upstream.url, { captureDir: directory });
    await second.close();
    assert.equal(readFileSync(join(directory, '.gitignore'), 'utf8'), '*\n');
    const logs = logFilesIn(directory);
    assert.equal(logs.length, 2);
    for (const name of logs) assert.match(name, /^log-\d{8}T\d{6}Z\.jsonl$/);
  });

  it('without a worker thread, records are built inline and come out the same', async () => {
    const inline = await startHarness(upstream.url, { recordOnWorker: false });
    try {
      await assertStillServes(inline);
      const [record] = await inline.waitForResponses(1);
      assert.equal(record.reconstructed?.text, 'PONG');
      assert.equal(inline.requestRecord(record.id).wire, 'claude-messages');
    } finally {
      await inline.close();
    }
  });

  it('responses records carry the original fields plus timing (readable by both tools)', async () => {
    const harness = await startHarness(upstream.url);
    try {
      await assertStillServes(harness);
      const [record] = await harness.waitForResponses(1);
      const expectedOrder = ['id', 'kind', 'ts', 'agent', 'wire', 'status', 'stream', 'event_count', 'event_types', 'reconstructed'];
      assert.deepEqual(Object.keys(record).slice(0, expectedOrder.length), expectedOrder);
      assert.match(record.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.match(record.id, /^[0-9a-f]{12}$/);
      const response = record as ResponseRecord;
      assert.ok((response.response_bytes ?? 0) > 0);
      assert.ok((response.first_byte_ms ?? -1) >= (response.ttfb_ms ?? Infinity));
    } finally {
      await harness.close();
    }
  });
});
