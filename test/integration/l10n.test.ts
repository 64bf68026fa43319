// Localization: every manifest placeholder has an English and a zh-TW string, l10n/bundle.l10n.json is what
// `npm run l10n` (@vscode/l10n-dev export) extracts from src/ today, every bundle message has a zh-TW translation
// keeping its placeholders, and no user-facing literal is left outside the bundle (test/support/l10nAudit.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { auditFile, auditSource, type Finding } from '../support/l10nAudit';

const root = resolve(__dirname, '../..');
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;
const han = /\p{Script=Han}/u;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? tsFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** `{0}`, `$(codicon)` and `(command:…)` links: what a translation must carry over unchanged. */
function tokens(text: string): string[] {
  return [...text.matchAll(/\{\d+\}|\$\([\w~-]+\)|\(command:[\w.]+\)|`[^`]+`/g)].map((match) => match[0]).sort();
}

function placeholdersIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') for (const match of value.matchAll(/^%([\w.-]+)%$/g)) found.push(match[1]);
  else if (Array.isArray(value)) for (const item of value) placeholdersIn(item, found);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) placeholdersIn(item, found);
  return found;
}

const show = (findings: Finding[]) => findings.map((f) => `${relative(root, f.file)}:${f.line} [${f.where}] ${JSON.stringify(f.text)}`).join('\n');

describe('localization (package.nls*.json, l10n/)', function () {
  this.timeout(120_000);

  it('every %key% in package.json has an English and a zh-TW string, and neither file has keys nobody uses', () => {
    const manifest = readJson('package.json');
    const keys = [...new Set(placeholdersIn(manifest))].sort();
    const english = readJson('package.nls.json');
    const chinese = readJson('package.nls.zh-tw.json');
    assert.ok(keys.length >= 50, `package.json uses ${keys.length} placeholders`);
    assert.equal(manifest.l10n, './l10n');
    assert.deepEqual(keys.filter((key) => typeof english[key] !== 'string'), [], 'missing from package.nls.json');
    assert.deepEqual(keys.filter((key) => typeof chinese[key] !== 'string'), [], 'missing from package.nls.zh-tw.json');
    assert.deepEqual(Object.keys(english).filter((key) => !keys.includes(key)), [], 'unused in package.nls.json');
    assert.deepEqual(Object.keys(chinese).filter((key) => !keys.includes(key)), [], 'unused in package.nls.zh-tw.json');
    for (const key of keys) {
      assert.deepEqual(tokens(chinese[key] as string), tokens(english[key] as string), `${key} keeps its code, links and placeholders`);
    }
    // Real translations: everything but the product name reads in Chinese.
    const media = keys.filter((key) => key.endsWith('.media'));
    const untranslated = keys.filter((key) => !media.includes(key) && !han.test(chinese[key] as string) && english[key] !== 'Agent Interlude');
    assert.deepEqual(untranslated, [], 'zh-TW strings without Chinese text');
    // The walkthrough's pages: one Markdown file per language, the zh-TW one in Chinese.
    assert.equal(media.length, 4);
    for (const key of media) {
      assert.match(chinese[key] as string, /^media\/walkthrough\/[\w-]+\.zh-tw\.md$/);
      assert.ok(readFileSync(join(root, english[key] as string), 'utf8').startsWith('# '), `${english[key] as string}`);
      assert.match(readFileSync(join(root, chinese[key] as string), 'utf8'), han, `${chinese[key] as string} is in Chinese`);
    }
    // No manifest string left as a literal where a user reads it.
    const contributes = manifest.contributes as Record<string, Array<Record<string, unknown>>>;
    for (const command of contributes.commands) assert.match(String(command.title), /^%[\w.]+%$/, `${String(command.command)} title`);
  });

  it('l10n/bundle.l10n.json is what `npm run l10n` extracts from src/ now', () => {
    const out = mkdtempSync(join(tmpdir(), 'interlude-l10n-'));
    try {
      const cli = join(root, 'node_modules/@vscode/l10n-dev/dist/cli.js');
      const result = spawnSync(process.execPath, [cli, 'export', '--outDir', out, './src'], { cwd: root, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      const fresh = JSON.parse(readFileSync(join(out, 'bundle.l10n.json'), 'utf8')) as Record<string, unknown>;
      const committed = readJson('l10n/bundle.l10n.json');
      assert.deepEqual(Object.keys(committed).filter((key) => !(key in fresh)), [], 'stale messages in l10n/bundle.l10n.json (run npm run l10n)');
      assert.deepEqual(Object.keys(fresh).filter((key) => !(key in committed)), [], 'messages missing from l10n/bundle.l10n.json (run npm run l10n)');
      assert.deepEqual(committed, fresh);
      assert.ok(Object.keys(fresh).length > 300, `${Object.keys(fresh).length} messages`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('every bundle message has a zh-TW translation with the same placeholders, and nothing else', () => {
    const english = readJson('l10n/bundle.l10n.json');
    const chinese = readJson('l10n/bundle.l10n.zh-tw.json');
    const messages = Object.keys(english);
    assert.deepEqual(messages.filter((key) => typeof chinese[key] !== 'string' || chinese[key] === ''), [], 'without a zh-TW translation');
    assert.deepEqual(Object.keys(chinese).filter((key) => !(key in english)), [], 'zh-TW keys that are no message');
    for (const key of messages) {
      const translated = chinese[key] as string;
      assert.deepEqual(tokens(translated), tokens(key), `"${key}" keeps {n}, codicons and code`);
      // Page markup embeds some of these in HTML: a translation adds no markup of its own.
      for (const char of ['<', '>', '&']) assert.ok(!translated.includes(char) || key.includes(char), `"${key}" → "${translated}" adds ${char}`);
    }
    const untranslated = messages.filter((key) => !han.test(chinese[key] as string));
    // Only names and figures stay as they are (product names, TTFB, ID, API, the status bar's ports).
    assert.ok(untranslated.length <= 10, `zh-TW translations without Chinese text:\n${untranslated.join('\n')}`);
  });

  it('leaves no user-facing literal outside the bundle in src/extension and src/webview', () => {
    const host = tsFiles(join(root, 'src/extension')).flatMap((file) => auditFile(file, 'host'));
    const page = tsFiles(join(root, 'src/webview')).flatMap((file) => auditFile(file, 'page'));
    assert.equal(show(host), '', 'host strings outside vscode.l10n.t');
    assert.equal(show(page), '', 'webview strings outside l10n.t');
  });

  it('the audit bites: each kind of untranslated literal is found, the translated forms are not', () => {
    const hostProbe = [
      "import * as vscode from 'vscode';",
      "void vscode.window.showInformationMessage(`Agent Interlude: copied ${1}.`);",
      "void vscode.window.showErrorMessage(vscode.l10n.t('Fine.'), 'Open Output');",
      "void vscode.window.withProgress({ location: 15, title: 'Exporting…' }, async () => undefined);",
      "const item = vscode.window.createStatusBarItem(); item.text = '$(radio-tower) Interlude'; item.tooltip = 'Stopped.';",
      "const tree = new vscode.TreeItem('Captured exchanges');",
      "const picks = [{ label: '$(copy) Copy', description: 'copies it' }];",
      "const page = webviewPageHtml(w, u, { page: 'x', title: vscode.l10n.t('T'), body: `<label>Agent <select title=\"${vscode.l10n.t('Pick')}\"></select></label>` });",
      // Translated: none of these is a finding.
      "void vscode.window.showWarningMessage(vscode.l10n.t('Agent Interlude: {0}', 'x'), vscode.l10n.t('Open'));",
      "const ok = { label: `$(copy) ${vscode.l10n.t('Copy')}`, command: 'agentInterlude.copyId' };",
      "const okPage = webviewPageHtml(w, u, { page: 'x', title: vscode.l10n.t('T'), body: `<label>${vscode.l10n.t('Agent')} <select id=\"agent\"></select></label>` });",
    ].join('\n');
    const host = auditSource('src/extension/lintProbe.ts', hostProbe, 'host').map((finding) => `${finding.line}:${finding.text}`);
    assert.deepEqual(host, ['2:Agent Interlude: copied ….', '3:Open Output', '4:Exporting…', '5:$(radio-tower) Interlude', '5:Stopped.', '6:Captured exchanges', '7:$(copy) Copy', '7:copies it', '8:Agent']);
    const pageProbe = [
      "import * as l10n from '@vscode/l10n';",
      'function el(tag: string, className?: string, text?: string) { return { tag, className, text }; }',
      "el('h2', 'title', 'Per agent');",
      "node.textContent = `Session ${1}`;",
      "button.setAttribute('aria-label', 'Open request');",
      "el('h2', 'title', l10n.t('Per agent')); node.title = l10n.t('Open {0}', 'x'); date.replace('T', ' ');",
    ].join('\n');
    const page = auditSource('src/webview/lintProbe.ts', pageProbe, 'page').map((finding) => `${finding.line}:${finding.text}`);
    assert.deepEqual(page, ['3:Per agent', '4:Session …', '5:Open request']);
  });
});

