// Finds user-facing text that does not go through the l10n bundle, with the TypeScript compiler API.
// Host code (src/extension): message boxes (showInformationMessage / showWarningMessage / showErrorMessage, their
// buttons too), progress titles, quick picks and input boxes, tree items, Markdown tooltips, the status bar, panel
// titles, and every `label` / `description` / `detail` / `title` / `placeHolder` / `tooltip` written as a literal.
// Webview code (src/webview): textContent, title, placeholder and aria-label, append()ed text and each page's
// `el(tag, …, text)` helper. A string is text when it has a letter once codicons (`$(copy)`) are taken out; text
// inside `vscode.l10n.t(…)` / `l10n.t(…)` is in the bundle.
import { readFileSync } from 'node:fs';
import ts from 'typescript';

export interface Finding {
  file: string;
  line: number;
  text: string;
  where: string;
}

const MESSAGE_CALLS = new Set(['showInformationMessage', 'showWarningMessage', 'showErrorMessage', 'setStatusBarMessage']);
const OPTION_CALLS = new Set(['showQuickPick', 'showInputBox', 'withProgress', 'createQuickPick']);
const TEXT_CALLS = new Set(['appendText', 'appendMarkdown', 'createTextNode', 'append', 'prepend', 'replaceChildren']);
const TEXT_PROPERTIES = new Set(['label', 'description', 'detail', 'title', 'placeHolder', 'prompt', 'tooltip', 'text', 'message']);
const HOST_ASSIGNED = new Set(['text', 'tooltip', 'name', 'description', 'label', 'title', 'message']);
const PAGE_ASSIGNED = new Set(['textContent', 'innerText', 'title', 'placeholder', 'ariaLabel', 'alt']);
const PAGE_ATTRIBUTES = new Set(['title', 'aria-label', 'placeholder', 'alt']);

/** Names a translation must keep as they are: products, formats, wire-protocol names. */
export const UNTRANSLATED = new Set(['Claude Code', 'HAR 1.2', 'OpenTelemetry (OTLP/JSON)']);

function isText(value: string): boolean {
  if (UNTRANSLATED.has(value)) return false;
  // Codicons (`$(copy)`) and wire names (`tool_result`, `tool_call`) are not words to translate.
  return /\p{L}/u.test(value.replace(/\$\([\w~-]+\)/g, '').replace(/\b[a-z]+(?:_[a-z]+)+\b/g, ''));
}

/** String methods whose arguments are patterns and separators, not text shown. */
const STRING_METHODS = new Set(['replace', 'replaceAll', 'split', 'join', 'slice', 'padStart', 'padEnd', 'startsWith', 'endsWith', 'includes', 'indexOf', 'toFixed']);

function isL10nCall(node: ts.Node): boolean {
  if (!ts.isCallExpression(node)) return false;
  const callee = node.expression;
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 't'
    && ((ts.isIdentifier(callee.expression) && callee.expression.text === 'l10n')
      || (ts.isPropertyAccessExpression(callee.expression) && callee.expression.name.text === 'l10n'));
}

function calleeName(node: ts.CallExpression | ts.NewExpression): string | undefined {
  const callee = node.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

export function auditFile(file: string, kind: 'host' | 'page'): Finding[] {
  return auditSource(file, readFileSync(file, 'utf8'), kind);
}

/**
 * Text left in a page's static markup (webviewPageHtml's `body`), its literal parts in order: words between tags,
 * or a literal title / aria-label / placeholder. `inTag` carries over a tag that a `${…}` interrupts.
 */
function markupTexts(literals: readonly string[]): Array<string | undefined> {
  let inTag = false;
  return literals.map((literal) => {
    const attribute = /\b(?:title|aria-label|placeholder|alt)="([^"]*)"/.exec(literal);
    if (attribute && isText(attribute[1])) return attribute[1];
    let outside = '';
    for (const char of literal) {
      if (char === '<') inTag = true;
      else if (char === '>') {
        inTag = false;
        outside += '\n';
      } else if (!inTag) outside += char;
    }
    return outside.split('\n').map((part) => part.trim()).find((part) => isText(part));
  });
}

