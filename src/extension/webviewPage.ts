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
}

export function webviewPageHtml(webview: vscode.Webview, extensionUri: vscode.Uri, spec: WebviewPageSpec): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${spec.page}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', `${spec.page}.css`));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>${spec.title}</title>
</head>
<body>
${spec.body}
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

/**
 * Takes over a new or restored panel: options, icon, listeners, then the page (listeners first, so the
 * page's `ready` cannot be missed). Returns the listeners, for the owner to dispose with the panel.
 */
export function wireWebviewPanel(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, handlers: PanelHandlers): vscode.Disposable[] {
  panel.webview.options = { enableScripts: true, localResourceRoots: webviewResourceRoots(extensionUri) };
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'interlude.svg');
  const disposables: vscode.Disposable[] = [];
  disposables.push(
    panel.onDidDispose(() => {
      for (const disposable of disposables.splice(0)) disposable.dispose();
      handlers.onClosed();
    }),
    panel.onDidChangeViewState(() => {
      if (!panel.visible) handlers.onHidden();
    }),
    panel.webview.onDidReceiveMessage(handlers.onMessage),
  );
  panel.webview.html = handlers.html(panel.webview);
  return disposables;
}
