// `npm run test:desktop` (scripts/runDesktopTests.mjs) runs the extension-host suites in desktop VS Code through
// @vscode/test-electron. Here it cannot download VS Code: it must say so in one line and exit 2, not hang or throw a
// stack. And it must load the very `run()` entries the code-server runner loads, not a copy of the suites.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const script = join(root, 'scripts/runDesktopTests.mjs');

function runDesktop(env: Record<string, string | undefined>): { status: number | null; stdout: string; stderr: string } {
  const clean = { ...process.env };
  delete clean.VSCODE_EXECUTABLE;
  const result = spawnSync(process.execPath, [script], { cwd: root, encoding: 'utf8', env: { ...clean, ...env }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The `out/test/<suite>/index.js` entries a runner script names. */
function entriesNamed(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...new Set([...text.matchAll(/'(out\/test\/[\w-]+\/index\.js)'/g)].map((match) => match[1]))].sort();
}

describe('desktop test runner (npm run test:desktop)', function () {
  this.timeout(90_000);

  it('is wired as npm run test:desktop with @vscode/test-electron as a devDependency', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>; devDependencies: Record<string, string>;
    };
    assert.match(manifest.scripts['test:desktop'], /node scripts\/runDesktopTests\.mjs/);
    assert.ok(manifest.devDependencies['@vscode/test-electron'], '@vscode/test-electron is a devDependency');
  });

  it('without internet or VSCODE_EXECUTABLE, fails with one line naming the reason (exit 2)', async function () {
    const online = await lookup('update.code.visualstudio.com').then(() => true, () => false);
    // With internet the script would download VS Code and run the suites: that is not this test.
    if (online) this.skip();
    const started = Date.now();
    const result = runDesktop({});
    assert.equal(result.status, 2, `exit ${result.status}: ${result.stderr}`);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line, got:\n${result.stderr}`);
    assert.match(lines[0], /^test:desktop: cannot download VS Code \(update\.code\.visualstudio\.com: \w+\); set VSCODE_EXECUTABLE/);
    assert.ok(Date.now() - started < 30_000, 'it gives up quickly');
  });

  it('with VSCODE_EXECUTABLE pointing nowhere, fails with one line naming it (exit 2)', () => {
    const result = runDesktop({ VSCODE_EXECUTABLE: '/nonexistent/code' });
    assert.equal(result.status, 2, `exit ${result.status}: ${result.stderr}`);
    assert.equal(result.stderr.trim(), 'test:desktop: VSCODE_EXECUTABLE=/nonexistent/code does not exist.');
  });

  it('loads the same run() entries as the code-server runner, built from the one test/<suite>/index.ts each', () => {
    const desktop = entriesNamed('scripts/runDesktopTests.mjs');
    const codeServer = entriesNamed('scripts/runExtensionTests.mjs').filter((entry) => !entry.includes('bench'));
    assert.deepEqual(desktop, ['out/test/extension-untrusted/index.js', 'out/test/extension/index.js']);
    assert.deepEqual(desktop, codeServer);
    // esbuild.mjs bundles test/<suite>/index.ts into out/test/<suite>/: one source per entry, no desktop copy.
    const build = readFileSync(join(root, 'esbuild.mjs'), 'utf8');
    assert.match(build, /entryPoints: \{ index: `test\/\$\{suite\}\/index\.ts` \}, *\n? *outdir: `out\/test\/\$\{suite\}`/);
    for (const entry of desktop) {
      const suite = entry.split('/')[2];
      const index = readFileSync(join(root, 'test', suite, 'index.ts'), 'utf8');
      assert.match(index, /export function run\(\): Promise<void>/, `test/${suite}/index.ts exports run()`);
    }
    const testFolders = readdirSync(join(root, 'test'));
    assert.ok(!testFolders.some((name) => /desktop|electron/i.test(name)), `no separate desktop suites: ${testFolders.join(', ')}`);
  });
});
