// The one page shell every webview panel uses, so the security rules live in one place: a CSP of
// `default-src 'none'`, styles, images and fonts only from the webview's own source, and scripts only with a
// fresh nonce. Only our own URIs and static markup go into the HTML; captured content arrives later as data.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** A panel may load only the extension's bundles and media. */
export function webviewResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export interface WebviewPageSpec {
  /** Names `dist/webview/<page>.js` and `media/<page>.css`. */
  page: string;
  title: string;
  /** Static markup of ours (never captured text). */
  body: string;
  /** More stylesheets from `media/` shared by several pages (e.g. `explain` for the cache and cost figures). */
  sharedStyles?: string[];
}

export function webviewPageHtml(webview: vscode.Webview, extensionUri: vscode.Uri, spec: WebviewPageSpec): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${spec.page}.js`));
  const styles = [spec.page, ...(spec.sharedStyles ?? [])].map((name) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', `${name}.css`)));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  // The page's strings: the bundle VS Code loaded for this display language (none in English), read by
  // src/webview/l10n.ts. JSON in a data block, never run; `<` escaped so no string can close the element.
  const bundle = JSON.stringify(vscode.l10n.bundle ?? {}).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles.map((style) => `<link rel="stylesheet" href="${style.toString()}">`).join('\n')}
<title>${spec.title}</title>
</head>
<body>
${spec.body}
<script type="application/json" id="interlude-l10n">${bundle}</script>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

/** A new panel with the options every one of ours uses (its page reloads when shown again: no retained context). */
export function createWebviewPanel(viewType: string, title: string, extensionUri: vscode.Uri): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(viewType, title, vscode.ViewColumn.Active, {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: webviewResourceRoots(extensionUri),
  });
}

export interface PanelHandlers {
  html: (webview: vscode.Webview) => string;
  onMessage: (raw: unknown) => void;
  /** The page was hidden: it reloads (and says `ready` again) when shown. */
  onHidden: () => void;
  /** The panel was closed; its listeners are already disposed. */
  onClosed: () => void;
}

// The load watchdog. Every page posts `ready` as its script starts, so a shown page that has said nothing for this
// long never ran its script. Seen in code-server (every webview is served from one origin, so all share one service
// worker): when two panels load at the same moment (Timeline and Insights side by side after Reload Window), the
// second page's worker registration replaces the first's while that page loads, its script and stylesheet requests
// miss the worker (net::ERR_NAME_NOT_RESOLVED) and it stays an unstyled, empty page. Setting the HTML again (a fresh
// nonce, so the webview does not skip it as unchanged) builds a new frame whose requests go through the worker now
// in place. A few times at most per showing, and never for a page that posted anything.
const LOAD_TIMEOUT_MS = 4_000;
const LOAD_RETRIES = 2;

/**
 * Takes over a new or restored panel: options, icon, listeners, then the page (listeners first, so the
 * page's `ready` cannot be missed). Returns the listeners, for the owner to dispose with the panel.
 */
export function wireWebviewPanel(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, handlers: PanelHandlers): vscode.Disposable[] {
  panel.webview.options = { enableScripts: true, localResourceRoots: webviewResourceRoots(extensionUri) };
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'interlude.svg');
  // The watchdog's state for the page now loading: whether it has posted anything, and the reloads spent on it.
  let heard = false;
  let retries = 0;
  let shown = panel.visible;
  let column = panel.viewColumn;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stopWatching = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  const watch = () => {
    stopWatching();
    if (heard || !panel.visible || retries >= LOAD_RETRIES) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (heard || !panel.visible) return;
      retries += 1;
      panel.webview.html = handlers.html(panel.webview);
      watch();
    }, LOAD_TIMEOUT_MS);
  };
  const disposables: vscode.Disposable[] = [];
  disposables.push(
    panel.onDidDispose(() => {
      stopWatching();
      for (const disposable of disposables.splice(0)) disposable.dispose();
      handlers.onClosed();
    }),
    panel.onDidChangeViewState(() => {
      if (!panel.visible) {
        // The page is discarded (no retained context); the one shown next starts afresh.
        shown = false;
        heard = false;
        retries = 0;
        stopWatching();
        handlers.onHidden();
      } else if (!shown || panel.viewColumn !== column) {
        // Shown again, or moved to another editor group without a hidden state in between: either way the
        // workbench builds a new frame and the page loads again.
        shown = true;
        column = panel.viewColumn;
        heard = false;
        retries = 0;
        watch();
      }
    }),
    panel.webview.onDidReceiveMessage((raw) => {
      heard = true;
      stopWatching();
      handlers.onMessage(raw);
    }),
    { dispose: stopWatching },
  );
  panel.webview.html = handlers.html(panel.webview);
  watch();
  return disposables;
}
