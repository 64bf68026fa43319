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
//
// Cost: each distinct text is split and its lines interned (one integer id per distinct
// line) once; counting, clustering and alignment then work on integers. The prepared
// texts and their alignments are memoized, bounded, across calls — keyed by sample key
// and checked against the text itself, so results never depend on the memo — which
// makes re-analysing a log after one more exchange cost little more than counting.

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
/** Memo bounds: past either, the memo starts over (results are the same, only slower once). */
const MAX_MEMO_LINES = 2_000_000;
const MAX_MEMO_TEXTS = 50_000;

/** One integer id per distinct line. */
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

/** A distinct text, split and interned. */
interface PreparedText {
  text: string;
  /** Code points, as Python's len() counts them. */
  chars: number;
  /** Its lines as ids, in order. */
  ids: number[];
  /** Its distinct line ids, first-seen order. */
  distinct: number[];
  /** Its distinct non-blank line ids: what family kinship compares. */
  kin: number[];
  /** Membership of `kin` by id, made when the text founds a family. */
  kinMask?: Uint8Array;
  /** The last alignment made for it: against which skeleton, and its slot texts by position. */
  alignment?: { skeleton: string; slots: Map<number, string> };
}

interface Member {
  sample: PromptSample;
  prepared: PreparedText;
}

/** Reusable scratch counters indexed by line id, zeroed again after each use. */
class Scratch {
  counts = new Int32Array(1024);
  stamp = new Int32Array(1024);
  private generation = 0;

  fit(size: number): void {
    if (this.counts.length >= size) return;
    const length = Math.max(size, this.counts.length * 2);
    const counts = new Int32Array(length);
    counts.set(this.counts);
    this.counts = counts;
    const stamp = new Int32Array(length);
    stamp.set(this.stamp);
    this.stamp = stamp;
  }

  nextStamp(): number {
    if (this.generation === 0x7fffffff) {
      this.stamp.fill(0);
      this.generation = 0;
    }
    return ++this.generation;
  }
}

class PromptMemo {
  table = new LineTable();
  texts = new Map<string, PreparedText>();
  readonly scratch = new Scratch();

  /** Starts over when too big; only between analyses, so ids stay consistent within one. */
  trim(): void {
    if (this.table.size > MAX_MEMO_LINES || this.texts.size > MAX_MEMO_TEXTS) {
      this.table = new LineTable();
      this.texts = new Map();
    }
  }

  prepare(sample: PromptSample): PreparedText {
    const known = this.texts.get(sample.key);
    if (known && known.text === sample.text) return known;
    const ids = this.table.idsOf(sample.text);
    this.scratch.fit(this.table.size);
    const stamp = this.scratch.nextStamp();
    const marks = this.scratch.stamp;
    const distinct: number[] = [];
    const kin: number[] = [];
    for (const id of ids) {
      if (marks[id] === stamp) continue;
      marks[id] = stamp;
      distinct.push(id);
      if (!this.table.blank[id]) kin.push(id);
    }
    const prepared: PreparedText = { text: sample.text, chars: codePointLength(sample.text), ids, distinct, kin };
    this.texts.set(sample.key, prepared);
    return prepared;
  }
}

const memo = new PromptMemo();

function membersOf(samples: readonly PromptSample[]): Member[] {
  memo.trim();
  return samples.map((sample) => ({ sample, prepared: memo.prepare(sample) }));
}

/** Lines held by members, each member counted once per line; `counts` is valid until `release`. */
function lineFrequency(members: readonly Member[]): { counts: Int32Array; order: number[]; release: () => void } {
  memo.scratch.fit(memo.table.size);
  const counts = memo.scratch.counts;
  const order: number[] = [];
  for (const member of members) {
    for (const id of member.prepared.distinct) {
      if (counts[id] === 0) order.push(id);
      counts[id]++;
    }
  }
  return {
    counts,
    order,
    release: () => {
      for (const id of order) counts[id] = 0;
    },
  };
}

function skeletonOf(members: readonly Member[]): LineSkeleton {
  const { counts, order, release } = lineFrequency(members);
  let fixedLines = 0;
  const dynamicLines: string[] = [];
  for (const id of order) {
    if (counts[id] === members.length) fixedLines++;
    else dynamicLines.push(memo.table.lines[id]);
  }
  release();
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
  return skeletonOf(membersOf(texts.map((text) => ({ key: `\u0000${text}`, text, requests: 1 }))));
}

/** Most requested first; ties keep their first-seen order (Array.prototype.sort is stable). */
function byUse(members: readonly Member[]): Member[] {
  return [...members].sort((a, b) => b.sample.requests - a.sample.requests);
}

function kinMaskOf(prepared: PreparedText): Uint8Array {
  if (!prepared.kinMask) {
    // Every id in `kin` existed when the text was prepared, so the table's size now covers them.
    const mask = new Uint8Array(memo.table.size);
    for (const id of prepared.kin) mask[id] = 1;
    prepared.kinMask = mask;
  }
  return prepared.kinMask;
}

function cluster(members: readonly Member[], similarity: number): Member[][] {
  const families: { mask: Uint8Array; size: number; members: Member[] }[] = [];
  for (const member of byUse(members)) {
    const kin = member.prepared.kin;
    let best: (typeof families)[number] | undefined;
    let bestScore = -1;
    for (const family of families) {
      const mask = family.mask;
      let shared = 0;
      for (const id of kin) if (mask[id] === 1) shared++;
      const union = kin.length + family.size - shared;
      const score = union === 0 ? 1 : shared / union;
      if (score > bestScore) {
        bestScore = score;
        best = family;
      }
    }
    if (best && bestScore >= similarity) best.members.push(member);
    else families.push({ mask: kinMaskOf(member.prepared), size: kin.length, members: [member] });
  }
  return families.map((family) => family.members);
}