export function auditSource(file: string, text: string, kind: 'host' | 'page'): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const findings: Finding[] = [];
  const seen = new Set<ts.Node>();
  const report = (node: ts.Node, text: string, where: string) => {
    if (seen.has(node)) return;
    seen.add(node);
    findings.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text, where });
  };

  // Every literal in an expression that reaches the user, except what l10n.t wraps and object properties that are
  // not text (ids, commands, formats).
  const scan = (node: ts.Node | undefined, where: string): void => {
    if (!node || isL10nCall(node)) return;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      if (isText(node.text)) report(node, node.text, where);
      return;
    }
    if (ts.isTemplateExpression(node)) {
      const literal = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join('…');
      if (isText(literal)) report(node, literal, where);
      for (const span of node.templateSpans) scan(span.expression, where);
      return;
    }
    if (ts.isObjectLiteralExpression(node)) {
      for (const property of node.properties) {
        if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.name) && TEXT_PROPERTIES.has(property.name.text)) {
          scan(property.initializer, `${where} ${property.name.text}`);
        } else if (ts.isSpreadAssignment(property)) scan(property.expression, where);
      }
      return;
    }
    if (ts.isCallExpression(node)) {
      // A helper's result is as much text as its arguments (countOf(n, 'exchange')); a method's receiver too.
      if (ts.isPropertyAccessExpression(node.expression)) scan(node.expression.expression, where);
      if (ts.isPropertyAccessExpression(node.expression) && STRING_METHODS.has(node.expression.name.text)) return;
      for (const argument of node.arguments) if (!ts.isRegularExpressionLiteral(argument)) scan(argument, where);
      return;
    }
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node) || ts.isIdentifier(node)) return;
    if (ts.isFunctionLike(node)) {
      const body = (node as ts.ArrowFunction).body;
      if (body) scan(body, where);
      return;
    }
    if (ts.isBlock(node)) {
      node.forEachChild((child) => {
        if (ts.isReturnStatement(child)) scan(child.expression, where);
      });
      return;
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind !== ts.SyntaxKind.PlusToken
      && node.operatorToken.kind !== ts.SyntaxKind.QuestionQuestionToken && node.operatorToken.kind !== ts.SyntaxKind.BarBarToken
      && node.operatorToken.kind !== ts.SyntaxKind.AmpersandAmpersandToken) return;
    if (ts.isConditionalExpression(node)) {
      scan(node.whenTrue, where);
      scan(node.whenFalse, where);
      return;
    }
    node.forEachChild((child) => scan(child, where));
  };

  // The page's `el(tag, …, text)` helper: which argument is the text.
  let elTextIndex: number | undefined;
  source.forEachChild((node) => {
    if (ts.isFunctionDeclaration(node) && node.name?.text === 'el') {
      const index = node.parameters.findIndex((parameter) => ts.isIdentifier(parameter.name) && parameter.name.text === 'text');
      if (index >= 0) elTextIndex = index;
    }
  });

  const visit = (node: ts.Node): void => {
    if (isL10nCall(node)) return;
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const name = calleeName(node);
      const args = node.arguments ?? ts.factory.createNodeArray();
      if (kind === 'host') {
        if (name && MESSAGE_CALLS.has(name)) for (const argument of args) scan(argument, name);
        if (name && OPTION_CALLS.has(name)) for (const argument of args) if (!ts.isFunctionLike(argument)) scan(argument, name);
        if (name === 'appendText' || name === 'appendMarkdown') scan(args[0], name);
        if (ts.isNewExpression(node) && (name === 'TreeItem' || name === 'MarkdownString')) scan(args[0], `new ${name}`);
        if (name === 'createWebviewPanel') scan(args[1], name);
        if (name === 'webviewPageHtml') {
          const spec = args[2];
          const body = spec && ts.isObjectLiteralExpression(spec)
            ? spec.properties.find((property) => ts.isPropertyAssignment(property) && ts.isIdentifier(property.name) && property.name.text === 'body')
            : undefined;
          const markup = body && ts.isPropertyAssignment(body) ? body.initializer : undefined;
          const literals = !markup ? [] : ts.isTemplateExpression(markup)
            ? [markup.head, ...markup.templateSpans.map((span) => span.literal)]
            : ts.isNoSubstitutionTemplateLiteral(markup) || ts.isStringLiteral(markup) ? [markup] : [];
          markupTexts(literals.map((literal) => literal.text)).forEach((found, at) => {
            if (found) report(literals[at], found, 'page markup');
          });
        }
      } else {
        if (name && TEXT_CALLS.has(name)) for (const argument of args) if (!ts.isCallExpression(argument) || isL10nCall(argument)) scan(argument, name);
        if (name === 'setAttribute' && args[0] && ts.isStringLiteral(args[0]) && PAGE_ATTRIBUTES.has(args[0].text)) scan(args[1], `setAttribute ${args[0].text}`);
        if (name === 'el' && elTextIndex !== undefined) scan(args[elTextIndex], 'el text');
      }
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left)) {
      const property = node.left.name.text;
      if ((kind === 'host' ? HOST_ASSIGNED : PAGE_ASSIGNED).has(property)) scan(node.right, `.${property} =`);
    }
    if (kind === 'host' && ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && TEXT_PROPERTIES.has(node.name.text)
      && node.name.text !== 'text' && node.name.text !== 'message') {
      scan(node.initializer, `${node.name.text}:`);
    }
    node.forEachChild(visit);
  };
  visit(source);
  return findings;
}
