// Runs the extension's mocha suites (test/extension, bundled to out/test/extension/index.js) inside a real
// VS Code extension host: code-server from npm serves the workbench, Debian's Chromium (driven by
// playwright-core) opens it with this repo as the extension under development and the test entry as
// `extensionTestsPath`; the workbench calls the entry's run(), then window.codeAutomationExit(code).
// See ../shared/TESTING.md §1 for why this route and not @vscode/test-electron (no downloads here).
//
// Prints each test and a closing "N passed, N failed". With INTERLUDE_TEST_COUNTS set (scripts/runTests.mjs),
// also writes {passed, failed, skipped} there; a harness failure (no browser, no exit, no results) counts as
// one failed test. Keeps code-server's log, the workbench console and a screenshot under test-output/extension/
// (test-output/extension-untrusted/, test-output/extension-smoke/ for the modes below) when something fails.
//
// Modes:
//   (none)        test/extension (out/test/extension/index.js), Workspace Trust off.
//   --untrusted   test/extension-untrusted: Workspace Trust on (startup prompt off, so the folder opens in
//                 Restricted Mode) and a checked-in .vscode/settings.json that tries to redirect the listeners.
//   --bench-timeline  bench/timelineHost.ts (out/bench/timeline/index.js) as the entry: npm run bench:timeline.
//   --smoke       no test entry: drives the workbench as a person would and saves screenshots under
//                 test-output/screenshots/ (each run deletes the PNGs there first). The capture folder
//                 (<workspace>/.agent-interlude/) starts with a synthetic log from bench/generateLog.ts (seed 217,
//                 5 MiB: Claude Code and Codex sessions, tool calls, token figures). The claude listener points at a
//                 local fake upstream (bench/upstreamServer.ts, its own process). Steps, in Default Dark Modern:
//                 F1 → "Start Interlude" (status bar ports accept connections), the activity bar view, requests sent
//                 through the proxy appear in the Captures tree, the first one opened in the request panel, F1 →
//                 "Open Timeline" (rows drawn), F1 → "Open Insights" and each of its tabs (Overview, Tokens and
//                 cache, Tools with one tool opened, Conversation graph), "Stop Interlude" (ports free). Then F1 →
//                 "Developer: Reload Window" with Default Light Modern set: the Insights, Timeline and request panel
//                 tabs come back through their serializers and draw content again; then the same steps in Light.
//                 Then side by side: F1 → "View: Move Editor into Right Group" puts Insights beside the Timeline
//                 (both drawn), and F1 → "Developer: Reload Window" with Default High Contrast set restores both at
//                 once; both must draw again. Two webviews loading at the same moment race on code-server's one
//                 service worker (one page's script and stylesheet fail with net::ERR_NAME_NOT_RESOLVED): the load
//                 watchdog in src/extension/panels/webviewPage.ts recovers them; the step logs the failed requests it saw.
//                 Last, the views pass in Dark High Contrast (Timeline, then each Insights tab).
//                 Screenshots: start-interlude, captures-and-request (each -dark.png and -light.png), timeline,
//                 overview, tokens, tools, graph (each -dark.png, -light.png and -hc.png), restored-light.png and
//                 restored-side-by-side-hc.png.
//
// Env: INTERLUDE_EXTENSION_TIMEOUT_MS (default 240000), CHROMIUM_PATH (default /usr/bin/chromium), INTERLUDE_LOCALE
// (code-server --locale, e.g. zh-tw: test/extension/l10n.test.ts checks the bundle VS Code then loads).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { auditPage, contrastReport } from './contrastAudit.mjs';

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
  // performance.memory in whole bytes, not coarse buckets: the timeline benchmark reports the page's heap.
  // gc() too, so heap readings are not whatever garbage happened to be around.
  ...(process.argv.includes('--bench-timeline') ? ['--enable-precise-memory-info', '--js-flags=--expose-gc'] : []),
];
const MODE = process.argv.includes('--untrusted')
  ? 'untrusted'
  : process.argv.includes('--smoke')
    ? 'smoke'
    : process.argv.includes('--bench-timeline')
      ? 'bench-timeline'
      : 'extension';
const TEST_ENTRIES = {
  extension: 'out/test/extension/index.js',
  untrusted: 'out/test/extension-untrusted/index.js',
  'bench-timeline': 'out/bench/timeline/index.js',
};
const testEntry = TEST_ENTRIES[MODE] && join(root, TEST_ENTRIES[MODE]);
const artifacts = join(root, `test-output/${MODE === 'extension' ? 'extension' : `extension-${MODE}`}`);
const screenshots = join(root, 'test-output/screenshots');
const outerCounts = process.env.INTERLUDE_TEST_COUNTS;

const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line) => console.log(`[${MODE === 'extension' ? 'extension' : `extension-${MODE}`} ${seconds()}] ${line}`);

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
const userSettingsFile = join(dirs.userData, 'User/settings.json');
// The smoke run's fake model API (bench/upstreamServer.ts); a failure to start it fails the steps that need it.
let upstream;
let upstreamError;
if (MODE === 'smoke') {
  try {
    upstream = await startUpstream();
    say(`fake upstream at ${upstream.url} (pid ${upstream.child.pid})`);
  } catch (error) {
    upstreamError = error;
    say(`fake upstream failed: ${error?.message ?? error}`);
  }
}
// The smoke run's capture folder starts with a synthetic log (bench/generateLog.ts: Claude Code and Codex sessions
// with tool calls, retries and token figures), so the Timeline and Insights views have something to show.
let seeded;
let seedError;
if (MODE === 'smoke') {
  try {
    seeded = seedCaptureFolder();
    say(`seeded ${seeded.file}: ${seeded.exchanges} exchanges (${Object.entries(seeded.agents).map(([agent, n]) => `${agent} ${n}`).join(', ')})`);
  } catch (error) {
    seedError = error;
    say(`seeding the capture folder failed: ${error?.message ?? error}`);
  }
}
const userSettings = {
  'workbench.startupEditor': 'none',
  'extensions.autoCheckUpdates': false,
  'telemetry.telemetryLevel': 'off',
  ...modeUserSettings(),
};
writeFileSync(userSettingsFile, JSON.stringify(userSettings, null, 2));
if (MODE === 'untrusted') {
  // A checked-in workspace settings file that would send the user's API key to another host and the captures
  // elsewhere. editor.tabSize is unrestricted: the suite checks that this file is read at all.
  mkdirSync(join(dirs.workspace, '.vscode'));
  writeFileSync(
    join(dirs.workspace, '.vscode/settings.json'),
    JSON.stringify({
      'agentInterlude.listeners': [{ port: 0, upstream: 'http://127.0.0.1:1/evil', agent: 'claude' }],
      'agentInterlude.captureDirectory': join(scratch, 'evil-captures'),
      'editor.tabSize': 7,
    }, null, 2),
  );
}

// User-level (trusted) settings per mode: port-0 listeners, so no fixed port is needed.
function modeUserSettings() {
  if (MODE === 'untrusted') {
    return {
      // With trust on, this opens the folder in Restricted Mode instead of behind a modal trust dialog.
      'security.workspace.trust.startupPrompt': 'never',
      'agentInterlude.listeners': [
        { port: 0, upstream: 'https://api.anthropic.com', agent: 'claude' },
        { port: 0, upstream: 'https://api.openai.com', agent: 'codex' },
      ],
    };
  }
  if (MODE === 'smoke') {
    return {
      'workbench.colorTheme': 'Default Dark Modern',
      'workbench.tips.enabled': false,
      'agentInterlude.listeners': [
        // Never the real API: the requests this run sends go to the local fake.
        { port: 0, upstream: upstream?.url ?? 'http://127.0.0.1:9', agent: 'claude' },
        { port: 0, upstream: 'https://api.openai.com', agent: 'codex' },
        { port: 0, upstream: 'https://chatgpt.com', agent: 'codex' },
      ],
    };
  }
  return {};
}

// <workspace>/.agent-interlude/log-sample-seed<N>.jsonl from bench/generateLog.ts (deterministic: seed 217 at 5 MiB
// gives two Claude Code and two Codex sessions and the start of a fifth, ≈ 58 exchanges, over ≈ 40 minutes
// starting two hours before the run).
// Returns what the views should count: exchanges (request records) per agent.
function seedCaptureFolder() {
  const SEED = 217;
  const file = join(dirs.workspace, '.agent-interlude', `log-sample-seed${SEED}.jsonl`);
  const result = spawnSync(
    process.execPath,
    // Two hours ago: the seeded sessions end before the requests this run sends, and the token chart shows one
    // stretch of activity rather than a two-week gap.
    ['--import', 'tsx', join(root, 'bench/generateLog.ts'), '--size', '5MiB', '--seed', String(SEED), '--out', file, '--start', new Date(Date.now() - 2 * 3_600_000).toISOString()],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) throw new Error(`bench/generateLog.ts failed (status ${result.status}):\n${result.stdout}${result.stderr}`);
  const agents = {};
  let exchanges = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const record = JSON.parse(line);
    if (record.kind !== 'request') continue;
    exchanges += 1;
    agents[record.agent] = (agents[record.agent] ?? 0) + 1;
  }
  if (!agents.claude || !agents.codex) throw new Error(`the seeded log should hold claude and codex exchanges: ${JSON.stringify(agents)}`);
  return { file, exchanges, agents };
}

