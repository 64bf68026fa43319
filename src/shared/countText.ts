// Counts as users read them: "1 exchange", "2 exchanges", "1,024 exchanges". Callers pass the nouns through l10n.t.

const numbers = new Intl.NumberFormat('en-US');

/** `count` with the noun in the right number; `many` for nouns whose plural is not noun + "s". */
export function countOf(count: number, one: string, many = `${one}s`): string {
  return `${numbers.format(count)} ${count === 1 ? one : many}`;
}
