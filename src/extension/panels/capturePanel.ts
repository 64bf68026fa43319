// What the request, timeline and insights panels share: one panel at a time (opening again reveals it; a second panel
// the workbench restores after a reload is dropped), the shared capture watcher held while the panel exists,
// and the page's lifecycle — it is discarded while hidden and says `ready` again when shown.
import type * as vscode from 'vscode';
import type { CaptureChange, CaptureViewDeps, CaptureWatcher } from '../captureWatcher';
import { createWebviewPanel, wireWebviewPanel } from './webviewPage';

export abstract class CapturePanel implements vscode.Disposable {
  protected panel?: vscode.WebviewPanel;
  /** The page said `ready` and has been sent what it shows. */
  protected pageReady = false;
  protected readonly watcher: CaptureWatcher;
  private panelListeners: vscode.Disposable[] = [];
  private hold?: vscode.Disposable;
  private readonly subscription: vscode.Disposable;

  constructor(
    protected readonly context: vscode.ExtensionContext,
    protected readonly deps: CaptureViewDeps,
    private readonly viewType: string,
    private readonly title: string,
  ) {
    this.watcher = deps.watcher;
    this.subscription = this.watcher.onDidChange((change) => void this.capturesChanged(change));
  }

  /** The page's markup (static, ours only). */
  protected abstract html(webview: vscode.Webview): string;
  /** A message from the page, not yet validated. */
  protected abstract receive(raw: unknown): Promise<void>;
  /** New captures, or the folder changed (`change.reset`). */
  protected abstract capturesChanged(change: CaptureChange): Promise<void>;
  /** The page is gone (hidden or closed): forget what it reported drawing. */
  protected abstract pageGone(): void;
  /** A panel is taken over (created or restored); `state` is what its page last saved, unvalidated. */
  protected adopted(_state: unknown): void {}

  protected openPanel(): void {
    if (this.panel) this.panel.reveal(undefined, false);
    else this.adopt(createWebviewPanel(this.viewType, this.title, this.context.extensionUri), undefined);
  }

  /** For the panel serializer: after a window reload the workbench hands back the panel and its page state. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    if (this.panel) {
      panel.dispose();
      return;
    }
    this.adopt(panel, state);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const listener of this.panelListeners.splice(0)) listener.dispose();
    this.hold?.dispose();
    this.subscription.dispose();
  }

  private adopt(panel: vscode.WebviewPanel, state: unknown): void {
    this.panel = panel;
    this.pageReady = false;
    this.adopted(state);
    this.panelListeners = wireWebviewPanel(panel, this.context.extensionUri, {
      html: (webview) => this.html(webview),
      onMessage: (raw) => void this.receive(raw),
      onHidden: () => {
        this.pageReady = false;
        this.pageGone();
      },
      onClosed: () => {
        this.panel = undefined;
        this.pageReady = false;
        this.pageGone();
        this.hold?.dispose();
        this.hold = undefined;
      },
    });
    this.hold ??= this.watcher.hold();
  }
}