// bench/upstreamServer.ts under tsx, as bench/proxyBench.ts starts it: resolves once it prints its URL.
function startUpstream() {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/upstreamServer.ts')], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolveUpstream, rejectUpstream) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectUpstream(new Error(`bench/upstreamServer.ts printed no URL within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = /^FAKE_UPSTREAM_URL=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUpstream({ url: match[1], child });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      rejectUpstream(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      rejectUpstream(new Error(`bench/upstreamServer.ts exited early (code ${code}, signal ${signal}):\n${output}`));
    });
  });
}

async function stopUpstream() {
  const child = upstream?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolveGone) => child.once('exit', resolveGone));
  child.stdin.end();
  child.kill('SIGTERM');
  const late = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await gone;
  clearTimeout(late);
}

let serverLog = '';
// The workbench's and extension host's console, kept for the failure artifacts (mostly gallery noise otherwise).
const hostLog = [];
let server;
let browser;
let page;
let harnessError;
let exitCode;
// Failed webview resource requests and service worker messages, drained by the smoke steps that report them.
const webviewTrouble = [];

function build() {
  say('building bundles (node esbuild.mjs)');
  const result = spawnSync(process.execPath, [join(root, 'esbuild.mjs')], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`esbuild failed:\n${result.stdout}${result.stderr}`);
  if (testEntry && !existsSync(testEntry)) throw new Error(`${testEntry} was not built`);
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
      // Workspace Trust stays on for the suite that tests it.
      ...(MODE === 'untrusted' ? [] : ['--disable-workspace-trust']),
      '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions,
      // INTERLUDE_LOCALE=zh-tw: the display language the workbench and the extension host run in.
      ...(process.env.INTERLUDE_LOCALE ? ['--locale', process.env.INTERLUDE_LOCALE] : []),
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
  // What a webview page that never loads leaves behind (code-server's shared service worker, see the side-by-side
  // restore step): its resource requests fail, and the webview host logs the other webview's worker.
  page.on('requestfailed', (request) => {
    if (/vscode-cdn\.net|vscode-resource/.test(request.url())) webviewTrouble.push(`${request.failure()?.errorText ?? 'failed'} ${request.url().replace(/^.*?\/(dist|media)\//, '$1/')}`);
  });
  page.on('console', (message) => {
    if (/service worker/i.test(message.text())) webviewTrouble.push(message.text().slice(0, 200));
  });
  // A veto of the reload's beforeunload would otherwise be dismissed silently (Playwright's default), and the page stay.
  page.on('dialog', (dialog) => {
    say(`${dialog.type()} dialog: "${dialog.message()}"`);
    void (dialog.type() === 'beforeunload' ? dialog.accept() : dialog.dismiss()).catch(() => undefined);
  });
  page.on('crash', () => resolveExit(-1));

  const remote = (path) => `vscode-remote://${base.host}${path}`;
  const payload = [
    ['extensionDevelopmentPath', remote(root)],
    ...(testEntry ? [['extensionTestsPath', remote(dirname(testEntry))]] : []),
    ['skipWelcome', 'true'],
  ];
  const url = `${base.origin}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  say(`opening the workbench at ${base.origin} (workspace ${dirs.workspace})`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: STARTUP_TIMEOUT_MS });
  if (MODE === 'smoke') return smoke(page);
  let timer;
  const timedOut = new Promise((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout('timeout'), TIMEOUT_MS);
  });
  const result = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') throw new Error(`the workbench did not call codeAutomationExit within ${TIMEOUT_MS} ms`);
  return result;
}

// The UI smoke run: a person's path through the real workbench. Each step is one test in the counts file;
// a step that needs an earlier one's result fails with it.
async function smoke(workbench) {
  const results = [];
  const step = async (title, body) => {
    const begun = Date.now();
    try {
      const outcome = await body();
      results.push(outcome === 'skip' ? { title, state: 'pending' } : { title, state: 'passed', durationMs: Date.now() - begun });
    } catch (error) {
      results.push({ title, state: 'failed', error: error?.stack ?? String(error) });
    }
  };
  // Only this run's screenshots afterwards: a step that fails leaves no older picture that looks like a pass.
  mkdirSync(screenshots, { recursive: true });
  for (const name of readdirSync(screenshots)) if (name.endsWith('.png')) rmSync(join(screenshots, name), { force: true });
  const statusItem = workbench.locator('.part.statusbar .statusbar-item').filter({ hasText: /Interlude/ });
  let ports = [];
  // Exchanges sent through the proxy so far: the views count them with the seeded ones.
  let proxied = 0;

  // INTERLUDE_SMOKE_ONLY=contrast: only the contrast pass (on the seeded log), for working on colours.
  if (process.env.INTERLUDE_SMOKE_ONLY === 'contrast') {
    await contrastSteps(workbench, step);
    return finish();
  }
  // INTERLUDE_SMOKE_ONLY=keys: only the Timeline's keyboard step (on the seeded log), for working on keys.
  if (process.env.INTERLUDE_SMOKE_ONLY === 'keys') {
    let opened = false;
    await step('UI smoke (keys): F1 → "Open Timeline" on the seeded log', async () => {
      if (seedError) throw seedError;
      if (await workbench.locator('.part.sidebar').first().isVisible().catch(() => false)) await runFromPalette(workbench, 'View: Close Primary Side Bar');
      await runFromPalette(workbench, 'Open Timeline');
      await waitForTimeline(await waitForWebview(workbench, '#viewport', 60_000), seeded.exchanges, 60_000);
      opened = true;
    });
    await timelineKeysStep(workbench, step, seeded?.exchanges ?? NaN, () => opened);
    return finish();
  }

  await step('UI smoke: F1 → "Start Interlude" → the status bar shows the real ports, and they accept connections', async () => {
    await workbench.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 90_000 });
    await runFromPalette(workbench, 'Start Interlude');
    let text = await waitForText(statusItem, /Interlude\s+\d+/, 60_000);
    ports = [...text.matchAll(/\d+/g)].map(([digits]) => Number(digits)).slice(0, 3);
    say(`status bar: "${text.trim()}"`);
    if (ports.join() === '8788,8789,8790') {
      // Seen once with code-server 4.100.3 (as with the theme, ensureTheme): the extension host read its settings
      // before the user settings.json was applied, so the default listeners (the real APIs) run instead of the
      // port-0 ones. Write the file again: the settings reload, and a listeners change restarts the listeners.
      // Writing the file again is not enough (seen: still the defaults 60 s later); a reload applies it, as the
      // reloads later in this run show.
      say('the default listeners run: the user settings were not applied; F1 → "Developer: Reload Window", Start again');
      writeFileSync(userSettingsFile, `${JSON.stringify(userSettings, null, 2)}\n`);
      await reloadWindow(workbench);
      await runFromPalette(workbench, 'Start Interlude');
      text = await waitForText(statusItem, /Interlude\s+(?!8788\b)\d+/, 60_000);
      ports = [...text.matchAll(/\d+/g)].map(([digits]) => Number(digits)).slice(0, 3);
      say(`status bar: "${text.trim()}"`);
    }
    if (ports.length !== 3) throw new Error(`expected the three port-0 listeners' ports in "${text}"`);
    for (const port of ports) await tcpConnect(port);
  });

  await step('UI smoke: the activity bar opens the Agent Interlude view', async () => {
    const icon = workbench.locator('.part.activitybar .action-item .action-label[aria-label*="Interlude"]');
    if ((await icon.count()) === 0) {
      say('no Agent Interlude activity bar container yet: skipped');
      return 'skip';
    }
    await icon.first().click();
    await workbench.locator('.part.sidebar').waitFor({ state: 'visible', timeout: 20_000 });
    await workbench.waitForTimeout(1_000);
  });

  await step('UI smoke: screenshot (dark theme) while running', async () => {
    await ensureTheme(workbench, 'dark');
    await workbench.waitForTimeout(500);
    await workbench.screenshot({ path: join(screenshots, 'start-interlude-dark.png') });
  });

  await capturesSteps('dark');
  await narrowSideBarStep(workbench, step);

  await step('UI smoke (dark): while an exchange streams the status bar item spins, and stops when it ends', async () => {
    if (ports.length === 0) throw new Error('Start Interlude did not run');
    const spinner = statusItem.first().locator('.codicon-sync');
    if ((await spinner.count()) !== 0) throw new Error('the status bar spins with nothing streaming');
    // Forty events 100 ms apart: four seconds of streaming.
    const reply = postClaudeMessage(ports[0], 'Stream slowly, please.', { 'x-fake-scenario': 'events:40:100' });
    await spinner.waitFor({ state: 'visible', timeout: 3_000 });
    const answered = await reply;
    if (answered.status !== 200) throw new Error(`the slow stream answered HTTP ${answered.status}`);
    proxied += 1;
    await spinner.waitFor({ state: 'detached', timeout: 5_000 });
    say(`status bar while streaming: spinning, then "${(await statusItem.first().innerText()).trim()}"`);
  });

  // Left open (Timeline, then Insights on its Conversation graph tab) for the reload below.
  const darkViews = await viewsSteps('dark');

  await step('UI smoke: F1 → "Stop Interlude" → the status bar offers to start and the ports are free', async () => {
    if (ports.length === 0) throw new Error('Start Interlude did not run');
    await runFromPalette(workbench, 'Stop Interlude');
    await waitForText(statusItem, /^[^\d]*Interlude[^\d]*$/, 30_000);
    for (const port of ports) {
      const refused = await tcpConnect(port).then(() => false, () => true);
      if (!refused) throw new Error(`port ${port} still accepts connections after Stop Interlude`);
    }
  });

  let reloaded = await reloadStep('light', 'Timeline and Insights left open');

  await step('UI smoke (light): after the reload the Insights, Timeline and request panel tabs are back (their serializers) and draw content again without a command, screenshot', async () => {
    if (!reloaded) throw new Error('the page did not reload');
    if (!darkViews.timeline || !darkViews.insights) throw new Error('the dark pass did not leave the Timeline and Insights open');
    await editorTab(workbench, 'Timeline').waitFor({ state: 'visible', timeout: 60_000 });
    await editorTab(workbench, 'Insights').waitFor({ state: 'visible', timeout: 60_000 });
    await editorTab(workbench, 'Request').waitFor({ state: 'visible', timeout: 60_000 });
    // One group, so one webview loads at a time. Side by side, the two restored pages load at once and, in
    // code-server (every webview on one origin, so one service worker scope), the second one's service worker
    // registration can replace the first's while that page loads: its script and stylesheet requests then miss the
    // worker (net::ERR_NAME_NOT_RESOLVED for *.vscode-resource.vscode-cdn.net) and it stays an unstyled, empty page.
    // Insights was the active editor: it loads first, with its page state (the tab and session last chosen).
    const insights = await waitForWebview(workbench, '#tab-overview', 60_000);
    const graph = await until(60_000, 'the restored Insights page to show its Conversation graph again', async () => {
      const selected = await insights.locator('#tab-graph').getAttribute('aria-selected');
      const session = await insights.locator('#panel-graph select#session').inputValue({ timeout: 1_000 }).catch(() => undefined);
      const nodes = await insights.locator('#panel-graph svg.graph .node').count();
      const agents = await insights.locator('#panel-overview table[aria-label="Per-agent figures"] tbody tr').count();
      const info = `tab-graph aria-selected=${selected}, session ${session} (wanted ${darkViews.graphSession}), ${nodes} nodes (wanted ${darkViews.graphNodes}), ${agents} per-agent rows`;
      return [selected === 'true' && session === darkViews.graphSession && nodes === darkViews.graphNodes && agents >= 2, info];
    });
    say(`restored Insights: ${graph}`);
    // The Timeline, restored behind it, loads when its tab is shown.
    await editorTab(workbench, 'Timeline').click();
    const timeline = await waitForWebview(workbench, '#viewport', 60_000);
    const drawn = await waitForTimeline(timeline, seeded.exchanges + proxied, 60_000);
    say(`restored Timeline: ${drawn.rows} rows drawn, "${drawn.summary}"`);
    await workbench.waitForTimeout(500);
    await workbench.screenshot({ path: join(screenshots, 'restored-light.png') });
    // The request panel (dark pass) came back too, with the exchange it showed (the page's saved state).
    await editorTab(workbench, 'Request').click();
    const request = await waitForRequestPanel(workbench, 60_000);
    if (!request.startsWith('POST /v1/messages')) throw new Error(`the restored request panel shows "${request.slice(0, 200)}"`);
    say(`restored request panel: "${request.slice(0, 120).replace(/\s+/g, ' ')}…"`);
  });

  await step('UI smoke (light): View: Close All Editors, F1 → "Start Interlude" again, screenshot', async () => {
    if (!reloaded) throw new Error('the page did not reload');
    await runFromPalette(workbench, 'View: Close All Editors');
    await runFromPalette(workbench, 'Start Interlude');
    const text = await waitForText(statusItem, /Interlude\s+\d+/, 60_000);
    say(`status bar after the reload: "${text.trim()}"`);
    ports = [...text.matchAll(/\d+/g)].map(([digits]) => Number(digits)).slice(0, 3);
    if (ports.length !== 3) throw new Error(`expected the three port-0 listeners' ports in "${text}"`);
    await showCapturesView(workbench);
    await workbench.waitForTimeout(1_000);
    await workbench.screenshot({ path: join(screenshots, 'start-interlude-light.png') });
  });

  await capturesSteps('light');
  const lightViews = await viewsSteps('light');

  // A real user layout: Timeline and Insights in two editor groups, both restored after a reload. Both pages then
  // load at the same moment, which in code-server races on the one service worker all webviews share (see the
  // step after the reload, and the load watchdog in src/extension/panels/webviewPage.ts).
  let sideBySide = false;
  await step('UI smoke (light): F1 → "View: Move Editor into Right Group" puts Insights beside the Timeline, both drawn', async () => {
    if (!lightViews.timeline || !lightViews.insights) throw new Error('the light pass did not leave the Timeline and Insights open');
    await runFromPalette(workbench, 'View: Move Editor into Right Group');
    const drawn = await sideBySideDrawn(lightViews, 30_000);
    say(`side by side (light): ${drawn}`);
    sideBySide = true;
  });

  reloaded = await reloadStep('hc', 'Timeline and Insights side by side, agentInterlude.autoStart on', { 'agentInterlude.autoStart': true });

  await step('UI smoke (hc): with agentInterlude.autoStart on, Interlude runs after the reload without a command, on the configured listeners', async () => {
    if (!reloaded) throw new Error('the page did not reload');
    const first = await waitForText(statusItem, /Interlude\s+\d+/, 60_000);
    // The user settings ask for port-0 listeners: never the defaults 8788–8790. (code-server hands the extension
    // this machine-scoped setting only after startup; the listeners then restart on it.)
    const configured = /Interlude\s+(?!8788\b)\d+ · (?!8789\b)\d+ · (?!8790\b)\d+/;
    let text;
    try {
      text = await waitForText(statusItem, configured, 30_000);
    } catch (error) {
      // Seen with code-server 4.100.3 in 3 of 5 CI runs (as in the first Start step and ensureTheme): after a
      // reload the machine-scoped listeners setting never reached the extension host, so the defaults kept running.
      // A reload with the same settings.json applies it; a second miss fails the step.
      say(`${error.message}; the listeners setting was not applied after the reload: F1 → "Developer: Reload Window" again`);
      await reloadWindow(workbench);
      await ensureTheme(workbench, 'hc');
      text = await waitForText(statusItem, configured, 60_000);
    }
    const started = [...text.matchAll(/\d+/g)].map(([digits]) => Number(digits)).slice(0, 3);
    for (const port of started) await tcpConnect(port);
    say(`status bar after the reload with autoStart: "${first.trim()}", then "${text.trim()}"`);
  });

  await step('UI smoke (hc): after the reload the side-by-side Timeline and Insights, loading at once, both draw content again, screenshot', async () => {
    if (!reloaded) throw new Error('the page did not reload');
    if (!sideBySide) throw new Error('Timeline and Insights were not side by side before the reload');
    const drawn = await sideBySideDrawn(lightViews, 30_000);
    say(`restored side by side (hc): ${drawn}`);
    await workbench.waitForTimeout(500);
    await workbench.screenshot({ path: join(screenshots, 'restored-side-by-side-hc.png') });
  });

  // The high-contrast pass: charts and rows must stay readable with contrast borders instead of fills.
  await step('UI smoke (hc): View: Close All Editors', async () => {
    if (!reloaded) throw new Error('the page did not reload');
    await runFromPalette(workbench, 'View: Close All Editors');
    await until(15_000, 'no editor tabs', async () => {
      const tabs = await workbench.locator('.part.editor .tabs-container .tab').count();
      return [tabs === 0, `${tabs} tabs`];
    });
  });
  await viewsSteps('hc');
  await contrastSteps(workbench, step);
  say(`screenshots in ${screenshots}`);

  // F1 → "Developer: Reload Window", as a person would, until the workbench is back. The workbench then awaits its
  // storage flush (editor layout, webview state) before it reloads; a browser reload (page.reload) does not, so
  // the last seconds' changes (the tab chosen in Insights, the request panel's exchange) may not come back.
  async function reloadWindow(page) {
    const loaded = page.waitForEvent('domcontentloaded', { timeout: STARTUP_TIMEOUT_MS }).then(() => undefined, (error) => error);
    await runFromPalette(page, 'Developer: Reload Window');
    const failed = await loaded;
    if (failed) throw failed;
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 90_000 });
  }

  // F1 → "Developer: Reload Window" with the theme for what follows set in settings.json. Resolves whether the
  // workbench came back in that theme.
  async function reloadStep(theme, layout, extraSettings = {}) {
    let done = false;
    await step(`UI smoke: F1 → "Developer: Reload Window" with ${THEMES[theme].id} set, ${layout}`, async () => {
      writeFileSync(userSettingsFile, JSON.stringify({ ...userSettings, 'workbench.colorTheme': THEMES[theme].id, ...extraSettings }, null, 2));
      webviewTrouble.splice(0);
      await reloadWindow(workbench);
      await ensureTheme(workbench, theme);
      done = true;
    });
    return done;
  }

  // Timeline and Insights, each in its own visible editor group, both drawn: Timeline rows of every exchange,
  // Insights on the tab and session `views` left it (its page state) with that many graph nodes. Throws with what
  // each page shows and the failed webview requests meanwhile.
  async function sideBySideDrawn(views, timeoutMs) {
    try {
      return await bothDrawn(views, timeoutMs);
    } catch (error) {
      // code-server can leave a webview's frame unbuilt when two load at once: its pre/index.html waits for a
      // service-worker change that already happened, and setting the HTML again (our load watchdog) cannot reach
      // it. The page is ours to check, not that frame: recover as a person would, by moving the blank panel to the
      // other group and back, which builds a new frame; then both must draw.
      const frames = await describeWebviews(workbench);
      if (!/no inner frame/.test(frames)) throw error;
      const timelineShown = await waitForWebview(workbench, '#viewport', 1_000).then(() => true, () => false);
      const [blank, away, back] = timelineShown ? ['Insights', 'Left', 'Right'] : ['Timeline', 'Right', 'Left'];
      say(`code-server never built a webview frame (${frames}); moving ${blank} to the ${away.toLowerCase()} group and back`);
      await editorTab(workbench, blank).click();
      await runFromPalette(workbench, `View: Move Editor into ${away} Group`);
      await runFromPalette(workbench, `View: Move Editor into ${back} Group`);
      return await bothDrawn(views, timeoutMs);
    }
  }

  async function bothDrawn(views, timeoutMs) {
    const total = seeded.exchanges + proxied;
    let state = '';
    try {
      return await until(timeoutMs, 'the Timeline and Insights side by side to draw content', async () => {
        const visible = await workbench.locator('iframe.webview').evaluateAll((frames) => frames.filter((frame) => frame.getBoundingClientRect().width > 0).length);
        const groups = await workbench.locator('.part.editor .editor-group-container').count();
        const timeline = await waitForWebview(workbench, '#viewport', 1_000);
        const rows = await timeline.locator('#viewport .row').count();
        const summary = (await timeline.locator('#summary').innerText({ timeout: 1_000 })).trim();
        const insights = await waitForWebview(workbench, '#tab-overview', 1_000);
        const selected = await insights.locator('#tab-graph').getAttribute('aria-selected', { timeout: 1_000 });
        const nodes = await insights.locator('#panel-graph svg.graph .node').count();
        const agents = await insights.locator('#panel-overview table[aria-label="Per-agent figures"] tbody tr').count();
        state = `${groups} editor groups, ${visible} webviews shown; Timeline ${rows} rows, "${summary}"; Insights tab-graph aria-selected=${selected}, ${nodes} nodes (wanted ${views.graphNodes}), ${agents} per-agent rows`;
        const ok = groups >= 2 && visible >= 2 && rows > 0 && summary.startsWith(`${total} of ${total} exchanges`) &&
          selected === 'true' && nodes === views.graphNodes && agents >= 2;
        return [ok, state];
      });
    } catch (error) {
      await workbench.screenshot({ path: join(artifacts, 'side-by-side-failure.png') }).catch(() => undefined);
      error.message += `\nwebviews: ${await describeWebviews(workbench)}`;
      throw error;
    } finally {
      if (webviewTrouble.length) say(`webview resource failures and service worker messages: ${[...new Set(webviewTrouble.splice(0))].join(' | ')}`);
    }
  }

  // Requests through the claude listener (to the fake upstream) → rows in the Captures tree → the first exchange
  // opened in the request panel → a screenshot of both, for the README.
  async function capturesSteps(theme) {
    let rowsShown = false;
    await step(`UI smoke (${theme}): Claude-Code-like requests through the claude port appear in the Captures tree`, async () => {
      if (upstreamError) throw upstreamError;
      if (ports.length === 0) throw new Error('Start Interlude did not run');
      await showCapturesView(workbench);
      // The tree also lists the seeded sessions (two hours old): count the exchanges of today's sessions, whose
      // labels start with a bare time, before and after (a run just after midnight counts fewer: still more after).
      await sessionRows(workbench).first().waitFor({ state: 'visible', timeout: 60_000 });
      const before = await todaysExchanges(workbench);
      const prompts = theme === 'dark'
        ? ['Why does the test in src/parser.test.ts fail?', 'Run the parser tests and show me the failures. USE_BASH_TOOL']
        : ['Summarize what src/core/capture.ts does.'];
      for (const prompt of prompts) {
        const reply = await postClaudeMessage(ports[0], prompt);
        if (reply.status !== 200) throw new Error(`POST /v1/messages through port ${ports[0]}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
        if (!reply.body.includes('message_stop')) throw new Error(`the streamed reply did not end with message_stop: ${reply.body.slice(-300)}`);
        proxied += 1;
      }
      const today = await until(30_000, `today's sessions in the Captures tree to count ${before} + ${prompts.length} exchanges`, async () => {
        const count = await todaysExchanges(workbench);
        return [count >= before + prompts.length && (await exchangeRows(workbench).count()) > 0, `${count} (labels: ${(await sessionRows(workbench).allInnerTexts()).map((label) => label.replace(/\s+/g, ' ')).join(' | ')})`];
      });
      say(`Captures tree (${theme}): today's exchanges ${before} → ${today}; first exchange row "${(await exchangeRows(workbench).first().innerText()).replace(/\s+/g, ' ').trim()}"`);
      rowsShown = true;
    });

    await step(`UI smoke (${theme}): clicking the first exchange opens the request panel with content, screenshot`, async () => {
      if (!rowsShown) throw new Error('the Captures tree shows no exchanges');
      await exchangeRows(workbench).first().click();
      const text = await waitForRequestPanel(workbench, 30_000);
      say(`request panel (${theme}): "${text.slice(0, 120).replace(/\s+/g, ' ')}…"`);
      await workbench.waitForTimeout(1_000);
      await workbench.screenshot({ path: join(screenshots, `captures-and-request-${theme}.png`) });
    });
  }

  // Timeline and Insights (each tab), opened from F1 with the side bar closed so the view has the editor area's
  // width; each screenshot only after the page drew what the step checks. Returns what was left open.
  async function viewsSteps(theme) {
    const left = { timeline: false, insights: false, graphSession: undefined, graphNodes: 0 };
    let insights;
    const expected = () => (seeded ? seeded.exchanges + proxied : NaN);

    await step(`UI smoke (${theme}): F1 → "Open Timeline" draws the seeded and captured exchanges as rows, screenshot`, async () => {
      if (seedError) throw seedError;
      // The palette offers it only while the side bar shows (after a reload it may come back closed).
      if (await workbench.locator('.part.sidebar').first().isVisible().catch(() => false)) await runFromPalette(workbench, 'View: Close Primary Side Bar');
      // Dark: from the command palette; light: from the status bar item's menu (Interlude runs).
      if (theme === 'light') await runFromStatusMenu(workbench, statusItem, 'Open Timeline');
      else await runFromPalette(workbench, 'Open Timeline');
      const timeline = await waitForWebview(workbench, '#viewport', 60_000);
      const drawn = await waitForTimeline(timeline, expected(), 60_000);
      say(`Timeline (${theme}): ${drawn.rows} rows drawn, "${drawn.summary}"`);
      await workbench.waitForTimeout(500);
      await workbench.screenshot({ path: join(screenshots, `timeline-${theme}.png`) });
      left.timeline = true;
    });

    if (theme === 'dark') await timelineKeysStep(workbench, step, expected(), () => left.timeline);

    await step(`UI smoke (${theme}): F1 → "Open Insights": Overview counts every exchange per agent (claude, codex), screenshot`, async () => {
      if (seedError) throw seedError;
      await runFromPalette(workbench, 'Open Insights');
      insights = await waitForWebview(workbench, '#tab-overview', 60_000);
      const want = { claude: seeded.agents.claude + proxied, codex: seeded.agents.codex };
      const overview = await until(60_000, `Insights to count ${expected()} exchanges (${JSON.stringify(want)})`, async () => {
        const summary = (await insights.locator('#summary').innerText()).trim();
        const rows = await insights.locator('#panel-overview table[aria-label="Per-agent figures"] tbody tr').evaluateAll((trs) =>
          trs.map((tr) => [tr.cells[0]?.textContent ?? '', Number((tr.cells[1]?.textContent ?? '').replace(/\D/g, ''))]));
        const requests = Object.fromEntries(rows);
        const families = await insights.locator('#panel-overview table[aria-label="System prompt families"] tbody tr').count();
        const ok = summary.startsWith(`${expected().toLocaleString('en-US')} exchanges · 2 agents`) &&
          requests.claude === want.claude && requests.codex === want.codex && families > 0;
        return [ok, `"${summary}", requests per agent ${JSON.stringify(requests)}, ${families} system prompt families`];
      });
      say(`Insights overview (${theme}): ${overview}`);
      if (!(await insights.locator('#panel-overview').isVisible())) throw new Error('the Overview tab is not the one shown');
      await workbench.waitForTimeout(500);
      await workbench.screenshot({ path: join(screenshots, `overview-${theme}.png`) });
    });

    await step(`UI smoke (${theme}): Insights → "Tokens and cache" shows model families, a chart and stop reasons, screenshot`, async () => {
      if (!insights) throw new Error('Insights did not open');
      await insights.locator('#tab-tokens').click();
      const tokens = await until(30_000, 'the Tokens and cache tab', async () => {
        const selected = await insights.locator('#tab-tokens').getAttribute('aria-selected');
        const visible = await insights.locator('#panel-tokens').isVisible();
        const families = await insights.locator('#panel-tokens table[aria-label="Tokens by model family"] tbody tr td:first-child').allInnerTexts();
        const bars = await insights.locator('#panel-tokens svg.bars rect').count();
        const reasons = await insights.locator('#panel-tokens table[aria-label="Stop reasons"] tbody tr').count();
        return [selected === 'true' && visible && families.length >= 2 && bars > 0 && reasons > 0, `families ${families.join(', ')}; ${bars} bar segments; ${reasons} stop reasons`];
      });
      say(`Insights tokens (${theme}): ${tokens}`);
      await workbench.waitForTimeout(500);
      await workbench.screenshot({ path: join(screenshots, `tokens-${theme}.png`) });
    });

    await step(`UI smoke (${theme}): Insights → "Tools": a called tool opened shows its definition and invocation log, screenshot`, async () => {
      if (!insights) throw new Error('Insights did not open');
      await insights.locator('#tab-tools').click();
      const tools = insights.locator('#panel-tools details.tool');
      await until(30_000, 'tool entries in the Tools tab', async () => {
        const count = await tools.count();
        return [(await insights.locator('#panel-tools').isVisible()) && count >= 10, `${count} tool entries`];
      });
      // The first tool with calls (Claude Code's Bash in this log), opened as a person would: a click on its summary.
      const tool = tools.filter({ has: insights.locator('summary', { hasText: /[1-9][\d,]* calls?\b/ }) }).first();
      const name = await tool.locator('.tool-name').innerText({ timeout: 10_000 });
      await tool.locator('summary').click();
      const log = await until(30_000, `the ${name} entry's definition and invocation log`, async () => {
        const open = await tool.evaluate((details) => details.open);
        const schema = await tool.locator('.tool-body > pre').first().innerText().catch(() => '');
        const calls = await tool.locator('.invocations tbody tr').count();
        return [open && schema.includes(`"${name}"`) && calls > 0, `open=${open}, ${schema.length} characters of definition, ${calls} invocations`];
      });
      say(`Insights tools (${theme}): ${name}: ${log}`);
      await workbench.waitForTimeout(500);
      await workbench.screenshot({ path: join(screenshots, `tools-${theme}.png`) });
    });

    await step(`UI smoke (${theme}): Insights → "Conversation graph" of the longest session draws its nodes and edges, screenshot`, async () => {
      if (!insights) throw new Error('Insights did not open');
      await insights.locator('#tab-graph').click();
      const select = insights.locator('#panel-graph select#session');
      await select.waitFor({ state: 'visible', timeout: 30_000 });
      // The session with most exchanges (a seeded Claude Code one), not the latest (this run's two requests).
      const options = await select.locator('option').evaluateAll((nodes) => nodes.map((node) => [node.value, Number(/(\d+) exchange/.exec(node.textContent ?? '')?.[1] ?? 0)]));
      const [session, size] = options.reduce((best, option) => (option[1] > best[1] ? option : best), ['', 0]);
      if (size < 2) throw new Error(`no session with two or more exchanges: ${JSON.stringify(options)}`);
      await select.selectOption(session);
      const graph = await until(30_000, `the graph of session ${session} (${size} exchanges)`, async () => {
        const nodes = await insights.locator('#panel-graph svg.graph .node').count();
        const edges = await insights.locator('#panel-graph svg.graph path.edge').count();
        const value = await select.inputValue();
        return [value === session && nodes === Math.min(size, 400) && edges > 0, `${nodes} nodes, ${edges} edges`];
      });
      say(`Insights graph (${theme}): session ${session} of ${options.length}: ${graph}`);
      await workbench.waitForTimeout(500);
      await workbench.screenshot({ path: join(screenshots, `graph-${theme}.png`) });
      left.insights = true;
      left.graphSession = session;
      left.graphNodes = Math.min(size, 400);
    });

    if (theme === 'dark') {
      await step('UI smoke (dark): Insights by keyboard: ← → move between tabs, ↓ End Home move along the graph, Enter opens the request', async () => {
        if (!left.insights) throw new Error('the conversation graph did not draw');
        const selectedTab = () => insights.locator('[role="tab"][aria-selected="true"]').getAttribute('id', { timeout: 1_000 });
        const focusedId = () =>
          insights.locator(':focus').evaluate((node) => node.getAttribute('id') ?? node.getAttribute('data-id') ?? '', undefined, { timeout: 1_000 });
        const expect = async (what, probe, want) => {
          const got = await until(5_000, what, async () => {
            const now = await probe();
            return [now === want, now];
          });
          say(`Insights keyboard: ${what}: ${got}`);
        };
        await insights.locator('#tab-graph').focus();
        await workbench.keyboard.press('ArrowLeft');
        await expect('← selects and focuses the Tools tab', async () => `${await selectedTab()} ${await focusedId()}`, 'tab-tools tab-tools');
        await workbench.keyboard.press('ArrowRight');
        await expect('→ back to the graph', async () => `${await selectedTab()} ${await focusedId()}`, 'tab-graph tab-graph');
        const ids = await insights.locator('#panel-graph svg.graph .node').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-id')));
        await insights.locator('#panel-graph svg.graph .node').first().focus();
        await workbench.keyboard.press('ArrowDown');
        await expect('↓ moves to the second exchange', focusedId, ids[1]);
        await workbench.keyboard.press('End');
        await expect('End, the last', focusedId, ids[ids.length - 1]);
        await workbench.keyboard.press('Home');
        await expect('Home, the first', focusedId, ids[0]);
        await workbench.keyboard.press('Enter');
        const text = await until(30_000, `the request panel on ${ids[0]}`, async () => {
          const shown = await waitForRequestPanel(workbench, 5_000).catch(() => '');
          return [shown.includes(ids[0]), shown.slice(0, 80).replace(/\s+/g, ' ')];
        });
        say(`Insights keyboard: Enter opened the request panel: "${text}…"`);
        // Insights to the front again (its page reloads), for the steps after the reload.
        await editorTab(workbench, 'Insights').click();
        await waitForWebview(workbench, '#panel-graph svg.graph .node', 30_000);
      });
    }
    return left;
  }

  return finish();

  function finish() {
    const count = (state) => results.filter((result) => result.state === state).length;
    writeFileSync(innerCounts, JSON.stringify({ passed: count('passed'), failed: count('failed'), skipped: count('pending'), results }));
    return count('failed') === 0 ? 0 : 1;
  }
}

