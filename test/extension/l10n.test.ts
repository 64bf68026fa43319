import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension } from './helpers';

type Manifest = {
  l10n: string;
  contributes: { commands: { command: string; title: string; category: string }[]; walkthroughs: { title: string; steps: { title: string; media: { markdown: string } }[] }[] };
};

async function readJsonAt(uri: vscode.Uri): Promise<Record<string, string>> {
  return JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri))) as Record<string, string>;
}

// Registered by index.ts once mocha's globals exist (the suites are bundled, so they cannot load themselves).
// A display language needs its language pack: code-server (and desktop VS Code) given `--locale zh-tw` without one
// run in English (vscode.env.language stays "en", seen with INTERLUDE_LOCALE=zh-tw here), and no pack can be
// downloaded on these machines. So in English this checks what the host resolved (the manifest from package.nls.json)
// and that the zh-TW files sit where VS Code reads them for zh-tw; with a zh-TW pack it checks the loaded bundle.
export function l10nTests(): void {
  describe('Localization', () => {
    it('the host resolved the manifest placeholders from package.nls.json', async () => {
      const extension = await activateExtension();
      const manifest = extension.packageJSON as Manifest;
      const start = manifest.contributes.commands.find((command) => command.command === 'agentInterlude.start');
      const nls = await readJsonAt(vscode.Uri.joinPath(extension.extensionUri, 'package.nls.json'));
      if (vscode.env.language === 'en') {
        assert.equal(start?.title, 'Start Interlude');
        assert.equal(start?.category, 'Agent Interlude');
        assert.equal(manifest.contributes.walkthroughs[0].title, nls['walkthrough.gettingStarted.title']);
        // Placeholders resolve anywhere in the manifest: the walkthrough's pages are chosen per language too.
        assert.equal(manifest.contributes.walkthroughs[0].steps[0].media.markdown, 'media/walkthrough/start.md');
      } else {
        assert.doesNotMatch(String(start?.title), /^%.*%$/, 'a placeholder left unresolved');
      }
      for (const command of manifest.contributes.commands) assert.doesNotMatch(command.title, /%[\w.]+%/, `${command.command} title resolved`);
    });

    it('vscode.l10n has the bundle of the display language, and the zh-TW files ship where VS Code reads them', async () => {
      const extension = await activateExtension();
      const manifest = extension.packageJSON as Manifest;
      const folder = vscode.Uri.joinPath(extension.extensionUri, manifest.l10n);
      const english = await readJsonAt(vscode.Uri.joinPath(folder, 'bundle.l10n.json'));
      // The file VS Code loads as vscode.l10n.bundle when the display language is zh-tw.
      const chinese = await readJsonAt(vscode.Uri.joinPath(folder, 'bundle.l10n.zh-tw.json'));
      assert.deepEqual(Object.keys(english).filter((key) => typeof chinese[key] !== 'string'), []);
      const manifestChinese = await readJsonAt(vscode.Uri.joinPath(extension.extensionUri, 'package.nls.zh-tw.json'));
      assert.equal(manifestChinese['command.start.title'], '啟動 Interlude');
      if (vscode.env.language === 'en') {
        assert.equal(vscode.l10n.bundle, undefined, 'no bundle in English');
        assert.equal(vscode.l10n.uri, undefined);
        assert.equal(vscode.l10n.t('Agent Interlude: {0}', 'x'), 'Agent Interlude: x');
      } else {
        assert.equal(vscode.l10n.uri?.toString(), vscode.Uri.joinPath(folder, `bundle.l10n.${vscode.env.language}.json`).toString());
        assert.ok(vscode.l10n.bundle && Object.keys(vscode.l10n.bundle).length === Object.keys(english).length, 'the whole bundle loaded');
        if (vscode.env.language === 'zh-tw') assert.equal(vscode.l10n.t('Start Interlude'), chinese['Start Interlude']);
      }
    });
  });
}
