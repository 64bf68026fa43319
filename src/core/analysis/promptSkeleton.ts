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

/** The original's rule over distinct texts, unchanged (for the pooled, agent-wide numbers). */
export function lineSkeleton(texts: readonly string[]): LineSkeleton {
  const frequency = new Map<string, number>();
  for (const text of texts) {
    for (const line of new Set(text.split('\n'))) frequency.set(line, (frequency.get(line) ?? 0) + 1);
  }
  let fixedLines = 0;
  const dynamicLines: string[] = [];
  for (const [line, count] of frequency) {
    if (count === texts.length) fixedLines++;
    else dynamicLines.push(line);
  }
  const uniqueLines = frequency.size;
  return {
    distinct: texts.length,
    uniqueLines,
    fixedLines,
    fixedPercent: uniqueLines === 0 ? 0 : (100 * fixedLines) / uniqueLines,
    dynamicLines,
  };
}

/** Jaccard similarity of two sets; two empty sets are identical. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const item of small) if (large.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

function kinshipLines(text: string): Set<string> {
  const lines = new Set<string>();
  for (const line of text.split('\n')) if (line.trim() !== '') lines.add(line);
  return lines;
}

interface Member {
  sample: PromptSample;
  lines: string[];
}

/** Most requested first; ties keep their first-seen order (Array.prototype.sort is stable). */
function byUse(samples: readonly PromptSample[]): PromptSample[] {
  return [...samples].sort((a, b) => b.requests - a.requests);
}

/** Clusters distinct samples into families; returns member lists, the founder first. */
export function clusterFamilies(samples: readonly PromptSample[], similarity = FAMILY_SIMILARITY): PromptSample[][] {
  const families: { founder: Set<string>; members: PromptSample[] }[] = [];
  for (const sample of byUse(samples)) {
    const lines = kinshipLines(sample.text);
    let best: (typeof families)[number] | undefined;
    let bestScore = -1;
    for (const family of families) {
      const score = jaccard(lines, family.founder);
      if (score > bestScore) {
        bestScore = score;
        best = family;
      }
    }
    if (best && bestScore >= similarity) best.members.push(sample);
    else families.push({ founder: lines, members: [sample] });
  }
  return families.map((family) => family.members);
}

/** Families with their skeleton and slots, largest (by requests) first. */
export function promptFamilies(samples: readonly PromptSample[], options: SkeletonOptions = {}): PromptFamily[] {
  const groups = clusterFamilies(samples, options.similarity ?? FAMILY_SIMILARITY);
  const families = groups.map((members) => analyzeFamily(members, options));
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

function analyzeFamily(samples: readonly PromptSample[], options: SkeletonOptions): PromptFamily {
  const members: Member[] = samples.map((sample) => ({ sample, lines: sample.text.split('\n') }));
  const canonical = members[0];

  // The original's counting, within the family.
  const frequency = new Map<string, number>();
  for (const member of members) {
    for (const line of new Set(member.lines)) frequency.set(line, (frequency.get(line) ?? 0) + 1);
  }
  const isFixed = (line: string) => frequency.get(line) === members.length;
  let fixedLines = 0;
  for (const count of frequency.values()) if (count === members.length) fixedLines++;

  // Skeleton in canonical order, with each fixed line's position in the canonical sample.
  const skeleton: string[] = [];
  const skeletonAt: number[] = [];
  canonical.lines.forEach((line, index) => {
    if (isFixed(line)) {
      skeleton.push(line);
      skeletonAt.push(index);
    }
  });

  const slots = members.length > 1 ? findSlots(members, skeleton, skeletonAt, options) : [];
  const requests = members.reduce((sum, member) => sum + member.sample.requests, 0);
  return {
    id: 0,
    label: labelOf(members.length > 1 ? skeleton : [], canonical.sample.text),
    canonicalKey: canonical.sample.key,
    sampleKeys: members.map((member) => member.sample.key),
    samples: members.length,
    requests,
    size: requestSizes(samples),
    uniqueLines: frequency.size,
    fixedLines,
    fixedPercent: frequency.size === 0 ? 0 : (100 * fixedLines) / frequency.size,
    skeleton,
    slots,
  };
}

/** Size spread over requests, computed per distinct sample (a sample stands for its requests). */
function requestSizes(samples: readonly PromptSample[]): Spread {
  return weightedSpread(samples.map((sample) => ({ value: codePointLength(sample.text), weight: sample.requests })));
}

function findSlots(
  members: readonly Member[],
  skeleton: readonly string[],
  skeletonAt: readonly number[],
  options: SkeletonOptions,
): PromptSlot[] {
  // Diff over small integers: one id per distinct line of the family.
  const ids = new Map<string, number>();
  const idOf = (line: string) => {
    let id = ids.get(line);
    if (id === undefined) {
      id = ids.size;
      ids.set(line, id);
    }
    return id;
  };
  const skeletonIds = skeleton.map(idOf);

  // position → (sample index → that sample's lines there)
  const filledAt = new Map<number, Map<number, string>>();
  members.forEach((member, memberIndex) => {
    const changes = diffArrays(skeletonIds, member.lines.map(idOf));
    let position = 0;
    let lineInSample = 0;
    for (const change of changes) {
      if (change.removed) {
        position += change.count;
      } else if (change.added) {
        const text = member.lines.slice(lineInSample, lineInSample + change.count).join('\n');
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