// The contrast pass: the Timeline (a search's snippets and highlights shown, one response half expanded), each
// Insights tab and the request panel, in each of the six default themes picked in F1 → Preferences: Color Theme.
// Every text element and mark is measured against its composited background (scripts/contrastAudit.mjs); a step
// fails with every element below its threshold.
const CONTRAST_THEMES = ['lightPlus', 'light', 'darkPlus', 'dark', 'hc', 'hcLight'];
const CONTRAST_MARKS = {
  timeline: [
    { selector: '.arrow .line', property: 'borderTopColor' },
    { selector: '.density .fill', property: 'backgroundColor' },
    { selector: '.rtt', property: 'backgroundColor' },
  ],
  insights: [
    { selector: 'svg .s-input, svg .s-output, svg .s-read, svg .s-write', property: 'fill' },
    { selector: 'svg .edge', property: 'stroke' },
  ],
  request: [],
};

// The Timeline by keyboard (dark smoke pass, or INTERLUDE_SMOKE_ONLY=keys): Home, PageDown, PageUp and End each
// act on the first press on a freshly focused list; ↓, Enter, → ←, Esc and O after. `total`: the exchanges the
// Timeline should list; `open()`: whether it is open.
async function timelineKeysStep(workbench, step, total, open) {
  await step('UI smoke (dark): the Timeline by keyboard: Home, PageDown, PageUp and End act on the first press on a freshly focused list, ↓ moves between exchanges, Enter expands, → and ← switch halves, Esc collapses, O opens the request', async () => {
    if (!open()) throw new Error('the Timeline did not open');
    let timeline = await waitForWebview(workbench, '#viewport', 30_000);
    const focused = () =>
      timeline.locator(':focus').evaluate((node) => ({ id: node.dataset.id ?? '', half: node.dataset.half ?? '', expanded: node.getAttribute('aria-expanded') }), undefined, { timeout: 1_000 });
    const expect = async (what, want) => {
      const got = await until(5_000, what, async () => {
        const now = await focused();
        return [Object.entries(want).every(([key, value]) => now[key] === value), JSON.stringify(now)];
      });
      say(`Timeline keyboard: ${what}: ${got}`);
    };
    const ids = await timeline.locator('#viewport .row').evaluateAll((rows) => rows.map((row) => row.dataset.id));
    if (ids.length < 2) throw new Error(`the Timeline draws ${ids.length} rows`);
    // Home and the Page keys on a freshly focused list (a Timeline just opened, no exchange chosen yet), the list
    // scrolled to its middle first so that the first exchange in view is neither the first nor the one the key
    // reaches: each acts on the first press (before, the first press only chose the first exchange in view).
    const where = (frame) =>
      frame.locator('#viewport').evaluate((viewport) => {
        const top = viewport.getBoundingClientRect().top;
        const at = (node) => node.getBoundingClientRect().top - top + viewport.scrollTop;
        const shown = [...viewport.querySelectorAll('.row')].filter((row) => at(row) >= viewport.scrollTop).sort((a, b) => at(a) - at(b));
        const active = document.activeElement;
        const focusedRow = active && viewport.contains(active) && active !== viewport ? (active.closest('.row') ?? active) : undefined;
        return {
          scrollTop: viewport.scrollTop,
          height: viewport.clientHeight,
          first: shown[0] ? { id: shown[0].dataset.id, at: at(shown[0]) } : undefined,
          focused: focusedRow ? { id: active.dataset.id ?? '', at: at(focusedRow) } : undefined,
        };
      });
    for (const [keyName, reached] of [
      ['Home', (before, now) => now.focused?.id === ids[0] && now.scrollTop === 0],
      ['PageDown', (before, now) => now.focused !== undefined && now.focused.at - before.first.at >= now.height / 2],
      ['PageUp', (before, now) => now.focused !== undefined && before.first.at - now.focused.at >= now.height / 2],
    ]) {
      // Closed by a middle click on its tab (as a user may): the page goes; the reopened one starts afresh.
      await editorTab(workbench, 'Timeline').click({ button: 'middle' });
      await editorTab(workbench, 'Timeline').waitFor({ state: 'detached', timeout: 15_000 });
      await runFromPalette(workbench, 'Open Timeline');
      timeline = await waitForWebview(workbench, '#viewport', 60_000);
      await waitForTimeline(timeline, total, 60_000);
      await timeline.locator('#viewport').evaluate((viewport) => (viewport.scrollTop = Math.floor((viewport.scrollHeight - viewport.clientHeight) / 2)));
      const before = JSON.parse(await until(5_000, 'the list scrolled to its middle and drawn there', async () => {
        const now = await where(timeline);
        return [now.scrollTop > 0 && now.first !== undefined && now.first.id !== ids[0], JSON.stringify(now)];
      }));
      await timeline.locator('#viewport').focus();
      await workbench.keyboard.press(keyName);
      const got = await until(5_000, `${keyName}, pressed once on the freshly focused list (first in view ${before.first.id}), to move the cursor`, async () => {
        const now = await where(timeline);
        return [reached(before, now) && now.focused.id !== before.first.id, JSON.stringify(now)];
      });
      say(`Timeline keyboard: ${keyName} on a fresh focus from the middle (first in view ${before.first.id} at ${before.first.at} px): ${got}`);
    }
    // And End, on one more fresh focus (scrolled to the top).
    await editorTab(workbench, 'Timeline').click({ button: 'middle' });
    await editorTab(workbench, 'Timeline').waitFor({ state: 'detached', timeout: 15_000 });
    await runFromPalette(workbench, 'Open Timeline');
    timeline = await waitForWebview(workbench, '#viewport', 60_000);
    await waitForTimeline(timeline, total, 60_000);
    // A freshly focused list (no exchange chosen yet): End acts on the first press.
    await timeline.locator('#viewport').focus();
    await workbench.keyboard.press('End');
    const atEnd = await until(5_000, 'End, pressed once on the freshly focused list, to reach the last exchange', async () => {
      const now = await focused();
      const last = await timeline.locator('#viewport .row').last().evaluate((row) => row.dataset.id);
      const bottom = await timeline.locator('#viewport').evaluate((node) => node.scrollTop + node.clientHeight >= node.scrollHeight - 1);
      return [bottom && now.id === last && now.id !== ids[0], `focused ${JSON.stringify(now)}, last row ${last}, scrolled to the bottom: ${bottom}`];
    });
    say(`Timeline keyboard: End on a fresh focus: ${atEnd}`);
    await workbench.keyboard.press('Home');
    await expect('Home, the first exchange', { id: ids[0], half: 'request', expanded: 'false' });
    await workbench.keyboard.press('ArrowDown');
    await expect('↓, the next one', { id: ids[1], half: 'request' });
    await workbench.keyboard.press('Enter');
    await expect('Enter expands its request half, focus kept', { id: ids[1], half: 'request', expanded: 'true' });
    if ((await timeline.locator('.detail.request').count()) !== 1) throw new Error('no expanded request half is drawn');
    await workbench.keyboard.press('ArrowRight');
    await expect('→ moves to its response', { id: ids[1], half: 'response' });
    await workbench.keyboard.press('ArrowLeft');
    await workbench.keyboard.press('Escape');
    await expect('← and Esc collapse the request half', { id: ids[1], half: 'request', expanded: 'false' });
    if ((await timeline.locator('.detail').count()) !== 0) throw new Error('the expanded half is still drawn after Esc');
    await workbench.keyboard.press('o');
    await editorTab(workbench, 'Request').waitFor({ state: 'visible', timeout: 30_000 });
    const text = await waitForRequestPanel(workbench, 30_000);
    say(`Timeline keyboard: O opened the request panel: "${text.slice(0, 80).replace(/\s+/g, ' ')}…"`);
  });
}

