// The trees of the latest request bodies the recorder spliced, kept so the next turn of the same conversation is
// validated only where it changed (jsonScan.ts EarlierScan). An agent resends the whole conversation every turn:
// the new body is the one before it with the last message changed (the cache breakpoint moves) and a tool round
// added, so nearly every message, the system prompt and the tools are values the earlier tree already proved,
// and their digests say so at a third of the scan's cost.
//
// Only trees and digests are kept (spans, sha256s: a few hundred bytes per message), never a body's bytes: the
// capture budget still gets every body back once its line is written.

import { type EarlierScan, type SpanNode } from '../jsonScan';

/** Trees kept at most (one per conversation in flight; each lookup probes them newest first). */
const MAX_KEPT = 32;
/**
 * Digested values kept at most over all trees (each a span and a 44-character digest, with its own entries: a few
 * hundred bytes), so bodies of very many small messages cannot make the kept trees large: about 64 000 messages,
 * some 20 MB at worst. The oldest trees go first.
 */
const MAX_KEPT_VALUES = 64_000;

/** How many values of `root` carry a digest (what keeping its tree costs). */
function digestedValues(root: SpanNode): number {
  let count = 0;
  for (const value of root.entries?.values() ?? []) {
    if (value.digest !== undefined) count += 1;
    for (const item of value.items ?? []) if (item.digest !== undefined) count += 1;
    for (const entry of value.entries?.values() ?? []) if (entry.digest !== undefined) count += 1;
  }
  return count;
}

/**
 * The values that tell which kept tree a new body continues: the first and the second-to-last item of the kept
 * body's first list (its messages, or Codex's input items; what comes before it is a few settings). In the next
 * turn both are the same bytes at the same place: only the last message changes and new ones come after it.
 */
function probes(root: SpanNode): SpanNode[] {
  let first: SpanNode[] | undefined;
  let firstStart = Infinity;
  for (const value of root.entries?.values() ?? []) {
    if (value.items && value.items.length > 0 && value.start < firstStart) {
      first = value.items;
      firstStart = value.start;
    }
  }
  if (!first) return [];
  const chosen = [first[0] as SpanNode];
  if (first.length >= 2) chosen.push(first[first.length - 2] as SpanNode);
  return chosen.filter((item) => item.digest !== undefined);
}

interface KeptScan {
  root: SpanNode;
  probes: SpanNode[];
  values: number;
}

export class EarlierScans {
  /** Oldest first. */
  private readonly kept: KeptScan[] = [];
  private keptValues = 0;

  /**
   * The kept tree `body` continues, newest first: the one whose probe values are the same bytes at the same place
   * in `body` (`sameBytes` compares a digest with that span of it).
   */
  closest(body: Buffer, sameBytes: (body: Buffer, span: SpanNode) => boolean): EarlierScan | undefined {
    for (let index = this.kept.length - 1; index >= 0; index -= 1) {
      const kept = this.kept[index] as KeptScan;
      if (kept.probes.length === 0 || !kept.probes.every((probe) => sameBytes(body, probe))) continue;
      return { root: kept.root };
    }
    return undefined;
  }

  /** Keeps `root` (from scanCanonical with digests) for the turns after it; the tree it continued is let go. */
  keep(root: SpanNode, continued?: EarlierScan): void {
    if (continued) {
      const at = this.kept.findIndex((kept) => kept.root === continued.root);
      if (at >= 0) this.drop(at);
    }
    const found = probes(root);
    const values = digestedValues(root);
    if (found.length === 0 || values > MAX_KEPT_VALUES) return;
    this.kept.push({ root, probes: found, values });
    this.keptValues += values;
    while (this.kept.length > MAX_KEPT || this.keptValues > MAX_KEPT_VALUES) this.drop(0);
  }

  private drop(at: number): void {
    const [dropped] = this.kept.splice(at, 1);
    if (dropped) this.keptValues -= dropped.values;
  }

  get valueCount(): number {
    return this.keptValues;
  }

  get count(): number {
    return this.kept.length;
  }
}
