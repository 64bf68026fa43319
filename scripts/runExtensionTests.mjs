// Runs the extension's mocha suites (test/extension, bundled to out/test/extension/index.js) inside a real
// VS Code extension host: code-server from npm serves the workbench, Debian's Chromium (driven by
// playwright-core) opens it with this repo as the extension under development and the test entry as
// `extensionTestsPath`; the workbench calls the entry's run(), then window.codeAutomationExit(code).
// See ../shared/TESTING.md §1 for why this route and not @vscode/test-electron (no downloads here).
//
// Prints each test and a closing "N passed, N failed". With INTERLUDE_TEST_COUNTS set (scripts/runTests.mjs),
// also writes {passed, failed, skipped} there; a harness failure (no browser, no exit, no results) counts as
// one failed test. Keeps code-server's log, the workbench console and a screenshot under test-output/extension/ when something fails.
//
// Env: INTERLUDE_EXTENSION_TIMEOUT_MS (default 240000), CHROMIUM_PATH (default /usr/bin/chromium).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TIMEOUT_MS = Number(process.env.INTERLUDE_EXTENSION_TIMEOUT_MS ?? 240_000);
const STARTUP_TIMEOUT_MS = 90_000;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
const testEntry = join(root, 'out/test/extension/index.js');
const artifacts = join(root, 'test-output/extension');
const outerCounts = process.env.INTERLUDE_TEST_COUNTS;

const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line) => console.log(`[extension ${seconds()}] ${line}`);