async function contrastSteps(workbench, step) {
  let ready = false;
  await step('UI smoke (contrast): Timeline with search snippets and an expanded half, Insights and the request panel open', async () => {
    await runFromPalette(workbench, 'View: Close All Editors');
    if (await workbench.locator('.part.sidebar').first().isVisible().catch(() => false)) await runFromPalette(workbench, 'View: Close Primary Side Bar');
    await runFromPalette(workbench, 'Open Timeline');
    const timeline = await waitForWebview(workbench, '#viewport .row', 60_000);
    await timeline.locator('#query').fill('the');
    await timeline.locator('#query').press('Enter');
    await timeline.locator('#viewport .hl').first().waitFor({ timeout: 60_000 });
    // Until the search has ended: while its hits stream in the rows are redrawn, and a click can land on a row
    // element that was just replaced.
    await until(60_000, 'the search to end', async () => {
      const summary = (await timeline.locator('#summary').innerText()).trim();
      return [/ · [\d,]+ match(es)?$/.test(summary), summary];
    });
    await timeline.locator('#viewport .arrow.response').first().click();
    await timeline.locator('#viewport .detail .section').first().waitFor({ timeout: 30_000 });
    await timeline.locator('#viewport .detail .open-full').first().click();
    await waitForRequestPanel(workbench, 30_000);
    await runFromPalette(workbench, 'Open Insights');
    await waitForWebview(workbench, '#tab-overview', 60_000);
    ready = true;
  });
  for (const theme of CONTRAST_THEMES) {
    await step(`UI smoke (contrast, ${THEMES[theme].label}): every text ≥ 4.5:1 (large text and marks ≥ 3:1) on its composited background in the Timeline, each Insights tab and the request panel`, async () => {
      if (!ready) throw new Error('the views did not open');
      await pickTheme(workbench, theme);
      const failures = [];
      const audit = async (view, tab, selector, prepare) => {
        await editorTab(workbench, tab).click();
        const frame = await waitForWebview(workbench, selector, 60_000);
        await until(30_000, `the ${tab} page in ${THEMES[theme].label}`, async () => {
          const wanted = await workbench.locator('.monaco-workbench').first().evaluate((node) => getComputedStyle(node).getPropertyValue('--vscode-editor-background').trim());
          const has = await frame.locator('html').evaluate((node) => getComputedStyle(node).getPropertyValue('--vscode-editor-background').trim());
          return [wanted !== '' && has === wanted, `page ${has}, workbench ${wanted}`];
        });
        if (prepare) await prepare(frame);
        const report = contrastReport(await frame.locator('html').evaluate(auditPage, CONTRAST_MARKS[view]));
        say(`contrast (${THEMES[theme].label}) ${tab}: ${report.summary}`);
        failures.push(...report.lines.map((line) => `${tab}: ${line}`));
      };
      await audit('timeline', 'Timeline', '#viewport .detail .section', async (frame) => {
        await frame.locator('#viewport .hl').first().waitFor({ timeout: 60_000 });
      });
      for (const tab of ['overview', 'tokens', 'tools', 'graph']) {
        await audit('insights', 'Insights', '#tab-overview', async (frame) => {
          await frame.locator(`#tab-${tab}`).click();
          await frame.locator(`#panel-${tab}`).waitFor({ state: 'visible', timeout: 30_000 });
          if (tab === 'tools') {
            const tool = frame.locator('#panel-tools details.tool').first();
            await tool.waitFor({ timeout: 30_000 });
            if (!(await tool.evaluate((node) => node.open))) await tool.locator('summary').click();
          }
          if (tab === 'graph') await frame.locator('#panel-graph svg.graph .node').first().waitFor({ timeout: 30_000 });
          else await workbench.waitForTimeout(300);
        });
      }
      await audit('request', 'Request', '#root h1');
      await workbench.screenshot({ path: join(screenshots, `contrast-${theme}.png`) });
      if (failures.length > 0) throw new Error(`${failures.length} below the threshold:\n${failures.join('\n')}`);
    });
  }
}

