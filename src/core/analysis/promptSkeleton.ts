// Skeleton vs dynamic slots of a prompt, per prompt family.
//
// The original splits lines over all distinct samples of an agent: a line present in
// every sample is fixed, a line present in some is a "dynamic slot". One side request
// with a different prompt (Claude Code's title generation, another model's prompt)
// then makes every line dynamic. Here distinct samples are first clustered into
// families of prompts that share most of their lines, and the split is made per family.
//
// Family rule (deterministic, linear in the number of distinct samples):
//   - Samples are taken most-requested first (ties: first seen). Each sample's key set
//     is its distinct non-blank lines (blank lines are shared by any two prompts and
//     say nothing about kinship).
//   - A sample joins the family whose founder (first sample) it is most similar to, by
//     Jaccard similarity of those sets (|A∩B| / |A∪B|), when that similarity is at least
//     FAMILY_SIMILARITY (0.5); otherwise it founds a new family. Comparing with the
//     founder rather than with every member keeps the cost at samples × families, and
//     the founder is the most-used text, so it is also the family's canonical sample.
// Within a family, `fixed` and `unique` lines are counted exactly as the original does
// (over all lines, blank ones included), so a one-family agent reports its numbers.
//
// Where a slot sits: the skeleton is the canonical sample's fixed lines in their order.
// Each distinct sample is aligned to it with a line diff (Myers, via jsdiff); the lines a
// sample has between skeleton lines i-1 and i are that sample's value of slot i. A slot
// is reported with the nearest non-blank fixed line before and after it, its distinct
// values, and how many samples (and requests) had each; '' means the sample had nothing
// there.

import { diffArrays } from 'diff';
import { codePointLength, type Spread, weightedSpread } from './stats';

export const FAMILY_SIMILARITY = 0.5;

export interface PromptSample {
  /** Identifies the sample, e.g. the hash of its text. */
  key: string;
  text: string;
  /** Requests that sent exactly this text. */
  requests: number;
}

/** The original's split over a set of distinct texts. */
export interface LineSkeleton {
  distinct: number;
  uniqueLines: number;
  fixedLines: number;
  /** 100 × fixed / unique (0 when there are no lines). */
  fixedPercent: number;
  /** Lines present in some but not all samples, in first-seen order. */
  dynamicLines: string[];
}

export interface SlotValue {
  /** The slot's lines joined by '\n'; '' when the sample had nothing there. */
  text: string;
  samples: number;
  requests: number;
}

export interface PromptSlot {
  /** The slot sits just before skeleton[position] (position = skeleton.length: at the end). */
  position: number;
  /** Nearest non-blank fixed line before the slot; null at the start. */
  after: string | null;
  /** Nearest non-blank fixed line after the slot; null at the end. */
  before: string | null;
  /** 1-based line of the canonical sample where the slot's text begins (or would begin). */
  canonicalLine: number;
  /** Part of the prompt the slot is in (see SkeletonOptions.lineSections). */
  section?: string;
  /** Distinct samples with text in the slot. */
  filled: number;
  /** Most samples first. */
  values: SlotValue[];
}

export interface PromptFamily {
  id: number;
  /** The skeleton's first non-blank line (a lone sample's first non-blank line), shortened. */
  label: string;
  canonicalKey: string;
  /** Distinct samples in the family, most requested first. */
  sampleKeys: string[];
  samples: number;
  requests: number;
  /** Characters (code points) per request. */
  size: Spread;
  uniqueLines: number;
  fixedLines: number;
  fixedPercent: number;
  /** The canonical sample's fixed lines, in order. */
  skeleton: string[];
  slots: PromptSlot[];
}

export interface SkeletonOptions {
  /** Jaccard threshold for joining a family (default FAMILY_SIMILARITY). */
  similarity?: number;
  /** The section (part of the prompt) of each line of a sample, by sample key. */
  lineSections?: (key: string) => readonly string[] | undefined;
}

const LABEL_CHARS = 80;

/**
 * Every distinct line of the samples analysed together gets a small integer id once, so
 * counting, set comparisons and the alignment diff work on numbers, and each text is
 * split only once.
 */
class LineTable {
  private readonly ids = new Map<string, number>();
  readonly lines: string[] = [];
  readonly blank: boolean[] = [];

  idsOf(text: string): number[] {
    const parts = text.split('\n');
    const ids = new Array<number>(parts.length);
    for (let index = 0; index < parts.length; index++) {
      const line = parts[index];
      let id = this.ids.get(line);
      if (id === undefined) {
        id = this.lines.length;
        this.ids.set(line, id);
        this.lines.push(line);
        this.blank.push(line.trim() === '');
      }
      ids[index] = id;
    }
    return ids;
  }

  get size(): number {
    return this.lines.length;
  }
}

