// Marks the slot placeholder lines of skeleton documents wherever they are visible (a plain editor or a side
// of a diff editor): a background, a gutter mark and an overview-ruler mark, all theme colours. A hover on a
// slot line lists the distinct values the slot took and how often. Captured text goes into the hover as
// text (MarkdownString.appendText escapes it), never as markup.
import * as vscode from 'vscode';
import { slotBreaks } from '../../core/analysis/explain';
import { slotValuesMarkdownLines } from '../../core/analysis/readableRequest';
import { usd } from '../../webview/explainFormat';
import { tokensOf } from '../../shared/countText';
import type { ExplainSource } from '../explainSource';
import { parsePromptUri, PROMPT_SCHEME, type PromptDocumentProvider } from './promptDocuments';

/** What the hidden `agentInterlude.internal.slotDecorations` command returns: decorated lines per visible editor. */
export interface SlotDecorationState {
  uri: string;
  /** Zero-based lines carrying the slot decoration. */
  lines: number[];
}

export class SlotDecorations implements vscode.Disposable {
  private readonly type: vscode.TextEditorDecorationType;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly applied = new Map<vscode.TextEditor, number[]>();

  constructor(
    private readonly provider: PromptDocumentProvider,
    extensionUri: vscode.Uri,
    private readonly explain?: ExplainSource,
  ) {
    this.type = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
      overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.infoForeground'),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
      gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'slot.svg'),
      gutterIconSize: 'contain',
      fontStyle: 'italic',
    });
    this.disposables.push(
      this.type,
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document.uri.scheme === PROMPT_SCHEME) this.refresh();
      }),
      vscode.languages.registerHoverProvider({ scheme: PROMPT_SCHEME }, { provideHover: (document, position) => this.hover(document, position) }),
    );
    this.refresh();
  }

  refresh(): void {
    for (const editor of [...this.applied.keys()]) {
      if (!vscode.window.visibleTextEditors.includes(editor)) this.applied.delete(editor);
    }
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.scheme !== PROMPT_SCHEME) continue;
      const skeleton = this.provider.skeletonOf(editor.document.uri);
      // Only lines that still hold their placeholder (the document may be a version behind the model).
      const lines = (skeleton?.slotLines ?? [])
        .filter((slot) => slot.line < editor.document.lineCount && editor.document.lineAt(slot.line).text.startsWith('⟪slot '))
        .map((slot) => slot.line);
      editor.setDecorations(this.type, lines.map((line) => new vscode.Range(line, 0, line, 0)));
      this.applied.set(editor, lines);
    }
  }

  state(): SlotDecorationState[] {
    this.refresh();
    return [...this.applied].map(([editor, lines]) => ({ uri: editor.document.uri.toString(), lines }));
  }

  private async hover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const slot = this.provider.skeletonOf(document.uri)?.slotLines.find((candidate) => candidate.line === position.line);
    if (!slot || !document.lineAt(position.line).text.startsWith('⟪slot ')) return undefined;
    const markdown = new vscode.MarkdownString();
    markdown.appendMarkdown(
      `${slot.slot.values.length === 1
        ? vscode.l10n.t('**Slot {0}**: {1} distinct value; line {2} of the canonical prompt', slot.number, slot.slot.values.length, slot.slot.canonicalLine)
        : vscode.l10n.t('**Slot {0}**: {1} distinct values; line {2} of the canonical prompt', slot.number, slot.slot.values.length, slot.slot.canonicalLine)}\n\n`,
    );
    for (const line of slotValuesMarkdownLines(slot.slot)) {
      markdown.appendMarkdown('- ');
      markdown.appendText(line);
      markdown.appendMarkdown('\n');
    }
    const breaks = await this.cacheBreaks(document.uri, slot.number - 1);
    if (breaks) markdown.appendMarkdown('\n').appendText(breaks);
    return new vscode.Hover(markdown, document.lineAt(position.line).range);
  }

  /** `Broke the prompt cache 3 times (45,000 tokens missed), cost $0.135`: what changing this slot cost. */
  private async cacheBreaks(uri: vscode.Uri, slot: number): Promise<string | undefined> {
    const ref = parsePromptUri(uri);
    if (!this.explain || ref?.kind !== 'skeleton') return undefined;
    const explained = await this.explain.settled();
    if (!explained.explain) return `Cache breaks at this slot: not known (${explained.error ?? 'no explanation'})`;
    const group = slotBreaks(explained.explain, 'system', ref.agent, ref.family, slot);
    if (!group || group.count === 0) return 'Never broke the prompt cache in these captures.';
    const times = `${group.count} time${group.count === 1 ? '' : 's'}`;
    // The group sums only priced breaks: $0 there means none was priced, not free.
    const cost = group.usd > 0 ? `cost ${usd(group.usd)}` : 'cost unpriced';
    return `Broke the prompt cache ${times} (${tokensOf(group.missed)} missed), ${cost}`;
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
    this.applied.clear();
  }
}