// F1 → Preferences: Color Theme, the theme's label, Enter; resolves once the workbench carries its classes.
async function pickTheme(workbench, theme) {
  if ((await workbenchClasses(workbench)).includes(THEMES[theme].themeClass)) return;
  await workbench.keyboard.press('F1');
  await workbench.locator('.quick-input-widget .quick-input-box input').waitFor({ state: 'visible', timeout: 10_000 });
  await workbench.keyboard.type('Preferences: Color Theme', { delay: 20 });
  const command = workbench.locator('.quick-input-widget .monaco-list-row').filter({ hasText: /Preferences: Color Theme(?!s)/ }).first();
  await command.waitFor({ timeout: 10_000 });
  await command.click();
  await workbench.waitForTimeout(1_000);
  await workbench.keyboard.type(THEMES[theme].label, { delay: 20 });
  const row = workbench.locator('.quick-input-widget .monaco-list-row').first();
  await until(10_000, `the theme picker to list ${THEMES[theme].label} first`, async () => {
    const label = (await row.getAttribute('aria-label').catch(() => '')) ?? '';
    return [label.split(',')[0].trim() === THEMES[theme].label, label];
  });
  await workbench.keyboard.press('Enter');
  await expectThemeClass(workbench, theme, 15_000);
}

// A click on the status bar item (while running it opens the menu), then the item whose label has `title`.
async function runFromStatusMenu(workbench, statusItem, title) {
  await statusItem.first().click();
  const row = workbench.locator('.quick-input-widget .monaco-list-row').filter({ hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
}

// F1, type the command's title, Enter on its row: retried while the palette does not list it yet (the
// extension's contributions arrive a little after the workbench shows).
async function runFromPalette(workbench, title) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    await workbench.keyboard.press('F1');
    const input = workbench.locator('.quick-input-widget .quick-input-box input');
    const row = workbench.locator('.quick-input-widget .monaco-list-row').filter({ hasText: title });
    try {
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await workbench.keyboard.type(title, { delay: 20 });
      await row.first().waitFor({ state: 'visible', timeout: 5_000 });
      const first = await workbench.locator('.quick-input-widget .monaco-list-row').first().innerText();
      if (!first.includes(title)) throw new Error(`the palette's first row is "${first}"`);
      await workbench.keyboard.press('Enter');
      return;
    } catch (error) {
      await workbench.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`the command palette never offered "${title}": ${error.message}`);
      await workbench.waitForTimeout(2_000);
    }
  }
}

