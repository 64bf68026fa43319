// The page's translations: the host embeds the bundle VS Code loaded (vscode.l10n.bundle) as a JSON data block
// (src/extension/panels/webviewPage.ts), and @vscode/l10n reads it, as its README recommends for code that cannot call
// vscode.l10n. Each page imports this first, so l10n.t(…) in any of its modules (and in module-level constants)
// sees the bundle; with none (English) l10n.t returns the message itself.
import * as l10n from '@vscode/l10n';

const data = document.getElementById('interlude-l10n')?.textContent;
if (data) {
  const contents = JSON.parse(data) as Record<string, string>;
  if (Object.keys(contents).length) l10n.config({ contents });
}
