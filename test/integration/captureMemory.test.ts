// The capture's one memory budget: every body held for the log is reserved from it and given back once its line
// is written, so nothing stays behind after an exchange; a body that does not fit is relayed in full and its
// record says why it was not kept.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { claudeCodeBody, claudeCodeSession } from '../../bench/agentBodies';
import { DEFAULT_RING_BYTES } from '../../src/core/capture/captureRing';
import { startFakeUpstream, type FakeUpstream } from '../support/fakeUpstream';
import { InterludeProxy } from '../../src/core/capture/proxy';
import { startHarness, type Harness } from '../support/proxyHarness';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function send(harness: Harness, body: Buffer | Readable, scenario?: string): Promise<{ bytes?: number; sha256?: string }> {
  const response = await request(`${harness.url()}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...(scenario ? { 'x-fake-scenario': scenario } : {}) },
    body,
  });
  const text = await response.body.text();
  assert.equal(response.statusCode, 200, text.slice(0, 200));
  return scenario === 'echo-body' ? (JSON.parse(text) as { bytes: number; sha256: string }) : {};
}

/** The budget is read on the proxy itself: these harnesses run it on the test's thread, not behind RelayHost. */
function inThreadProxy(harness: Harness): InterludeProxy {
  assert.ok(harness.proxy instanceof InterludeProxy);
  return harness.proxy;
}

async function untilNothingBuffered(harness: Harness): Promise<number> {
  const proxy = inThreadProxy(harness);
  const deadline = Date.now() + 5_000;
  while (proxy.bufferedCaptureBytes !== 0 && Date.now() < deadline) {
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  }
  return proxy.bufferedCaptureBytes;
}

for (const recordOnWorker of [true, false]) {
  describe(`capture memory budget (recorder ${recordOnWorker ? 'on its worker' : 'inline'})`, () => {
    let upstream: FakeUpstream;
    const open: Harness[] = [];

    before(async () => {
      upstream = await startFakeUpstream();
    });
    afterEach(async () => {
      for (const harness of open.splice(0)) await harness.close();
    });
    after(async () => {
      await upstream.close();
    });

    it('holds nothing once exchanges end: 24 Claude Code bodies of 250 KB, 4 at a time, announced and chunked', async () => {
      const harness = await startHarness(upstream.url, { recordOnWorker });
      open.push(harness);
      const body = claudeCodeBody(250_000);
      for (let batch = 0; batch < 6; batch++) {
        await Promise.all([
          send(harness, body),
          send(harness, body),
          send(harness, body),
          // No content-length: the tee keeps chunks instead of one announced buffer.
          send(harness, Readable.from([body.subarray(0, 100_000), body.subarray(100_000)])),
        ]);
      }
      const responses = await harness.waitForResponses(24);
      assert.equal(await untilNothingBuffered(harness), 0, 'every reserved byte was given back');
      const expected = JSON.parse(body.toString('utf8')) as unknown;
      for (const response of responses) assert.deepEqual(harness.requestRecord(response.id).request, expected);
      upstream.requests.length = 0;
    });

    it('a large body’s buffer comes back once its line is written and takes the next body, recorded as sent, never with bytes of the one before', async () => {
      const harness = await startHarness(upstream.url, { recordOnWorker });
      open.push(harness);
      // Each body a little smaller than the one before: it fits the buffer given back, whose tail holds the old bytes.
      const bodies = [claudeCodeBody(400_000, 1), claudeCodeBody(380_000, 2), claudeCodeBody(360_000, 3), claudeCodeBody(340_000, 4)];
      for (const [at, body] of bodies.entries()) {
        await send(harness, body);
        await harness.waitForResponses(at + 1);
        assert.equal(await untilNothingBuffered(harness), 0);
        // The buffer travels back on the recorder's next message; give it that moment.
        await new Promise((resolveWait) => setTimeout(resolveWait, 50));
      }
      const records = harness.records().filter((record) => record.kind === 'request');
      assert.equal(records.length, bodies.length);
      for (const [at, body] of bodies.entries()) {
        assert.deepEqual((records[at] as { request: unknown }).request, JSON.parse(body.toString('utf8')), `body ${at} as sent`);
        assert.equal((records[at] as { request_bytes: number }).request_bytes, body.length);
      }
      assert.ok(inThreadProxy(harness).reusedBodyBuffers >= bodies.length - 1, `buffers reused: ${inThreadProxy(harness).reusedBodyBuffers}`);
      upstream.requests.length = 0;
    });

    it('a growing conversation’s turns take the buffer the turn before gave back (it was made an eighth larger)', async () => {
      const harness = await startHarness(upstream.url, { recordOnWorker });
      open.push(harness);
      // Turns of about 300 KB, each a tool round (8 KB) longer than the one before, as an agent sends them.
      const turns = claudeCodeSession(36, 8_400).slice(30);
      assert.ok((turns[0] as Buffer).length > 256 * 1024);
      for (const [at, body] of turns.entries()) {
        await send(harness, body);
        await harness.waitForResponses(at + 1);
        assert.equal(await untilNothingBuffered(harness), 0);
        await new Promise((resolveWait) => setTimeout(resolveWait, 50));
      }
      const records = harness.records().filter((record) => record.kind === 'request');
      for (const [at, body] of turns.entries()) {
        assert.deepEqual((records[at] as { request: unknown }).request, JSON.parse(body.toString('utf8')), `turn ${at} as sent`);
      }
      assert.ok(inThreadProxy(harness).reusedBodyBuffers >= turns.length - 1, `buffers reused: ${inThreadProxy(harness).reusedBodyBuffers}`);
      upstream.requests.length = 0;
    });

    it('a body that does not fit in the budget is relayed in full, not recorded, and says why; the next one is recorded', async () => {
      const harness = await startHarness(upstream.url, { recordOnWorker, memoryBudgetBytes: DEFAULT_RING_BYTES + 8 + 512 * 1024 });
      open.push(harness);
      const big = claudeCodeBody(1_000_000);
      const echoed = await send(harness, big, 'echo-body');
      assert.equal(echoed.bytes, big.length);
      assert.equal(echoed.sha256, sha256(big));
      const chunked = await send(harness, Readable.from([big.subarray(0, 300_000), big.subarray(300_000, 600_000), big.subarray(600_000)]), 'echo-body');
      assert.equal(chunked.sha256, sha256(big));
      const small = claudeCodeBody(40_000);
      await send(harness, small);
      const [announcedRecord, chunkedRecord, smallRecord] = (await harness.waitForResponses(3)).map((response) =>
        harness.requestRecord(response.id),
      );
      for (const record of [announcedRecord, chunkedRecord]) {
        assert.equal(record?.truncated, true);
        assert.equal(record?.request, null);
        assert.equal(record?.request_bytes, big.length);
        assert.match(String(record?.note), /did not fit in the capture's memory budget/);
      }
      assert.deepEqual(smallRecord?.request, JSON.parse(small.toString('utf8')));
      assert.equal(await untilNothingBuffered(harness), 0);
      upstream.requests.length = 0;
    });
  });
}