/** Clusters distinct samples into families; returns member lists, the founder first. */
export function clusterFamilies(samples: readonly PromptSample[], similarity = FAMILY_SIMILARITY): PromptSample[][] {
  return cluster(membersOf(samples), similarity).map((members) => members.map((member) => member.sample));
}

export interface PromptAnalysis {
  /** The original's split over all samples together. */
  pooled: LineSkeleton;
  /** Largest (by requests) first. */
  families: PromptFamily[];
}

/** The pooled split and the families of one set of distinct samples. */
export function analyzePrompts(samples: readonly PromptSample[], options: SkeletonOptions = {}): PromptAnalysis {
  const members = membersOf(samples);
  return { pooled: skeletonOf(members), families: familiesOf(members, options) };
}

/** Families with their skeleton and slots, largest (by requests) first. */
export function promptFamilies(samples: readonly PromptSample[], options: SkeletonOptions = {}): PromptFamily[] {
  return familiesOf(membersOf(samples), options);
}

function familiesOf(members: readonly Member[], options: SkeletonOptions): PromptFamily[] {
  const groups = cluster(members, options.similarity ?? FAMILY_SIMILARITY);
  const families = groups.map((group) => analyzeFamily(group, options));
  families.sort((a, b) => b.requests - a.requests || b.samples - a.samples);
  families.forEach((family, index) => (family.id = index + 1));
  return families;
}

/** The first non-blank fixed line (a dynamic first line, like a version header, says little). */
function labelOf(skeleton: readonly string[], text: string): string {
  const first =
    skeleton.find((line) => line.trim() !== '') ?? text.split('\n').find((line) => line.trim() !== '') ?? '';
  const clean = first.replace(/\s+/g, ' ').trim();
  return clean.length <= LABEL_CHARS ? clean : `${clean.slice(0, LABEL_CHARS - 1)}…`;
}

function analyzeFamily(members: readonly Member[], options: SkeletonOptions): PromptFamily {
  const canonical = members[0];
  // The original's counting, within the family.
  const { counts, order, release } = lineFrequency(members);
  let fixedLines = 0;
  for (const id of order) if (counts[id] === members.length) fixedLines++;

  // Skeleton in canonical order, with each fixed line's position in the canonical sample.
  const skeletonIds: number[] = [];
  const skeletonAt: number[] = [];
  canonical.prepared.ids.forEach((id, index) => {
    if (counts[id] === members.length) {
      skeletonIds.push(id);
      skeletonAt.push(index);
    }
  });
  release();
  const skeleton = skeletonIds.map((id) => memo.table.lines[id]);

  const slots = members.length > 1 ? findSlots(members, skeletonIds, skeleton, skeletonAt, options) : [];
  const requests = members.reduce((sum, member) => sum + member.sample.requests, 0);
  return {
    id: 0,
    label: labelOf(members.length > 1 ? skeleton : [], canonical.sample.text),
    canonicalKey: canonical.sample.key,
    sampleKeys: members.map((member) => member.sample.key),
    samples: members.length,
    requests,
    size: requestSizes(members),
    uniqueLines: order.length,
    fixedLines,
    fixedPercent: order.length === 0 ? 0 : (100 * fixedLines) / order.length,
    skeleton,
    slots,
  };
}

/** Size spread over requests, computed per distinct sample (a sample stands for its requests). */
function requestSizes(members: readonly Member[]): Spread {
  return weightedSpread(members.map((member) => ({ value: member.prepared.chars, weight: member.sample.requests })));
}

/** Size spread over requests of a whole set of samples. */
export function sampleSizes(samples: readonly PromptSample[]): Spread {
  return requestSizes(membersOf(samples));
}

/** A sample's slot texts by skeleton position, from a line diff against the skeleton (memoized). */
function alignedSlots(prepared: PreparedText, skeletonIds: number[], skeletonKey: string): Map<number, string> {
  if (prepared.alignment?.skeleton === skeletonKey) return prepared.alignment.slots;
  const slots = new Map<number, string>();
  const changes = diffArrays(skeletonIds, prepared.ids);
  let position = 0;
  let lineInSample = 0;
  for (const change of changes) {
    if (change.removed) {
      position += change.count;
    } else if (change.added) {
      const text = prepared.ids
        .slice(lineInSample, lineInSample + change.count)
        .map((id) => memo.table.lines[id])
        .join('\n');
      lineInSample += change.count;
      const earlier = slots.get(position);
      slots.set(position, earlier === undefined ? text : `${earlier}\n${text}`);
    } else {
      position += change.count;
      lineInSample += change.count;
    }
  }
  prepared.alignment = { skeleton: skeletonKey, slots };
  return slots;
}

function findSlots(
  members: readonly Member[],
  skeletonIds: number[],
  skeleton: readonly string[],
  skeletonAt: readonly number[],
  options: SkeletonOptions,
): PromptSlot[] {
  const skeletonKey = skeletonIds.join(',');
  // position → (member index → that member's lines there)
  const filledAt = new Map<number, Map<number, string>>();
  members.forEach((member, memberIndex) => {
    for (const [position, text] of alignedSlots(member.prepared, skeletonIds, skeletonKey)) {
      let atPosition = filledAt.get(position);
      if (!atPosition) filledAt.set(position, (atPosition = new Map()));
      atPosition.set(memberIndex, text);
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
