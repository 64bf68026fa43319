// Counts as users read them: "1 exchange", "2 exchanges", "1,024 exchanges". `countOf` is English (the CLI, logs);
// UI text goes through `countWith` and whole-phrase templates, since a language may put the number elsewhere or
// use a measure word (zh-TW "12 筆交換").

import * as l10n from '@vscode/l10n';

const numbers = new Intl.NumberFormat('en-US');

/** `count` with the noun in the right number; `many` for nouns whose plural is not noun + "s". */
export function countOf(count: number, one: string, many = `${one}s`): string {
  return `${numbers.format(count)} ${nounOf(count, one, many)}`;
}

/**
 * A localized count: `one` and `many` are whole phrases with the number in them (`(n) => l10n.t('{0} exchange', n)`),
 * so each stays a literal message that `npm run l10n` exports and a translation can reorder.
 */
export function countWith(count: number, one: (shown: string) => string, many: (shown: string) => string): string {
  const shown = numbers.format(count);
  return count === 1 ? one(shown) : many(shown);
}

/** "1 exchange", "12 exchanges", in the UI's language: the count the tree, the timeline and insights all show. */
export function exchangesText(count: number): string {
  return countWith(count, (n) => l10n.t('{0} exchange', n), (n) => l10n.t('{0} exchanges', n));
}

/** The noun alone in the right number, for a count shown some other way (padded, unformatted, rounded). */
export function nounOf(count: number, one: string, many = `${one}s`): string {
  return count === 1 ? one : many;
}

/**
 * A token count as the UI shows it, in the UI's language: rounded, grouped, "1 token", "2,048 tokens" (or `shown` in
 * place of the number, e.g. a count with its 5m / 1h split). @vscode/l10n is configured from vscode.l10n.bundle in the host and from the bundle the
 * page embeds in a webview; with none it is English.
 */
export function tokensOf(count: number, shown = numbers.format(Math.round(count))): string {
  return Math.round(count) === 1 ? l10n.t('{0} token', shown) : l10n.t('{0} tokens', shown);
}
