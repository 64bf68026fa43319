// Small numeric helpers shared by the analyses. The original tool is Python: its medians
// average the two middle values and its reports round half to even, so ours do too
// (the numbers must agree on the same log).

/** Python's statistics.median: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  // A typed array sorts numerically, natively: much faster than a comparator on thousands of values.
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Python's `f"{x:.0f}"`: round half to even. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { min: 0, median: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, median: median(values), max };
}

/**
 * Spread of values that stand for many requests each (a distinct text and how many
 * requests sent it): the same figures as over the expanded list, without expanding it.
 */
export function weightedSpread(entries: readonly { value: number; weight: number }[]): Spread {
  const used = entries.filter((entry) => entry.weight > 0).sort((a, b) => a.value - b.value);
  const total = used.reduce((sum, entry) => sum + entry.weight, 0);
  if (total === 0) return { min: 0, median: 0, max: 0 };
  const at = (rank: number) => {
    let seen = 0;
    for (const entry of used) {
      seen += entry.weight;
      if (rank < seen) return entry.value;
    }
    return used[used.length - 1].value;
  };
  const middle = total >> 1;
  const mid = total % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
  return { min: used[0].value, median: mid, max: used[used.length - 1].value };
}

/** Python's len() of a str: code points, so a surrogate pair counts once. */
export function codePointLength(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/** Counts merged into a plain object (JSON-able), keys in first-seen order. */
export function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const key in from) into[key] = (into[key] ?? 0) + from[key];
}

export function increment(into: Record<string, number>, key: string, by = 1): void {
  into[key] = (into[key] ?? 0) + by;
}

const DAY_MS = 86_400_000;
let isoDay = Number.NaN;
let isoDayPrefix = '';

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/**
 * `new Date(ms).toISOString()`, several times faster for the many timestamps of one log
 * (which mostly share a day): the date part is formatted once per day.
 */
export function isoTime(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  // Years 0..9999 format as YYYY-MM-DD; anything else takes the general path.
  if (!Number.isFinite(ms) || ms < -62_167_219_200_000 || ms >= 253_402_300_800_000) return new Date(ms).toISOString();
  if (day !== isoDay) {
    isoDay = day;
    isoDayPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = Math.floor(ms) - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${isoDayPrefix}${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}Z`;
}

/**
 * Counts of values (message counts, tool counts, blocks per request): the same min, median and max as `spread`
 * over the list they stand for, kept as values are added, computed over the distinct values only.
 */
export class Histogram {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private sorted: Float64Array | undefined;

  add(value: number): void {
    const count = this.counts.get(value);
    if (count === undefined) {
      this.counts.set(value, 1);
      this.sorted = undefined;
    } else this.counts.set(value, count + 1);
    this.total++;
  }

  get size(): number {
    return this.total;
  }

  /** Python's statistics.median of the list, as `median`. */
  median(): number {
    if (this.total === 0) return 0;
    const values = (this.sorted ??= Float64Array.from(this.counts.keys()).sort());
    const at = (rank: number): number => {
      let seen = 0;
      for (const value of values) {
        seen += this.counts.get(value) as number;
        if (rank < seen) return value;
      }
      return values[values.length - 1] as number;
    };
    const middle = this.total >> 1;
    return this.total % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
  }

  spread(): Spread {
    if (this.total === 0) return { min: 0, median: 0, max: 0 };
    const values = (this.sorted ??= Float64Array.from(this.counts.keys()).sort());
    return { min: values[0] as number, median: this.median(), max: values[values.length - 1] as number };
  }

  /** Another histogram's values added to this one's. */
  merge(other: Histogram): void {
    for (const [value, count] of other.counts) {
      const mine = this.counts.get(value);
      if (mine === undefined) this.sorted = undefined;
      this.counts.set(value, (mine ?? 0) + count);
    }
    this.total += other.total;
  }
}