// The page half in a real browser: the request panel's bundle (built here, not dist/) reads the JSON block the host
// writes (src/extension/panels/webviewPage.ts: the bundle, `<` escaped) with @vscode/l10n's browser build.
describe('localization in a webview page (Chromium)', function () {
  this.timeout(120_000);
  const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  let browser: Browser;
  let script: string;

  before(async () => {
    const built = await build({
      entryPoints: [join(root, 'src/webview/request/main.ts')], bundle: true, platform: 'browser', target: 'es2022', format: 'iife', write: false, logLevel: 'silent',
    });
    script = built.outputFiles[0].text;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], headless: true });
  });
  after(async () => {
    await browser?.close();
  });

  async function missingTitle(bundle: Record<string, unknown> | undefined): Promise<{ title: string; lang: string }> {
    const page = await browser.newPage();
    try {
      const data = JSON.stringify(bundle ?? {}).replace(/</g, '\\u003c');
      await page.setContent(`<!DOCTYPE html><html lang="${bundle ? 'zh-tw' : 'en'}"><body><main id="root"></main>
<script type="application/json" id="interlude-l10n">${data}</script>
<script>window.acquireVsCodeApi = () => ({ postMessage() {}, setState() {}, getState() { return undefined; } });</script>
<script>${script.replace(/<\/script/g, '<\\/script')}</script></body></html>`);
      await page.evaluate(() => window.postMessage({ type: 'missing', id: 'ex-1', reason: 'gone' }, '*'));
      await page.waitForSelector('h1');
      return { title: await page.locator('h1').innerText(), lang: await page.evaluate(() => document.documentElement.lang) };
    } finally {
      await page.close();
    }
  }

  it('shows the zh-TW text with the zh-TW bundle and English with none', async () => {
    const chinese = readJson('l10n/bundle.l10n.zh-tw.json');
    assert.equal(chinese['Request {0}'], '請求 {0}');
    assert.deepEqual(await missingTitle(chinese), { title: '請求 ex-1', lang: 'zh-tw' });
    assert.deepEqual(await missingTitle(undefined), { title: 'Request ex-1', lang: 'en' });
    // A message holding `</script>` cannot end the data block early (the host escapes `<`).
    assert.deepEqual(await missingTitle({ ...chinese, 'Request {0}': '</script><b>{0}' }), { title: '</script><b>ex-1', lang: 'zh-tw' });
  });
});
