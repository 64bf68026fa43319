// Runs the same extension-host suites as scripts/runExtensionTests.mjs (the same bundled `run()` entries,
// out/test/<suite>/index.js, built by esbuild.mjs from test/<suite>/index.ts) in desktop VS Code through
// @vscode/test-electron: `npm run test:desktop [-- --untrusted]`.
//
// VS Code comes from VSCODE_EXECUTABLE when set (a `code` binary or the Electron executable of an installed VS Code),
// else @vscode/test-electron downloads the stable build into .vscode-test/ (needs update.code.visualstudio.com).
// Where neither works (no internet, as on the machines in ../shared/TESTING.md §1, where code-server is what CI runs),
// it stops before launching anything with one line saying why, and exit code 2.
//
// Env: VSCODE_EXECUTABLE, VSCODE_VERSION (download this version instead of stable), INTERLUDE_TEST_GREP (as for
// the code-server runner), INTERLUDE_DESKTOP_PROBE_TIMEOUT_MS (default 5000: how long the download host may take).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The entries both runners load as `extensionTestsPath` (runExtensionTests.mjs names the same files). */
const DESKTOP_SUITES = {
  extension: 'out/test/extension/index.js',
  untrusted: 'out/test/extension-untrusted/index.js',
};
const DOWNLOAD_HOST = 'update.code.visualstudio.com';

function fail(reason) {
  console.error(`test:desktop: ${reason}`);
  process.exit(2);
}

/** Resolves when the download host answers at all, rejects with the network error (DNS, refused, timeout). */
function probeDownloadHost(timeoutMs) {
  return new Promise((resolveProbe, rejectProbe) => {
    const req = request({ host: DOWNLOAD_HOST, path: '/api/releases/stable', method: 'HEAD', timeout: timeoutMs }, (res) => {
      res.resume();
      resolveProbe(res.statusCode);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', rejectProbe);
    req.end();
  });
}

const mode = process.argv.includes('--untrusted') ? 'untrusted' : 'extension';
const entry = join(root, DESKTOP_SUITES[mode]);
if (!existsSync(entry)) fail(`${DESKTOP_SUITES[mode]} is missing: run \`npm run build\` first.`);

let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
if (vscodeExecutablePath) {
  if (!existsSync(vscodeExecutablePath)) fail(`VSCODE_EXECUTABLE=${vscodeExecutablePath} does not exist.`);
} else {
  const timeoutMs = Number(process.env.INTERLUDE_DESKTOP_PROBE_TIMEOUT_MS ?? 5_000);
  try {
    await probeDownloadHost(timeoutMs);
  } catch (error) {
    fail(`cannot download VS Code (${DOWNLOAD_HOST}: ${error?.code ?? error?.message ?? error}); set VSCODE_EXECUTABLE to a VS Code binary, or use \`npm run test:extension\` (code-server).`);
  }
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode(process.env.VSCODE_VERSION ?? 'stable');
  } catch (error) {
    fail(`downloading VS Code failed: ${String(error?.message ?? error).split('\n')[0]}`);
  }
}

// A fresh profile and workspace, with the user settings the code-server runner writes (port-0 listeners for the
// untrusted suite, Workspace Trust on only there).
const scratch = mkdtempSync(join(tmpdir(), 'interlude-desktop-'));
const userData = join(scratch, 'user-data');
const workspace = join(scratch, 'workspace');
mkdirSync(join(userData, 'User'), { recursive: true });
mkdirSync(workspace, { recursive: true });
const settings = { 'workbench.startupEditor': 'none', 'extensions.autoCheckUpdates': false, 'telemetry.telemetryLevel': 'off' };
if (mode === 'untrusted') {
  settings['security.workspace.trust.startupPrompt'] = 'never';
  settings['agentInterlude.listeners'] = [
    { port: 0, upstream: 'https://api.anthropic.com', agent: 'claude' },
    { port: 0, upstream: 'https://api.openai.com', agent: 'codex' },
  ];
  mkdirSync(join(workspace, '.vscode'));
  writeFileSync(join(workspace, '.vscode/settings.json'), JSON.stringify({
    'agentInterlude.listeners': [{ port: 0, upstream: 'http://127.0.0.1:1/evil', agent: 'claude' }],
    'agentInterlude.captureDirectory': join(scratch, 'evil-captures'),
    'editor.tabSize': 7,
  }, null, 2));
}
writeFileSync(join(userData, 'User/settings.json'), JSON.stringify(settings, null, 2));

let code = 1;
try {
  code = await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: entry,
    extensionTestsEnv: { INTERLUDE_TEST_WORKSPACE: workspace, ...(process.env.INTERLUDE_TEST_COUNTS ? { INTERLUDE_TEST_COUNTS: process.env.INTERLUDE_TEST_COUNTS } : {}) },
    launchArgs: [
      workspace,
      `--user-data-dir=${userData}`,
      `--extensions-dir=${join(scratch, 'extensions')}`,
      '--disable-extensions',
      ...(mode === 'untrusted' ? [] : ['--disable-workspace-trust']),
    ],
  });
} catch (error) {
  console.error(`test:desktop: ${String(error?.message ?? error).split('\n')[0]}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(code);
