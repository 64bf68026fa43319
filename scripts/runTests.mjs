// The one test command (README, CI): type-checks, lints, then runs each mocha suite in
// its own process and ends with the single line CI reads: "N passed, N failed".
// Usage: node scripts/runTests.mjs [suite ...]   (default: every suite)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SUITES = {
  unit: ['test/core/**/*.test.ts'],
  integration: ['test/integration/**/*.test.ts'],
  dogfood: ['test/dogfood/**/*.test.ts'],
  // Not mocha-on-Node: runs test/extension inside a real VS Code extension host (code-server + Chromium).
  extension: { script: 'scripts/runExtensionTests.mjs' },
  // test/extension-untrusted: Workspace Trust on, a workspace .vscode/settings.json that must not redirect traffic.
  'extension-untrusted': { script: 'scripts/runExtensionTests.mjs', args: ['--untrusted'] },
  // F1 → "Start Interlude" in the real workbench, status bar, screenshots under test-output/screenshots/.
  // Its contrast pass (six themes × every view) adds ~3 min to the walk-through: a longer time limit.
  'ui-smoke': { script: 'scripts/runExtensionTests.mjs', args: ['--smoke'], timeoutMs: 1_200_000 },
};
const requested = process.argv.slice(2);
const names = requested.length ? requested : ['typecheck', 'lint', ...Object.keys(SUITES)];

const scratch = mkdtempSync(join(tmpdir(), 'interlude-tests-'));
const total = { passed: 0, failed: 0, skipped: 0 };

function run(cmd, args, extraEnv = {}, timeout = undefined) {
  return spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...extraEnv }, timeout });
}

for (const name of names) {
  if (name === 'typecheck') {
    console.log('\n== typecheck (tsc --noEmit) ==');
    const r = run('npx', ['tsc', '--noEmit', '-p', '.']);
    total[r.status === 0 ? 'passed' : 'failed'] += 1;
    continue;
  }
  if (name === 'lint') {
    // Layering (which folder may import which), floating promises, type-only imports: eslint.config.mjs.
    console.log('\n== lint (eslint src) ==');
    const r = run('npx', ['eslint', 'src']);
    total[r.status === 0 ? 'passed' : 'failed'] += 1;
    continue;
  }
  const specs = SUITES[name];
  if (!specs) {
    console.error(`unknown suite "${name}"; known: typecheck, lint, ${Object.keys(SUITES).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== ${name} ==`);
  const countsFile = join(scratch, `${name}.json`);
  const r = Array.isArray(specs)
    ? run('npx', [
      'mocha', '--import=tsx', '--reporter', './test/support/countingReporter.cjs',
      '--timeout', '60000', ...specs,
    ], { INTERLUDE_TEST_COUNTS: countsFile })
    // The script has its own time limits; this one only guards against a hang (SIGTERM: it cleans up).
    : run(process.execPath, [specs.script, ...(specs.args ?? [])], { INTERLUDE_TEST_COUNTS: countsFile }, specs.timeoutMs ?? 600_000);
  if (existsSync(countsFile)) {
    const counts = JSON.parse(readFileSync(countsFile, 'utf8'));
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
  } else {
    // The suite crashed before mocha could report: count it as a failure.
    console.error(`suite "${name}" ended (exit ${r.status}) without reporting results`);
    total.failed += 1;
  }
}
rmSync(scratch, { recursive: true, force: true });
const skipped = total.skipped ? `, ${total.skipped} skipped` : '';
console.log(`\n${total.passed} passed, ${total.failed} failed${skipped}`);
process.exit(total.failed === 0 ? 0 : 1);
