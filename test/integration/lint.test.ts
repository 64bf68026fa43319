// The layering and promise rules live in eslint.config.mjs; these lint probe text as if it sat in each folder,
// so a config that stopped biting (a moved folder, a mistyped glob) fails here instead of passing silently.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { ESLint as ESLintClass } from 'eslint';

const root = resolve(__dirname, '../..');

describe('lint rules (eslint.config.mjs)', function () {
  this.timeout(120_000);
  let eslint: ESLintClass;

  before(async () => {
    const { ESLint } = await import('eslint');
    eslint = new ESLint({ cwd: root });
  });

  /** "rule: message" for each problem ESLint reports in `code` placed at `folder`/lintProbe.ts. */
  async function problems(folder: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: resolve(root, folder, 'lintProbe.ts') });
    return result.messages.map((message) => `${message.ruleId}: ${message.message}`);
  }

  it('reports `vscode` imported in src/core, src/shared and src/webview, not in src/extension', async () => {
    const code = "import * as vscode from 'vscode';\nexport const window = vscode.window;\n";
    for (const folder of ['src/core', 'src/shared', 'src/webview']) {
      const found = await problems(folder, code);
      assert.equal(found.length, 1, `${folder}: ${found.join('; ')}`);
      assert.match(found[0], /^@typescript-eslint\/no-restricted-imports: 'vscode' import is restricted/);
    }
    assert.deepEqual(await problems('src/extension', code), []);
  });

  it('lets a webview take types from core and code from shared, but no core code', async () => {
    const allowed = [
      "import type { ListenerSpec } from '../core/listeners';",
      "import { countOf } from '../shared/countText';",
      'export const label = (spec: ListenerSpec): string => countOf(spec.port, \'port\');',
      '',
    ].join('\n');
    assert.deepEqual(await problems('src/webview', allowed), []);
    const runtime = "import { parseListenerArg } from '../core/listeners';\nexport const parse = parseListenerArg;\n";
    const found = await problems('src/webview', runtime);
    assert.equal(found.length, 1, found.join('; '));
    assert.match(found[0], /no-restricted-imports: '\.\.\/core\/listeners' import is restricted .*src\/shared/);
  });

  it('keeps core and shared free of the hosts, and shared free of core', async () => {
    assert.equal((await problems('src/core', "import { activate } from '../extension/extension';\nexport const a = activate;\n")).length, 1);
    assert.equal((await problems('src/shared', "import { parseListenerArg } from '../core/listeners';\nexport const p = parseListenerArg;\n")).length, 1);
  });

  it('reports a floating promise and an import used only as a type', async () => {
    const floating = 'async function save(): Promise<void> {}\nexport function onClick(): void { save(); }\n';
    assert.deepEqual((await problems('src/extension', floating)).map((p) => p.split(':')[0]), ['@typescript-eslint/no-floating-promises']);
    const fireAndForget = 'async function save(): Promise<void> {}\nexport function onClick(): void { void save(); }\n';
    assert.deepEqual(await problems('src/extension', fireAndForget), []);
    const typeOnly = "import { ListenerSpec } from './listeners';\nexport const ports = (spec: ListenerSpec): number => spec.port;\n";
    assert.deepEqual((await problems('src/core', typeOnly)).map((p) => p.split(':')[0]), ['@typescript-eslint/consistent-type-imports']);
  });
});
