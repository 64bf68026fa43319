// A HAR export read by a real HAR consumer: Chromium through Playwright's `routeFromHAR`, which answers the
// page's requests from the file's entries (matched by URL, method and body). The schema test in exports.test.ts
// says the file is HAR 1.2; this one says a browser tool can use it: every exchange, replayed as the agent sent
// it, gets back its own status, stream type and SSE text.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Har } from 'har-format';
import type { Browser } from 'playwright-core';
import { exportToFile } from '../../src/core/export/exportCaptures';
import { LogIndex } from '../../src/core/logIndex/logIndex';
import { launchHeadlessChromium } from '../support/headlessChromium';

const ROOT = resolve(__dirname, '../..');
const FIXTURE = join(ROOT, 'test/fixtures/logs/original-format.jsonl');

interface Replayed {
  status: number;
  type: string | null;
  text: string;
}

describe('HAR export replayed in Chromium (Playwright routeFromHAR)', function () {
  this.timeout(180_000);
  let browser: Browser;
  let scratch: string;
  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'interlude-har-replay-'));
    browser = await launchHeadlessChromium();
  });
  after(async () => {
    await browser?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('answers every captured request from the file with its own status and SSE text', async () => {
    const index = await LogIndex.open([FIXTURE], { workers: false });
    const harPath = join(scratch, 'captures.har');
    await exportToFile(index, { format: 'har' }, harPath);
    const har = JSON.parse(readFileSync(harPath, 'utf8')) as Har;
    const posts = har.log.entries.filter((entry) => entry.request.method === 'POST' && entry.request.postData);
    assert.ok(posts.length >= 3, `the fixture exports several POST exchanges (${posts.length})`);

    const context = await browser.newContext();
    try {
      // Requests the file does not hold fall through to these routes; the page itself is one of them, so that
      // the replayed requests are same-origin (no CORS in the way) and nothing leaves the machine.
      await context.route('**/*', (route) => route.fulfill({ status: 599, body: 'not in the HAR' }));
      await context.route(/\/interlude-replay-page$/, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>replay</title>' }));
      await context.routeFromHAR(harPath, { notFound: 'fallback' });
      const page = await context.newPage();
      const replays = { unique: 0, resent: 0 };
      for (const origin of new Set(posts.map((entry) => new URL(entry.request.url).origin))) {
        await page.goto(`${origin}/interlude-replay-page`);
        for (const entry of posts.filter((candidate) => candidate.request.url.startsWith(origin))) {
          const replayed = await page.evaluate(
            async ({ url, body, contentType }): Promise<Replayed> => {
              const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType } });
              return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
            },
            { url: entry.request.url, body: entry.request.postData!.text ?? '', contentType: entry.request.postData!.mimeType },
          );
          const id = (entry as { _agentInterlude?: { id?: string } })._agentInterlude?.id;
          // A resend (a 529 and its retry) is the same request twice: the replay answers with one of the two.
          const sameRequest = posts.filter((other) => other.request.url === entry.request.url && other.request.postData?.text === entry.request.postData?.text);
          const answeredBy = sameRequest.find((other) => other.response.status === replayed.status && other.response.content.text === replayed.text);
          assert.ok(answeredBy, `${id}: answered with a captured response of this request (got ${replayed.status})`);
          if (sameRequest.length === 1) replays.unique += 1;
          else replays.resent += 1;
          if (answeredBy.response.content.mimeType === 'text/event-stream') assert.match(replayed.type ?? '', /^text\/event-stream/, `${id}: stream type`);
        }
      }
      assert.ok(replays.unique >= 3, `most exchanges are distinct requests (${JSON.stringify(replays)})`);
      // A request the file does not hold is not answered from it: the replay is real, not a catch-all.
      const missing = await page.evaluate(async () => (await fetch('/v1/messages', { method: 'POST', body: '{"not":"captured"}' })).status);
      assert.equal(missing, 599);
    } finally {
      await context.close();
    }
  });
});
