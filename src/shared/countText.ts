// Counts as users read them: "1 exchange", "2 exchanges", "1,024 exchanges". English only, like the rest of the UI.

const numbers = new Intl.NumberFormat('en-US');

/** `count` with the noun in the right number; `many` for nouns whose plural is not noun + "s". */
export function countOf(count: number, one: string, many = `${one}s`): string {
  return `${numbers.format(count)} ${nounOf(count, one, many)}`;
}

/** The noun alone in the right number, for a count shown some other way (padded, unformatted, rounded). */
export function nounOf(count: number, one: string, many = `${one}s`): string {
  return count === 1 ? one : many;
}

/** A token count as the UI shows it: rounded, grouped, "1 token", "2,048 tokens". */
export function tokensOf(count: number): string {
  return countOf(Math.round(count), 'token');
}