// The workbench's theme classes: the base ('vs-dark', 'vs') and the theme's own, e.g.
// 'vscode-theme-defaults-themes-dark_modern-json'.
// `id` is the settings value, `label` what the Color Theme picker lists.
const THEMES = {
  dark: { id: 'Default Dark Modern', label: 'Dark Modern', base: 'vs-dark', themeClass: 'vscode-theme-defaults-themes-dark_modern-json' },
  light: { id: 'Default Light Modern', label: 'Light Modern', base: 'vs', themeClass: 'vscode-theme-defaults-themes-light_modern-json' },
  hc: { id: 'Default High Contrast', label: 'Dark High Contrast', base: 'hc-black', themeClass: 'vscode-theme-defaults-themes-hc_black-json' },
  lightPlus: { id: 'Default Light+', label: 'Light+', base: 'vs', themeClass: 'vscode-theme-defaults-themes-light_plus-json' },
  darkPlus: { id: 'Default Dark+', label: 'Dark+', base: 'vs-dark', themeClass: 'vscode-theme-defaults-themes-dark_plus-json' },
  hcLight: { id: 'Default High Contrast Light', label: 'Light High Contrast', base: 'hc-light', themeClass: 'vscode-theme-defaults-themes-hc_light-json' },
};

async function ensureTheme(workbench, theme) {
  try {
    await expectThemeClass(workbench, theme, 20_000);
    say(`theme on load: ${THEMES[theme].label}`);
    return;
  } catch (error) {
    // Seen with code-server 4.100.3: the user setting is in settings.json, yet the page comes up in the
    // fallback Light+ (the setting is not re-applied once the built-in themes register). Pick it as a person would.
    say(`${error.message}; picking "${THEMES[theme].label}" in F1 → Preferences: Color Theme`);
  }
  await workbench.keyboard.press('F1');
  await workbench.locator('.quick-input-widget .quick-input-box input').waitFor({ state: 'visible', timeout: 10_000 });
  await workbench.keyboard.type('Preferences: Color Theme', { delay: 20 });
  const command = workbench.locator('.quick-input-widget .monaco-list-row').filter({ hasText: /Preferences: Color Theme(?!s)/ }).first();
  await command.waitFor({ timeout: 10_000 });
  await command.click();
  await workbench.waitForTimeout(1_500);
  await workbench.keyboard.type(THEMES[theme].label, { delay: 20 });
  await workbench.waitForTimeout(500);
  await workbench.keyboard.press('Enter');
  await expectThemeClass(workbench, theme, 15_000);
  await workbench.waitForTimeout(500);
}