interface Prepared {
  sample: PromptSample;
  /** The sample's lines as ids, in order. */
  ids: number[];
  /** Its distinct ids, first-seen order. */
  distinct: number[];
}

function prepare(samples: readonly PromptSample[], table: LineTable): Prepared[] {
  // stamp[id] = 1 + index of the last sample that held the line: dedupes without a Set per sample.
  let stamp = new Int32Array(1024);
  return samples.map((sample, index) => {
    const ids = table.idsOf(sample.text);
    if (stamp.length < table.size) {
      const grown = new Int32Array(Math.max(table.size, stamp.length * 2));
      grown.set(stamp);
      stamp = grown;
    }
    const distinct: number[] = [];
    for (const id of ids) {
      if (stamp[id] !== index + 1) {
        stamp[id] = index + 1;
        distinct.push(id);
      }
    }
    return { sample, ids, distinct };
  });
}

/** How many of the members hold each line id (each member counted once per line). */
function lineFrequency(members: readonly Prepared[], size: number): { counts: Int32Array; order: number[] } {
  const counts = new Int32Array(size);
  const order: number[] = [];
  for (const member of members) {
    for (const id of member.distinct) {
      if (counts[id] === 0) order.push(id);
      counts[id]++;
    }
  }
  return { counts, order };
}

function skeletonOf(members: readonly Prepared[], table: LineTable): LineSkeleton {
  const { counts, order } = lineFrequency(members, table.size);
  let fixedLines = 0;
  const dynamicLines: string[] = [];
  for (const id of order) {
    if (counts[id] === members.length) fixedLines++;
    else dynamicLines.push(table.lines[id]);
  }
  return {
    distinct: members.length,
    uniqueLines: order.length,
    fixedLines,
    fixedPercent: order.length === 0 ? 0 : (100 * fixedLines) / order.length,
    dynamicLines,
  };
}

/** The original's rule over distinct texts, unchanged (for the pooled, agent-wide numbers). */
export function lineSkeleton(texts: readonly string[]): LineSkeleton {
  const table = new LineTable();
  const prepared = prepare(
    texts.map((text, index) => ({ key: String(index), text, requests: 1 })),
    table,
  );
  return skeletonOf(prepared, table);
}

/** Jaccard similarity of two sets; two empty sets are identical. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const item of small) if (large.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

interface Founder {
  /** Membership of the founder's non-blank lines, by id. */
  has: Uint8Array;
  size: number;
  members: Prepared[];
}

/** Most requested first; ties keep their first-seen order (Array.prototype.sort is stable). */
function byUse<T extends { sample: PromptSample }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => b.sample.requests - a.sample.requests);
}

function cluster(prepared: readonly Prepared[], table: LineTable, similarity: number): Prepared[][] {
  const families: Founder[] = [];
  for (const item of byUse(prepared)) {
    const kin = item.distinct.filter((id) => !table.blank[id]);
    let best: Founder | undefined;
    let bestScore = -1;
    for (const family of families) {
      let shared = 0;
      for (const id of kin) if (id < family.has.length && family.has[id] === 1) shared++;
      const union = kin.length + family.size - shared;
      const score = union === 0 ? 1 : shared / union;
      if (score > bestScore) {
        bestScore = score;
        best = family;
      }
    }
    if (best && bestScore >= similarity) {
      best.members.push(item);
    } else {
      const has = new Uint8Array(table.size);
      for (const id of kin) has[id] = 1;
      families.push({ has, size: kin.length, members: [item] });
    }
  }
  return families.map((family) => family.members);
}

/** Clusters distinct samples into families; returns member lists, the founder first. */
export function clusterFamilies(samples: readonly PromptSample[], similarity = FAMILY_SIMILARITY): PromptSample[][] {
  const table = new LineTable();
  return cluster(prepare(samples, table), table, similarity).map((members) => members.map((member) => member.sample));
}

export interface PromptAnalysis {
  /** The original's split over all samples together. */
  pooled: LineSkeleton;
  /** Largest (by requests) first. */
  families: PromptFamily[];
}

/** The pooled split and the families of one set of distinct samples, each text split once. */
export function analyzePrompts(samples: readonly PromptSample[], options: SkeletonOptions = {}): PromptAnalysis {
  const table = new LineTable();
  const prepared = prepare(samples, table);
  const groups = cluster(prepared, table, options.similarity ?? FAMILY_SIMILARITY);
  const families = groups.map((members) => analyzeFamily(members, table, options));
  families.sort((a, b) => b.requests - a.requests || b.samples - a.samples);
  families.forEach((family, index) => (family.id = index + 1));
  return { pooled: skeletonOf(prepared, table), families };
}

