// The one-file HTML report in headless Chromium (playwright-core + Debian's /usr/bin/chromium): hostile captures
// stay inert text, the page makes no network request, and a 100 MB log exports within 1.5× its size.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { request } from 'undici';
import { exportToFile } from '../../src/core/export/exportCaptures';
import { LogIndex } from '../../src/core/logIndex/logIndex';
import { launchHeadlessChromium } from '../support/headlessChromium';
import { generateLog } from '../../bench/generateLog';
import { startFakeUpstream } from '../support/fakeUpstream';
import { startHarness } from '../support/proxyHarness';


const HOSTILE = [
  '</script><script>window.__pwned = "script"</script>',
  '<img src="http://127.0.0.1:9/leak.png" onerror="window.__pwned = \'img\'">',
  '<style>body{background:url(http://127.0.0.1:9/x)}</style>',
  'safe \u202Etxt.exe\u202C and zero\u200Bwidth',
].join('\n');

interface Opened {
  page: Page;
  requests: string[];
  errors: string[];
  violations: number;
}

async function open(browser: Browser, path: string): Promise<Opened> {
  const page = await browser.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  let violations = 0;
  page.on('request', (sent) => requests.push(sent.url()));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations += 1;
  });
  await page.goto(pathToFileURL(path).toString(), { waitUntil: 'load', timeout: 120_000 });
  await page.waitForSelector('html[data-rendered]', { timeout: 120_000 });
  return { page, requests, errors, violations };
}

describe('HTML report in Chromium', function () {
  this.timeout(600_000);
  let browser: Browser;
  let scratch: string;
  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'interlude-report-'));
    browser = await launchHeadlessChromium();
  });
  after(async () => {
    await browser?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('renders hostile captures as inert text and makes no network request', async () => {
    const upstream = await startFakeUpstream();
    const harness = await startHarness(upstream.url);
    let path: string;
    try {
      const response = await request(`${harness.url()}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'test', 'user-agent': '<b onmouseover=alert(1)>agent</b>' },
        body: JSON.stringify({ model: 'claude-<i>sonnet</i>', max_tokens: 64, stream: true, system: HOSTILE, messages: [{ role: 'user', content: [{ type: 'text', text: HOSTILE }] }] }),
      });
      await response.body.text();
      await harness.waitForResponses(1);
      const index = await LogIndex.open([harness.proxy.logPath as string], { workers: false });
      path = join(scratch, 'hostile.html');
      await exportToFile(index, { format: 'html', title: '</title><script>window.__pwned="title"</script>' }, path);
    } finally {
      await harness.close();
      await upstream.close();
    }
    const { page, requests, errors } = await open(browser, path);
    await page.click('.row');
    await page.waitForSelector('#detail h3');
    const state = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: string }).__pwned,
      images: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      styles: document.querySelectorAll('style').length,
      detail: document.getElementById('detail')!.textContent ?? '',
      controls: Array.from(document.querySelectorAll('#detail .ctl')).map((node) => node.textContent),
    }));
    assert.equal(state.pwned, undefined, 'no captured script ran');
    assert.equal(state.images, 0, 'no captured tag became an element');
    assert.equal(state.scripts, 2, 'only the data block and the page script');
    assert.equal(state.styles, 1);
    assert.ok(state.detail.includes('</script><script>window.__pwned = "script"</script>'), 'the text is shown as text');
    assert.ok(state.detail.includes('<img src="http://127.0.0.1:9/leak.png"'));
    assert.ok(state.controls.includes('U+202E') && state.controls.includes('U+200B'), 'bidi and zero-width controls are visible');
    assert.deepEqual(requests.filter((url) => !url.startsWith('file:')), [], 'no network access');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows each request\'s cache verdict and cost from a conversation through the caching fake upstream', async () => {
    const upstream = await startFakeUpstream();
    const harness = await startHarness(upstream.url);
    let path: string;
    try {
      const system = [{ type: 'text', text: 'You are a careful coding agent. '.repeat(400), cache_control: { type: 'ephemeral' } }];
      const first = [{ role: 'user', content: [{ type: 'text', text: 'List the files.', cache_control: { type: 'ephemeral' } }] }];
      const second = [
        { role: 'user', content: [{ type: 'text', text: 'List the files.' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'README.md and src/.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Open README.md.', cache_control: { type: 'ephemeral' } }] },
      ];
      const metadata = { user_id: JSON.stringify({ session_id: '5b0e7c7e-0f7e-4d8b-9a57-6f1f2f3c4d5e' }) };
      for (const messages of [first, second]) {
        const response = await request(`${harness.url()}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': 'test' },
          body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, metadata, system, messages }),
        });
        await response.body.text();
      }
      await harness.waitForResponses(2);
      const index = await LogIndex.open([harness.proxy.logPath as string], { workers: false });
      path = join(scratch, 'cache-cost.html');
      await exportToFile(index, { format: 'html' }, path);
    } finally {
      await harness.close();
      await upstream.close();
    }
    const { page, errors } = await open(browser, path);
    const rows = await page.$$eval('#cache-cost table[data-table="cache-by-request"] tr', (trs) =>
      trs.slice(1).map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')),
    );
    assert.equal(rows.length, 2, 'one row per request');
    const [firstRow, secondRow] = rows;
    assert.equal(firstRow[1], 'claude-sonnet-4-5');
    assert.ok(Number(firstRow[3]) > 0, `the first request writes the cache: ${firstRow.join(' | ')}`);
    assert.ok(Number(secondRow[2]) > 0, `the second reads it: ${secondRow.join(' | ')}`);
    for (const row of rows) assert.match(row[6], /^\$\d/, 'a priced model shows its cost');
    const families = await page.$$eval('#cache-cost table[data-table="cost-by-family"] tr', (trs) => trs.length - 1);
    assert.ok(families >= 1);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('exports a 100 MB log within 1.5× its size, and the report opens (time reported)', async () => {
    const logPath = join(scratch, 'log-20261202T030000Z.jsonl');
    const generated = generateLog(logPath, 100 * 1024 * 1024, 7);
    const logBytes = statSync(logPath).size;
    const index = await LogIndex.open([logPath]);
    const started = performance.now();
    const out = join(scratch, 'big.html');
    let progressCalls = 0;
    const result = await exportToFile(index, { format: 'html', onProgress: () => (progressCalls += 1) }, out);
    const exportMs = performance.now() - started;
    const ratio = result.bytes / logBytes;
    const opened = performance.now();
    const { page, errors } = await open(browser, out);
    const openMs = performance.now() - opened;
    const rendered = Number(await page.getAttribute('html', 'data-rendered'));
    console.log(
      `      100 MB report: log ${(logBytes / 1048576).toFixed(1)} MiB, ${generated.exchanges} exchanges → HTML ${(result.bytes / 1048576).toFixed(1)} MiB ` +
        `(${ratio.toFixed(3)}× the log) in ${Math.round(exportMs)} ms; Chromium rendered it in ${Math.round(openMs)} ms`,
    );
    assert.ok(ratio <= 1.5, `report is ${ratio.toFixed(2)}× the log`);
    assert.equal(rendered, index.exchanges().length);
    assert.ok(progressCalls > 1, 'progress was reported');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
