// The byte-level prefilter for spliced record lines. CaptureLog.writeLine holds a request line as pieces (views of
// the body's bytes; the `extract` pieces are views inside the `request` body). Before handing the decoded text to
// the line hook it finds, in one pass over each distinct piece's bytes, every place a secret could start — the
// same anchors as ANCHOR_PATTERN in secretScanner.ts, in any casing — and offers them here, tied to the exact text
// it decoded. SecretScanner.scan takes them instead of running its own pass over the whole line, and scans only
// windows around them. A line that is not ASCII gets no hint (the scanner's own pass then finds the anchors).

import { isAscii } from 'node:buffer';

/** Anchors, lower case (letters compared case-insensitively, as ANCHOR_PATTERN's `i` flag does). */
export const ANCHORS = [
  'sk-', 'akia', 'asia', 'abia', 'acca', 'aiza', 'ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'xox', '_live_', '_test_',
  'npm_', '-----begin', 'eyj', '://', 'earer ', 'key', 'secret', 'token', 'passw', 'passp', 'pwd', 'credential',
];
const LONGEST_ANCHOR = Math.max(...ANCHORS.map((anchor) => anchor.length));

const fold = (byte: number): number => (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte);

/** Anchors by their first two (folded) bytes. */
const BY_BIGRAM = new Map<number, Uint8Array[]>();
const BIGRAM = new Uint8Array(65536);
for (const anchor of ANCHORS) {
  const bytes = Buffer.from(anchor, 'latin1');
  const key = (bytes[0] << 8) | bytes[1];
  BY_BIGRAM.set(key, [...(BY_BIGRAM.get(key) ?? []), bytes]);
  const variants = (byte: number) => (byte >= 0x61 && byte <= 0x7a ? [byte, byte & ~0x20] : [byte]);
  for (const first of variants(bytes[0])) for (const second of variants(bytes[1])) BIGRAM[(first << 8) | second] = 1;
}

/** One anchor found: where it starts, and its first letter and length (enough for windowAfter()). */
export interface AnchorHit {
  at: number;
  anchor: string;
}

/** Anchors starting in bytes[from, to) (reading on past `to` to finish one), offsets relative to `base`. */
function findAnchors(bytes: Uint8Array, from: number, to: number, base: number, into: AnchorHit[]): void {
  let previous = from < to ? bytes[from] : 0;
  for (let at = from + 1; at <= to; at += 1) {
    const current = at < bytes.length ? bytes[at] : 0;
    if (BIGRAM[(previous << 8) | current] === 1) {
      const start = at - 1;
      for (const anchor of BY_BIGRAM.get((fold(previous) << 8) | fold(current)) ?? []) {
        if (start + anchor.length > bytes.length) continue;
        let same = true;
        for (let index = 2; index < anchor.length && same; index += 1) same = fold(bytes[start + index]) === anchor[index];
        if (same) {
          into.push({ at: base + start, anchor: Buffer.from(anchor).toString('latin1') });
          break;
        }
      }
    }
    previous = current;
  }
}

interface Scanned {
  piece: Uint8Array;
  offset: number;
  hits: AnchorHit[];
}

/**
 * The anchors of the line the pieces make, in order, as offsets into its text; undefined when a piece is not
 * ASCII (byte offsets would not be text offsets). A piece lying inside one already scanned (the `extract`'s views
 * of the body) is not read again: it takes the anchors of that range. Anchors across a seam between pieces are
 * looked for in the seam's few bytes.
 */
/**
 * Whether `view` lies inside `outer`'s bytes (a spliced line's extract pieces are views of its request body):
 * what was learnt of `outer` then serves `view` without reading it again.
 */
export function isViewInside(view: Uint8Array, outer: Uint8Array): boolean {
  return (
    outer.buffer === view.buffer &&
    outer.byteOffset <= view.byteOffset &&
    view.byteOffset + view.byteLength <= outer.byteOffset + outer.byteLength
  );
}

export function lineAnchors(pieces: Uint8Array[]): AnchorHit[] | undefined {
  const hits: AnchorHit[] = [];
  const scanned: Scanned[] = [];
  let offset = 0;
  for (const piece of pieces) {
    if (!isAscii(piece)) return undefined;
    const parent = scanned.find((seen) => isViewInside(piece, seen.piece));
    if (parent) {
      const from = piece.byteOffset - parent.piece.byteOffset;
      const to = from + piece.byteLength;
      for (const hit of parent.hits) {
        const at = hit.at - parent.offset;
        if (at >= from && at + hit.anchor.length <= to) hits.push({ at: offset + at - from, anchor: hit.anchor });
      }
    } else {
      const own: AnchorHit[] = [];
      findAnchors(piece, 0, piece.length, 0, own);
      const inside = own.filter((hit) => hit.at + hit.anchor.length <= piece.length);
      if (piece.byteLength >= 4096) scanned.push({ piece, offset: 0, hits: inside });
      for (const hit of inside) hits.push({ at: offset + hit.at, anchor: hit.anchor });
    }
    offset += piece.byteLength;
  }
  // Seams: anchors that start in one piece and end in a later one.
  let seamAt = 0;
  for (let index = 0; index + 1 < pieces.length; index += 1) {
    seamAt += pieces[index].byteLength;
    const before = Math.max(0, seamAt - (LONGEST_ANCHOR - 1));
    const seam = new Uint8Array(Math.min(offset, seamAt + LONGEST_ANCHOR - 1) - before);
    let pieceStart = 0;
    for (const piece of pieces) {
      const pieceEnd = pieceStart + piece.byteLength;
      const from = Math.max(before, pieceStart);
      const to = Math.min(before + seam.length, pieceEnd);
      if (from < to) {
        seam.set(piece.subarray(from - pieceStart, to - pieceStart), from - before);
      }
      pieceStart = pieceEnd;
    }
    const found: AnchorHit[] = [];
    findAnchors(seam, 0, seam.length, before, found);
    for (const hit of found) if (hit.at < seamAt && hit.at + hit.anchor.length > seamAt) hits.push(hit);
  }
  return hits.sort((a, b) => a.at - b.at);
}

let offered: { text: string; hits: AnchorHit[] } | undefined;

/** CaptureLog: the anchors of `text`, the line it is about to hand to its hook. */
export function offerAnchors(text: string, hits: AnchorHit[]): void {
  offered = { text, hits };
}

/** SecretScanner: the anchors offered for exactly this text, if any (taken once). */
export function takeAnchors(text: string): AnchorHit[] | undefined {
  const hint = offered;
  if (!hint) return undefined;
  if (hint.text.length !== text.length || hint.text !== text) return undefined;
  offered = undefined;
  return hint.hits;
}
