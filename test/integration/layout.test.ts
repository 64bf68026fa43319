// The source layout's lint rules (eslint.config.mjs, README "Source layout"): probe text linted as the text of a file
// of each part, so a rule that stopped biting (a renamed folder, a mistyped glob, one block replacing another's
// options) fails here, and so does one that bites too much (an import the layout allows).
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { ESLint as ESLintClass } from 'eslint';

const root = resolve(__dirname, '../..');

describe('source layout rules (eslint.config.mjs)', function () {
  this.timeout(120_000);
  let eslint: ESLintClass;

  before(async () => {
    const { ESLint } = await import('eslint');
    eslint = new ESLint({ cwd: root });
  });

  /**
   * The no-restricted-imports messages ESLint reports for `import { probe } from '<from>'` as the text of `file`, a
   * real file of the part (so the probe is linted in the project like the file itself, no default-project probes).
   */
  async function restricted(file: string, from: string): Promise<string[]> {
    const code = `import { probe } from '${from}';\nexport const used = probe;\n`;
    const [result] = await eslint.lintText(code, { filePath: resolve(root, file) });
    const parsing = result.messages.filter((m) => m.ruleId === null);
    assert.deepEqual(parsing, [], `${file}: ${parsing.map((m) => m.message).join('; ')}`);
    return result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
  }

  // [a file of the part, an import the layout forbids there, an import it allows there]
  const cases: [string, string, string][] = [
    ['src/core/records.ts', './capture/proxy', './wire/wire'],
    ['src/core/limits.ts', './logIndex/indexModel', './records'],
    ['src/core/wire/wire.ts', '../capture/proxy', '../records'],
    ['src/core/wire/common.ts', '../logIndex/indexModel', './wire'],
    ['src/core/secrets/secretScanner.ts', '../wire/wire', './secretRules'],
    ['src/core/secrets/lineRedactor.ts', '../logIndex/indexModel', './byteAnchors'],
    ['src/core/logIndex/indexModel.ts', '../capture/captureLog', '../secrets/lineRedactor'],
    ['src/core/logIndex/logIndex.ts', '../analysis/explain', '../wire/wire'],
    ['src/core/analysis/stats.ts', '../capture/proxy', '../logIndex/indexModel'],
    ['src/core/analysis/explain.ts', '../export/exportRecords', '../../shared/countText'],
    ['src/core/export/exportRecords.ts', '../capture/captureRecorder', '../analysis/explain'],
    ['src/core/capture/captureRecorder.ts', '../logIndex/logIndex', '../export/otlpPush'],
    ['src/core/capture/proxy.ts', '../analysis/explain', '../secrets/lineRedactor'],
    ['src/extension/views/statusBar.ts', '../panels/requestPanel', '../captureWatcher'],
    ['src/extension/panels/requestPanel.ts', '../diffs/promptDocuments', '../explainSource'],
    ['src/extension/diffs/diffCommands.ts', '../views/capturesTree', '../../core/logIndex/logIndex'],
    ['src/extension/agents/terminalEnv.ts', '../views/statusBar', '../../core/capture/listeners'],
    ['src/extension/settings.ts', './panels/requestPanel', './commandIds'],
  ];

  for (const [file, forbidden, allowed] of cases) {
    it(`${file}: reports '${forbidden}', lets '${allowed}' through`, async () => {
      const found = await restricted(file, forbidden);
      assert.equal(found.length, 1, `${file} importing ${forbidden}: ${found.join('; ')}`);
      assert.ok(found[0].startsWith(`'${forbidden}' import is restricted`), found[0]);
      assert.deepEqual(await restricted(file, allowed), [], `${file} importing ${allowed}`);
    });
  }

  it('lets extension.ts compose every part, and keeps the core-wide rules inside each core part', async () => {
    for (const from of ['./views/statusBar', './panels/requestPanel', './diffs/diffCommands', './agents/terminalEnv']) {
      assert.deepEqual(await restricted('src/extension/extension.ts', from), [], from);
    }
    for (const file of ['src/core/capture/proxy.ts', 'src/core/logIndex/logIndex.ts', 'src/core/wire/wire.ts', 'src/core/analysis/stats.ts', 'src/core/export/exportRecords.ts', 'src/core/secrets/secretScanner.ts']) {
      assert.equal((await restricted(file, 'vscode')).length, 1, `${file}: vscode`);
      assert.equal((await restricted(file, '../../extension/extension')).length, 1, `${file}: a host`);
    }
  });
});