rmSync(artifacts, { recursive: true, force: true });
const scratch = mkdtempSync(join(tmpdir(), 'interlude-ext-'));
const dirs = {
  userData: join(scratch, 'user-data'),
  extensions: join(scratch, 'extensions'),
  workspace: join(scratch, 'workspace'),
};
for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
const innerCounts = join(scratch, 'counts.json');
const configFile = join(scratch, 'config.yaml');
// Always pass --config: without it code-server writes one into ~/.config.
writeFileSync(configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
mkdirSync(join(dirs.userData, 'User'), { recursive: true });
writeFileSync(
  join(dirs.userData, 'User/settings.json'),
  JSON.stringify({ 'workbench.startupEditor': 'none', 'extensions.autoCheckUpdates': false, 'telemetry.telemetryLevel': 'off' }),
);

let serverLog = '';
// The workbench's and extension host's console, kept for the failure artifacts (mostly gallery noise otherwise).
const hostLog = [];
let server;
let browser;
let page;
let harnessError;
let exitCode;

function build() {
  say('building bundles (node esbuild.mjs)');
  const result = spawnSync(process.execPath, [join(root, 'esbuild.mjs')], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`esbuild failed:\n${result.stdout}${result.stderr}`);
  if (!existsSync(testEntry)) throw new Error(`${testEntry} was not built`);
}

function startCodeServer() {
  const entry = join(root, 'node_modules/code-server/out/node/entry.js');
  if (!existsSync(entry)) throw new Error('code-server is not installed (npm ci installs it as a devDependency)');
  server = spawn(
    process.execPath,
    [
      entry,
      '--config', configFile,
      '--auth', 'none',
      '--bind-addr', '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions,
    ],
    {
      cwd: dirs.workspace,
      // Own process group: the extension host and pty host are its children, killed with it at the end.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // The extension host inherits this environment; that is how the suites find their result file.
      env: { ...process.env, INTERLUDE_TEST_COUNTS: innerCounts, INTERLUDE_TEST_WORKSPACE: dirs.workspace },
    },
  );
  return new Promise((resolveUrl, rejectUrl) => {
    const timer = setTimeout(
      () => rejectUrl(new Error(`code-server did not report its address within ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
    const onData = (chunk) => {
      serverLog += chunk.toString();
      const match = /HTTP server listening on (http:\/\/[\d.]+:\d+)/.exec(serverLog);
      if (match) {
        clearTimeout(timer);
        resolveUrl(new URL(match[1]));
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.once('exit', (code, signal) => {
      clearTimeout(timer);
      rejectUrl(new Error(`code-server exited early (code ${code}, signal ${signal})`));
    });
  });
}

async function runWorkbench(base) {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  let resolveExit;
  const exited = new Promise((resolveFn) => (resolveExit = resolveFn));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    hostLog.push(`[${type}] ${formatConsole(Array.isArray(args) ? args : [args])}`);
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));
  page.on('pageerror', (error) => say(`page error: ${error.message}`));
  page.on('crash', () => resolveExit(-1));

  const remote = (path) => `vscode-remote://${base.host}${path}`;
  const payload = [
    ['extensionDevelopmentPath', remote(root)],
    ['extensionTestsPath', remote(dirname(testEntry))],
    ['skipWelcome', 'true'],
  ];
  const url = `${base.origin}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  say(`opening the workbench at ${base.origin} (workspace ${dirs.workspace})`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: STARTUP_TIMEOUT_MS });
  let timer;
  const timedOut = new Promise((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout('timeout'), TIMEOUT_MS);
  });
  const result = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') throw new Error(`the workbench did not call codeAutomationExit within ${TIMEOUT_MS} ms`);
  return result;
}

// console.log('%s passed', n) arrives as the raw arguments.
function formatConsole(args) {
  const [first, ...rest] = args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg)));
  const text = String(first ?? '').replace(/%[sdifoOc]/g, (directive) =>
    rest.length ? (directive === '%c' ? (rest.shift(), '') : String(rest.shift())) : directive,
  );
  return [text, ...rest].join(' ');
}

async function stopAll() {
  if (browser) await browser.close().catch(() => undefined);
  if (server?.pid && server.exitCode === null && server.signalCode === null) {
    const gone = new Promise((resolveGone) => server.once('exit', resolveGone));
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const late = setTimeout(() => {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5_000);
    await gone;
    clearTimeout(late);
  }
}

// Interrupted (Ctrl-C, or runTests' time limit): take code-server's process group down with us.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    try {
      if (server?.pid) process.kill(-server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(scratch, { recursive: true, force: true });
    process.exit(1);
  });
}

try {
  build();
  const base = await startCodeServer();
  say(`code-server at ${base.origin}`);
  exitCode = await runWorkbench(base);
  say(`workbench exited with code ${exitCode}`);
} catch (error) {
  harnessError = error;
  say(`harness failure: ${error?.stack ?? error}`);
}

let counts;
if (existsSync(innerCounts)) counts = JSON.parse(readFileSync(innerCounts, 'utf8'));
const failedOutsideMocha = harnessError !== undefined || !counts || (exitCode !== 0 && counts.failed === 0);
if (failedOutsideMocha || counts?.failed) {
  mkdirSync(artifacts, { recursive: true });
  if (page) await page.screenshot({ path: join(artifacts, 'failure.png') }).catch(() => undefined);
  writeFileSync(join(artifacts, 'code-server.log'), serverLog);
  writeFileSync(join(artifacts, 'workbench-console.log'), `${hostLog.join('\n')}\n`);
  say(`kept code-server.log, workbench-console.log and failure.png in ${artifacts}`);
}
await stopAll();

for (const result of counts?.results ?? []) {
  const mark = { passed: '✔', failed: '✖', pending: '-' }[result.state];
  const time = result.durationMs !== undefined ? ` (${result.durationMs} ms)` : '';
  console.log(`  ${mark} ${result.title}${time}`);
  if (result.error) console.log(result.error.replace(/^/gm, '      '));
}
if (failedOutsideMocha && !harnessError) {
  say(counts ? `the workbench reported exit code ${exitCode}` : 'the test entry wrote no results');
}
const total = {
  passed: counts?.passed ?? 0,
  failed: (counts?.failed ?? 0) + (failedOutsideMocha ? 1 : 0),
  skipped: counts?.skipped ?? 0,
};
if (outerCounts) writeFileSync(outerCounts, JSON.stringify(total));
rmSync(scratch, { recursive: true, force: true });
say('done');
const skipped = total.skipped ? `, ${total.skipped} skipped` : '';
console.log(`${total.passed} passed, ${total.failed} failed${skipped}`);
process.exit(total.failed === 0 ? 0 : 1);
