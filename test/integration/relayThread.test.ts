// The proxy on its own thread behind RelayHost, as the CLI and the extension run it: what the owning thread sees
// (exchange started, records written, exchanges in flight, problems, listener errors), stop within the grace with
// the log flushed, and a relay thread that dies: reported, its port freed, and a new one starts.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { request } from 'undici';
import { REQUEST_RECORD_DELAY_MS } from '../../src/core/capture/captureRecorder';
import type { ExchangeStarted, RecordWritten } from '../../src/core/capture/proxy';
import { RelayHost } from '../../src/core/capture/relayHost';
import { RECORDER_NICE_STEPS } from '../../src/core/capture/threadPriority';
import type { ResponseRecord } from '../../src/core/records';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { assertStillServes, startHarness } from '../support/proxyHarness';

const messagesBody = () =>
  JSON.stringify({ model: 'claude-test', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'hi' }] });

function post(url: string, scenario?: string) {
  return request(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'test', ...(scenario ? { 'x-fake-scenario': scenario } : {}) },
    body: messagesBody(),
  });
}

/** Each thread of this process and its nice value (field 19 of /proc/self/task/TID/stat, after the name). */
function threadNiceValues(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      nice.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // The thread ended while being listed.
    }
  }
  return nice;
}

async function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 10));
  }
}