async function workbenchClasses(workbench) {
  return ((await workbench.locator('.monaco-workbench').first().getAttribute('class')) ?? '').split(/\s+/);
}

// The theme is applied a little after the workbench shows (the built-in theme extension loads first).
async function expectThemeClass(workbench, theme, timeoutMs = 30_000) {
  const { base, themeClass } = THEMES[theme];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const classes = await workbenchClasses(workbench);
    if (classes.includes(base) && classes.includes(themeClass)) return;
    if (Date.now() > deadline) throw new Error(`the workbench never got the theme classes "${base} ${themeClass}": class="${classes.join(' ')}"`);
    await workbench.waitForTimeout(250);
  }
}

// Exchange rows of the Captures tree: the leaf tree items (sessions are expandable: they carry aria-expanded).
function exchangeRows(workbench) {
  return workbench.locator('.part.sidebar .monaco-list-row[role="treeitem"]:not([aria-expanded])');
}

// Issue: at the default side-bar width every row read "POST /v1/messages · claude-son…". With the side bar dragged
// to 300 px, each exchange row must show what tells it apart (its time and tokens, measured on the drawn text
// against the edge it is clipped at) — the model and the description after them may be cut — and no two rows may
// read the same.
async function narrowSideBarStep(workbench, step) {
  await step('UI smoke (dark): at a 300 px side bar every exchange row shows its time and tokens, and no two rows read the same', async () => {
    await showCapturesView(workbench);
    const sidebar = workbench.locator('.part.sidebar').first();
    const box = await sidebar.boundingBox();
    if (!box) throw new Error('the side bar has no box');
    // The sash on the side bar's right edge, dragged as a person would.
    const sashX = box.x + box.width;
    const sashY = box.y + box.height / 2;
    await workbench.mouse.move(sashX - 1, sashY);
    await workbench.mouse.down();
    await workbench.mouse.move(box.x + 300, sashY, { steps: 8 });
    await workbench.mouse.up();
    const width = await until(5_000, 'the side bar to be 300 px wide', async () => {
      const now = (await sidebar.boundingBox())?.width ?? 0;
      return [Math.abs(now - 300) <= 2, `${now} px`];
    });
    const rows = await exchangeRows(workbench).evaluateAll((elements) =>
      elements.map((row) => {
        const name = row.querySelector('.label-name');
        const description = row.querySelector('.label-description');
        // The right edge the row's text is actually clipped at: the nearest one among the ancestors that clip.
        let visibleRight = row.getBoundingClientRect().right;
        for (let node = name?.parentElement; node && node !== row.parentElement; node = node.parentElement) {
          if (getComputedStyle(node).overflowX !== 'visible') visibleRight = Math.min(visibleRight, node.getBoundingClientRect().right);
        }
        const text = name?.textContent ?? '';
        // What tells rows apart: the time and the tokens ("14:03:07 · 12K→234"), before the model.
        const distinguishing = /^\d\d:\d\d:\d\d(?: · [\d.]+[KM]?→[\d.]+[KM]?)?/.exec(text)?.[0] ?? '';
        // The drawn right edge of the label's first `length` characters (its text may sit in nested spans).
        const rightOf = (length) => {
          if (!name || length === 0) return Infinity;
          const walker = document.createTreeWalker(name, NodeFilter.SHOW_TEXT);
          const range = document.createRange();
          let first;
          let left = length;
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            first ??= node;
            if (node.textContent.length >= left) {
              range.setStart(first, 0);
              range.setEnd(node, left);
              return range.getBoundingClientRect().right;
            }
            left -= node.textContent.length;
          }
          return Infinity;
        };
        return {
          label: text,
          description: description?.textContent ?? '',
          distinguishing,
          shown: distinguishing !== '' && rightOf(distinguishing.length) <= visibleRight + 0.5,
          whole: rightOf(text.length) <= visibleRight + 0.5,
        };
      }),
    );
    await workbench.screenshot({ path: join(screenshots, 'captures-300px-dark.png') });
    if (rows.length < 2) throw new Error(`only ${rows.length} exchange rows are drawn`);
    const cut = rows.filter((row) => !row.shown);
    if (cut.length) throw new Error(`time and tokens cut at ${width}: ${cut.map((row) => JSON.stringify(row.label)).join(', ')}`);
    const shown = rows.map((row) => row.distinguishing);
    if (new Set(shown).size !== shown.length) throw new Error(`rows read the same: ${shown.join(' | ')}`);
    say(`300 px side bar (${width}): time and tokens shown on all ${rows.length} rows, ${rows.filter((row) => row.whole).length} labels whole, e.g. "${rows[0].label}" + "${rows[0].description}"`);
    say(`300 px side bar (${width}): ${rows.length} rows whole, e.g. "${rows[0].label}" + "${rows[0].description}"`);
    await workbench.screenshot({ path: join(screenshots, 'captures-300px-dark.png') });
  });
}