/** Families with their skeleton and slots, largest (by requests) first. */
export function promptFamilies(samples: readonly PromptSample[], options: SkeletonOptions = {}): PromptFamily[] {
  return analyzePrompts(samples, options).families;
}

/** The first non-blank fixed line (a dynamic first line, like a version header, says little). */
function labelOf(skeleton: readonly string[], text: string): string {
  const first =
    skeleton.find((line) => line.trim() !== '') ?? text.split('\n').find((line) => line.trim() !== '') ?? '';
  const clean = first.replace(/\s+/g, ' ').trim();
  return clean.length <= LABEL_CHARS ? clean : `${clean.slice(0, LABEL_CHARS - 1)}…`;
}

function analyzeFamily(members: readonly Prepared[], table: LineTable, options: SkeletonOptions): PromptFamily {
  const canonical = members[0];
  // The original's counting, within the family.
  const { counts, order } = lineFrequency(members, table.size);
  let fixedLines = 0;
  for (const id of order) if (counts[id] === members.length) fixedLines++;

  // Skeleton in canonical order, with each fixed line's position in the canonical sample.
  const skeletonIds: number[] = [];
  const skeletonAt: number[] = [];
  canonical.ids.forEach((id, index) => {
    if (counts[id] === members.length) {
      skeletonIds.push(id);
      skeletonAt.push(index);
    }
  });
  const skeleton = skeletonIds.map((id) => table.lines[id]);

  const slots = members.length > 1 ? findSlots(members, skeletonIds, skeleton, skeletonAt, table, options) : [];
  const requests = members.reduce((sum, member) => sum + member.sample.requests, 0);
  return {
    id: 0,
    label: labelOf(members.length > 1 ? skeleton : [], canonical.sample.text),
    canonicalKey: canonical.sample.key,
    sampleKeys: members.map((member) => member.sample.key),
    samples: members.length,
    requests,
    size: requestSizes(members.map((member) => member.sample)),
    uniqueLines: order.length,
    fixedLines,
    fixedPercent: order.length === 0 ? 0 : (100 * fixedLines) / order.length,
    skeleton,
    slots,
  };
}

/** Size spread over requests, computed per distinct sample (a sample stands for its requests). */
function requestSizes(samples: readonly PromptSample[]): Spread {
  return weightedSpread(samples.map((sample) => ({ value: codePointLength(sample.text), weight: sample.requests })));
}

function findSlots(
  members: readonly Prepared[],
  skeletonIds: number[],
  skeleton: readonly string[],
  skeletonAt: readonly number[],
  table: LineTable,
  options: SkeletonOptions,
): PromptSlot[] {
  // position → (member index → that member's lines there)
  const filledAt = new Map<number, Map<number, string>>();
  members.forEach((member, memberIndex) => {
    const changes = diffArrays(skeletonIds, member.ids);
    let position = 0;
    let lineInSample = 0;
    for (const change of changes) {
      if (change.removed) {
        position += change.count;
      } else if (change.added) {
        const text = member.ids
          .slice(lineInSample, lineInSample + change.count)
          .map((id) => table.lines[id])
          .join('\n');
        lineInSample += change.count;
        let atPosition = filledAt.get(position);
        if (!atPosition) filledAt.set(position, (atPosition = new Map()));
        const earlier = atPosition.get(memberIndex);
        atPosition.set(memberIndex, earlier === undefined ? text : `${earlier}\n${text}`);
      } else {
        position += change.count;
        lineInSample += change.count;
      }
    }
  });

  const sections = options.lineSections?.(members[0].sample.key);
  const positions = [...filledAt.keys()].sort((a, b) => a - b);
  return positions.map((position) => {
    const byMember = filledAt.get(position) ?? new Map<number, string>();
    const values = new Map<string, SlotValue>();
    members.forEach((member, memberIndex) => {
      const text = byMember.get(memberIndex) ?? '';
      let value = values.get(text);
      if (!value) values.set(text, (value = { text, samples: 0, requests: 0 }));
      value.samples++;
      value.requests += member.sample.requests;
    });
    const canonicalLine = position === 0 ? 1 : skeletonAt[position - 1] + 2;
    const slot: PromptSlot = {
      position,
      after: nearestNonBlank(skeleton, position - 1, -1),
      before: nearestNonBlank(skeleton, position, 1),
      canonicalLine,
      filled: byMember.size,
      values: [...values.values()].sort((a, b) => b.samples - a.samples || b.requests - a.requests),
    };
    if (sections && sections.length > 0) slot.section = sections[Math.min(canonicalLine - 1, sections.length - 1)];
    return slot;
  });
}

function nearestNonBlank(lines: readonly string[], from: number, step: 1 | -1): string | null {
  for (let index = from; index >= 0 && index < lines.length; index += step) {
    if (lines[index].trim() !== '') return lines[index];
  }
  return null;
}