describe('the relay on its own thread (RelayHost)', function () {
  this.timeout(30_000);
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await startFakeUpstream();
  });
  after(() => upstream.close());

  it('relays a stream and reports the exchange, its records and the exchanges in flight to the owning thread', async () => {
    const harness = await startHarness(upstream.url, { thread: true });
    const host = harness.proxy as RelayHost;
    const started: ExchangeStarted[] = [];
    const written: RecordWritten[] = [];
    const inFlight: number[] = [];
    host.on('request', (exchange) => started.push(exchange));
    host.on('record', (record) => written.push(record));
    host.on('exchanges', (active) => inFlight.push(active));
    try {
      const response = await post(harness.url(), 'events:20:10');
      await waitUntil('the stream to count as in flight while it is read', () => host.activeExchanges === 1);
      const text = await response.body.text();
      assert.equal(response.statusCode, 200);
      assert.match(text, /"type":"message_stop"/);
      const [record] = await harness.waitForResponses(1);
      await waitUntil('the exchange to leave the in-flight count', () => host.activeExchanges === 0);
      // The file is written on the recorder's thread; its events reach this thread a moment later.
      await waitUntil('both record events', () => written.length === 2);
      assert.equal(started.length, 1);
      const { id, ...exchange } = started[0];
      assert.deepEqual(exchange, { agent: 'claude', wire: 'claude-messages', method: 'POST', path: '/v1/messages', port: Number(new URL(harness.url()).port) });
      assert.deepEqual(written, [
        { id, kind: 'request' },
        { id, kind: 'response' },
      ]);
      assert.equal(record.id, id);
      assert.deepEqual(inFlight, [1, 0]);
      assert.ok(harness.proxy.logPath?.startsWith(harness.captureDir));
    } finally {
      await harness.close();
    }
  });

  it('runs the recorder’s thread at a lower priority than the relay’s, which keeps the priority it was started at (Linux)', async function () {
    if (process.platform !== 'linux') this.skip();
    const before = threadNiceValues();
    const own = before.get(process.pid) as number;
    const harness = await startHarness(upstream.url, { thread: true });
    try {
      const response = await post(harness.url(), 'events:5:1');
      assert.equal(response.statusCode, 200);
      await response.body.text();
      await harness.waitForResponses(1);
      const during = threadNiceValues();
      const added = [...during].filter(([tid]) => !before.has(tid));
      const lowered = added.filter(([, nice]) => nice === Math.min(19, own + RECORDER_NICE_STEPS));
      // The relay's thread, the recorder's, and what else they started (libuv's file threads, V8's helpers).
      assert.ok(added.length >= 2, `threads added: ${JSON.stringify(added)}`);
      assert.equal(lowered.length, 1, `exactly one new thread (the recorder's) is lowered: ${JSON.stringify(added)}`);
      assert.deepEqual(
        added.filter(([, nice]) => nice !== own && nice !== lowered[0][1]),
        [],
        'every other new thread runs at the priority of the thread that started the relay',
      );
      for (const [tid, nice] of before) if (during.has(tid)) assert.equal(during.get(tid), nice, `thread ${tid} kept its priority`);
    } finally {
      await harness.close();
    }
  });

  it('a request is recorded once its response’s first bytes reached the agent, or after the delay if none come', async () => {
    const harness = await startHarness(upstream.url, { thread: true });
    const host = harness.proxy as RelayHost;
    const written: Array<RecordWritten & { at: number }> = [];
    host.on('record', (record) => written.push({ ...record, at: performance.now() }));
    try {
      // An upstream that thinks for 1.5 s before it answers: the request line must not wait for it.
      const sent = performance.now();
      const response = await post(harness.url(), 'slow-headers:1500');
      await waitUntil('the request record', () => written.some((record) => record.kind === 'request'), 1_400);
      const requestAt = (written.find((record) => record.kind === 'request')?.at ?? 0) - sent;
      assert.ok(requestAt >= REQUEST_RECORD_DELAY_MS - 50, `the record waited for the delay (${requestAt.toFixed(0)} ms)`);
      assert.ok(requestAt < 1_400, `the record did not wait for the response (${requestAt.toFixed(0)} ms)`);
      await response.body.text();
      const [record] = await harness.waitForResponses(1);
      // The host hears of written lines in batches (HOST_EVENT_WINDOW_MS): the event may follow the line on disk.
      await waitUntil('the response record event', () => written.length >= 2, 1_000);
      assert.deepEqual(written.map((entry) => entry.kind), ['request', 'response']);
      assert.equal(harness.requestRecord(record.id).id, record.id);

      // A quick upstream: written right after the first bytes, well before the delay ran out.
      written.length = 0;
      const quickSent = performance.now();
      const quick = await post(harness.url(), 'events:40:20');
      await waitUntil('the quick request record', () => written.some((entry) => entry.kind === 'request'), 2_000);
      const quickAt = (written.find((entry) => entry.kind === 'request')?.at ?? 0) - quickSent;
      assert.ok(quickAt < REQUEST_RECORD_DELAY_MS, `written after the first bytes (${quickAt.toFixed(0)} ms)`);
      await quick.body.text();
      await harness.waitForResponses(2);
      await waitUntil('the quick response record event', () => written.length >= 2, 1_000);
      assert.deepEqual(written.map((entry) => entry.kind), ['request', 'response'], 'request line first');
    } finally {
      await harness.close();
    }
  });

  it('listener errors come back as today: a port in use is named; freePortWhenTaken moves it and says which', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolveListen) => blocker.once('listening', resolveListen));
    const takenPort = (blocker.address() as { port: number }).port;
    const captureDir = mkdtempSync(join(tmpdir(), 'interlude-capture-'));
    const strict = new RelayHost({ listeners: [{ port: takenPort, upstream: upstream.url, agent: 'claude' }, { port: 0, upstream: upstream.url, agent: 'codex' }], captureDir });
    const moving = new RelayHost({ listeners: [{ port: takenPort, upstream: upstream.url, agent: 'claude' }], captureDir, freePortWhenTaken: true });
    try {
      const [taken, free] = await strict.start();
      assert.match(String(taken.error), new RegExp(`port ${takenPort} is already in use`));
      assert.ok(free.url, 'the other listener runs');
      const [moved] = await moving.start();
      assert.equal(moved.fallbackFrom, takenPort);
      const response = await post(String(moved.url));
      assert.equal(response.statusCode, 200);
      await response.body.text();
    } finally {
      await strict.stop();
      await moving.stop();
      blocker.close();
    }
  });

  it('an unwritable capture directory is reported as a problem; traffic is still relayed', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'interlude-capture-'));
    writeFileSync(join(parent, 'file'), 'in the way');
    const harness = await startHarness(upstream.url, { thread: true, captureDir: join(parent, 'file', 'captures') });
    try {
      assert.ok(harness.problems.some((problem) => /cannot create a capture log/.test(problem)), harness.problems.join('\n'));
      assert.equal(harness.proxy.logPath, undefined);
      await assertStillServes(harness, { checkLog: false });
    } finally {
      await harness.close();
    }
  });

  it('stop lets an exchange finish within the grace and flushes its records', async () => {
    const harness = await startHarness(upstream.url, { thread: true, stopGraceMs: 5_000 });
    try {
      const response = await post(harness.url(), 'events:20:20');
      const text = response.body.text();
      await harness.proxy.stop();
      assert.match(await text, /"type":"message_stop"/, 'the stream ran to its end');
      const records = harness.records();
      const responseRecord = records.find((record): record is ResponseRecord => record.kind === 'response');
      assert.ok(responseRecord, 'the response record was written before stop resolved');
      assert.equal(responseRecord.partial, undefined);
    } finally {
      await harness.close();
    }
  });

  it('stop cuts an exchange still streaming after the grace, records it as partial, and frees the port', async () => {
    const harness = await startHarness(upstream.url, { thread: true, stopGraceMs: 300 });
    try {
      const url = harness.url();
      const response = await post(url, 'events:100:50');
      const text = response.body.text().then(
        () => 'ended',
        () => 'cut',
      );
      const stopping = performance.now();
      await harness.proxy.stop();
      const took = performance.now() - stopping;
      assert.ok(took >= 250 && took < 3_000, `stop took ${took.toFixed(0)} ms (grace 300 ms)`);
      assert.equal(await text, 'cut', 'the agent sees the stream end abruptly, not as complete');
      const responseRecord = harness.records().find((record): record is ResponseRecord => record.kind === 'response');
      assert.ok(responseRecord, 'the cut exchange was recorded before stop resolved');
      assert.equal(responseRecord.partial, true);
      await assert.rejects(post(url), /ECONNREFUSED/);
    } finally {
      await harness.close();
    }
  });

  it('a stop while the relay is still starting ends both: start settles, nothing is left listening', async () => {
    const host = new RelayHost({ listeners: [{ port: 0, upstream: upstream.url, agent: 'claude' }], captureDir: mkdtempSync(join(tmpdir(), 'interlude-capture-')) });
    const starting = host.start().then(
      (listeners) => listeners,
      (error: Error) => error,
    );
    await host.stop();
    const outcome = await starting;
    if (outcome instanceof Error) assert.match(outcome.message, /stopped before its listeners started/);
    else if (outcome[0]?.url) await assert.rejects(post(outcome[0].url), /ECONNREFUSED/);
  });

  it('a relay thread that dies is reported, frees its port, and a new relay starts', async () => {
    const harness = await startHarness(upstream.url, { thread: true });
    const host = harness.proxy as RelayHost;
    const crashed: string[] = [];
    host.on('crashed', (message) => crashed.push(message));
    try {
      const url = harness.url();
      const response = await post(url, 'events:100:50');
      const text = response.body.text().catch(() => 'cut');
      await waitUntil('the stream to be in flight', () => host.activeExchanges === 1);
      // As a crash ends it (out of memory, a native fault): the thread is gone without a stop.
      await (host as unknown as { worker: Worker }).worker.terminate();
      await waitUntil('the crash to be reported', () => crashed.length === 1);
      assert.match(crashed[0], /the relay thread stopped unexpectedly .*its listeners are closed/);
      assert.ok(harness.problems.includes(crashed[0]), 'reported as a problem too');
      assert.equal(host.activeExchanges, 0);
      assert.equal(await text, 'cut');
      await assert.rejects(post(url), /ECONNREFUSED/);
      await host.stop();
    } finally {
      await harness.close();
    }
    const again = await startHarness(upstream.url, { thread: true });
    try {
      await assertStillServes(again);
    } finally {
      await again.close();
    }
  });
});