// Session rows of the Captures tree (expandable, so they carry aria-expanded), newest first.
function sessionRows(workbench) {
  return workbench.locator('.part.sidebar .monaco-list-row[role="treeitem"][aria-expanded]');
}

// Exchanges in today's sessions: their labels start with a bare time ("09:45:24 · claude · 2 exchanges"), other
// days' with a date. Today's sessions are the newest, at the top of the tree, so their rows are rendered.
async function todaysExchanges(workbench) {
  let total = 0;
  for (const label of await sessionRows(workbench).allInnerTexts()) {
    const match = /^\s*\d{2}:\d{2}:\d{2} · .*? · (\d+) exchanges?\b/.exec(label.replace(/\s+/g, ' '));
    if (match) total += Number(match[1]);
  }
  return total;
}

// The Agent Interlude view in the side bar, opened from its activity bar icon unless it is already showing (a
// click on the icon of the shown container would close the side bar).
async function showCapturesView(workbench) {
  const icon = workbench.locator('.part.activitybar .action-item .action-label[aria-label*="Interlude"]');
  if ((await icon.count()) === 0) return;
  const sidebar = workbench.locator('.part.sidebar').first();
  const shown = await sidebar.isVisible().catch(() => false);
  const checked = await icon.first().getAttribute('aria-checked').catch(() => null);
  if (!shown || checked === 'false') await icon.first().click();
  await sidebar.waitFor({ state: 'visible', timeout: 20_000 });
}

// An editor tab by the start of its label ("Timeline", "Insights", "Request: POST …").
function editorTab(workbench, label) {
  return workbench.locator('.part.editor .tabs-container .tab').filter({ hasText: new RegExp(`^\\s*${label}`) }).first();
}

// The inner document (a FrameLocator) of the visible webview whose page has `selector`. Pinned to the outer
// iframe's src (unique per webview), not to its position among the others, which moves as panels open and close.
async function waitForWebview(workbench, selector, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outers = workbench.locator('iframe.webview');
    for (let index = (await outers.count()) - 1; index >= 0; index -= 1) {
      const outer = outers.nth(index);
      if (!(await outer.isVisible().catch(() => false))) continue;
      const src = await outer.getAttribute('src').catch(() => null);
      if (!src) continue;
      const pinned = workbench.locator(`iframe.webview[src=${JSON.stringify(src)}]`);
      const inner = pinned.contentFrame().locator('iframe#active-frame').contentFrame();
      if ((await inner.locator(selector).count().catch(() => 0)) > 0) return inner;
    }
    if (Date.now() > deadline) throw new Error(`no visible webview showed ${selector} within ${timeoutMs} ms`);
    await workbench.waitForTimeout(250);
  }
}

// Each webview in the page, for a failure message: shown or not, its inner frames' ids, title and text length.
async function describeWebviews(workbench) {
  const outers = workbench.locator('iframe.webview');
  const lines = [];
  for (let index = 0; index < (await outers.count()); index += 1) {
    const outer = outers.nth(index);
    const shown = await outer.isVisible().catch(() => false);
    const frame = await (await outer.elementHandle({ timeout: 1_000 }).catch(() => null))?.contentFrame();
    const inner = frame
      ? await frame.evaluate(() => [...document.querySelectorAll('iframe')].map((iframe) => {
        const doc = iframe.contentDocument;
        return `${iframe.id}: ${doc ? `"${doc.title}", ${doc.body?.innerText.length ?? 0} characters, ${doc.styleSheets.length} stylesheets` : 'no document'}`;
      }).join('; ')).catch((error) => `unreadable (${error.message.split('\n')[0]})`)
      : 'no frame';
    lines.push(`#${index} ${shown ? 'shown' : 'hidden'}: ${inner || 'no inner frame'}`);
  }
  return lines.join(' | ') || 'none';
}

// The Timeline page drew rows, lists `total` exchanges in its summary ("N of N exchanges · S sessions") and offers
// both agents in its filter.
async function waitForTimeline(timeline, total, timeoutMs) {
  let drawn;
  await until(timeoutMs, `the Timeline to draw rows of ${total} exchanges`, async () => {
    const rows = await timeline.locator('#viewport .row').count();
    const summary = (await timeline.locator('#summary').innerText()).trim();
    const agents = await timeline.locator('#agent option').evaluateAll((options) => options.map((option) => option.value).filter(Boolean));
    const match = /^([\d,]+) of ([\d,]+) exchanges · (\d+) sessions/.exec(summary);
    const listed = match ? Number(match[2].replace(/,/g, '')) : NaN;
    const sessions = match ? Number(match[3]) : 0;
    drawn = { rows, summary };
    const ok = rows > 0 && listed === total && Number(match?.[1].replace(/,/g, '')) === total && sessions >= 2 &&
      agents.includes('claude') && agents.includes('codex');
    return [ok, `${rows} rows drawn, summary "${summary}", agents ${agents.join(', ')}`];
  });
  return drawn;
}

// Polls `probe` (→ [done, description]) until done; returns the last description, or throws with it.
async function until(timeoutMs, what, probe) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const [done, description] = await probe();
      last = description;
      if (done) return description;
    } catch (error) {
      last = error?.message ?? String(error);
    }
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}; last: ${last}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 250));
  }
}

// The request panel: a visible iframe.webview whose inner frame (id pending-frame, then active-frame) renders #root.
async function waitForRequestPanel(workbench, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const outers = workbench.locator('iframe.webview');
    for (let index = (await outers.count()) - 1; index >= 0; index -= 1) {
      const outer = outers.nth(index);
      if (!(await outer.isVisible().catch(() => false))) continue;
      const inner = outer.contentFrame().locator('iframe#active-frame').contentFrame().locator('#root');
      last = await inner.innerText({ timeout: 1_000 }).catch(() => last);
      if (last.trim().length > 40) return last.trim();
    }
    if (Date.now() > deadline) throw new Error(`the request panel never rendered (last text: "${last.slice(0, 200)}")`);
    await workbench.waitForTimeout(250);
  }
}

// One streamed Messages API request shaped like Claude Code's: two system blocks, two tools, one user message.
function postClaudeMessage(port, prompt, extraHeaders = {}) {
  const body = JSON.stringify({
    model: 'claude-sonnet-4-5-20250929',
    max_tokens: 32000,
    stream: true,
    system: [
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } },
      {
        type: 'text',
        text: 'You are an interactive CLI tool that helps users with software engineering tasks. Use the instructions below and the tools available to you to assist the user.',
        cache_control: { type: 'ephemeral' },
      },
    ],
    tools: [
      {
        name: 'Read',
        description: 'Reads a file from the local filesystem. The file_path parameter must be an absolute path.',
        input_schema: {
          type: 'object',
          properties: { file_path: { type: 'string', description: 'The absolute path to the file to read' } },
          required: ['file_path'],
          additionalProperties: false,
        },
      },
      {
        name: 'Bash',
        description: 'Executes a given bash command in a persistent shell session.',
        input_schema: {
          type: 'object',
          properties: {
            command: { type: 'string', description: 'The command to execute' },
            description: { type: 'string', description: 'Clear, concise description of what this command does in 5-10 words' },
          },
          required: ['command'],
          additionalProperties: false,
        },
      },
    ],
    messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
    metadata: { user_id: 'user_smoke_account__session_5m0ke000-0000-4000-8000-000000000001' },
  });
  return new Promise((resolveReply, rejectReply) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/messages?beta=true',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'anthropic-version': '2023-06-01',
          'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14',
          'x-api-key': 'sk-ant-smoke-not-a-real-key',
          'user-agent': 'claude-cli/2.0.0 (external, cli)',
          'x-app': 'cli',
          ...extraHeaders,
        },
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolveReply({ status: res.statusCode, body: text }));
        res.on('error', rejectReply);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST through port ${port} timed out`)));
    req.on('error', rejectReply);
    req.end(body);
  });
}

async function waitForText(locator, pattern, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if ((await locator.count()) > 0) {
      last = (await locator.first().innerText()).trim();
      if (pattern.test(last)) return last;
    }
    if (Date.now() > deadline) throw new Error(`status bar item never matched ${pattern} (last: "${last}")`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 250));
  }
}

function tcpConnect(port) {
  return new Promise((resolveConnect, rejectConnect) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(5_000, () => socket.destroy(new Error(`connect to ${port} timed out`)));
    socket.once('connect', () => {
      socket.end();
      resolveConnect();
    });
    socket.once('error', rejectConnect);
  });
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
  await stopUpstream();
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
    upstream?.child.kill('SIGKILL');
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
