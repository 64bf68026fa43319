// The byte-level prefilter for record lines held as pieces (views of a body's bytes; a spliced line's `extract`
// pieces are views inside its `request` body). In one pass over each distinct piece's bytes it finds every place a
// secret could start — the same anchors as ANCHOR_PATTERN in secretScanner.ts, in any casing — so that
// SecretScanner.scanPieces decodes and scans only windows around them, never the whole line. Anchors are ASCII and
// every byte of a multi-byte UTF-8 character is >= 0x80, so a byte offset found here is exactly where the text
// anchor starts in the line's bytes, ASCII or not.

import { isAscii } from 'node:buffer';

/** Anchors, lower case (letters compared case-insensitively, as ANCHOR_PATTERN's `i` flag does). */
export const ANCHORS = [
  'sk-', 'akia', 'asia', 'abia', 'acca', 'aiza', 'ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'xox', '_live_', '_test_',
  'npm_', '-----begin', 'eyj', '://', 'earer ', 'key', 'secret', 'token', 'passw', 'passp', 'pwd', 'credential',
];
const LONGEST_ANCHOR = Math.max(...ANCHORS.map((anchor) => anchor.length));

const fold = (byte: number): number => (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte);

interface Anchor {
  text: string;
  bytes: Uint8Array;
}

/** Anchors by their first two (folded) bytes. Filled once, read only. */
const BY_BIGRAM = new Map<number, Anchor[]>();
/**
 * Every casing of a byte pair: bit 1 when it is the first two bytes of an anchor, bit 2 when it is the second and
 * third. Every anchor is at least 3 bytes long, so wherever one starts, one of those two pairs starts at an even
 * offset: findAnchors() reads pairs at even offsets only, half the lookups of reading every pair.
 */
const PAIRS = new Uint8Array(65536);
const casings = (byte: number) => (byte >= 0x61 && byte <= 0x7a ? [byte, byte & ~0x20] : [byte]);
for (const text of ANCHORS) {
  const bytes = Buffer.from(text, 'latin1');
  const key = (bytes[0] << 8) | bytes[1];
  BY_BIGRAM.set(key, [...(BY_BIGRAM.get(key) ?? []), { text, bytes }]);
  for (const first of casings(bytes[0])) for (const second of casings(bytes[1])) PAIRS[(first << 8) | second] |= 1;
  for (const second of casings(bytes[1])) for (const third of casings(bytes[2])) PAIRS[(second << 8) | third] |= 2;
}

/** One anchor found: where it starts, and which (enough for the scanner's window around it). */
export interface AnchorHit {
  at: number;
  anchor: string;
}

/** The anchor starting at bytes[start], if one does. */
function anchorAt(bytes: Uint8Array, start: number): Anchor | undefined {
  const candidates = BY_BIGRAM.get((fold(bytes[start]) << 8) | fold(bytes[start + 1]));
  if (!candidates) return undefined;
  for (const anchor of candidates) {
    if (start + anchor.bytes.length > bytes.length) continue;
    let same = true;
    for (let index = 2; index < anchor.bytes.length && same; index += 1) same = fold(bytes[start + index]) === anchor.bytes[index];
    if (same) return anchor;
  }
  return undefined;
}

/** Anchors lying wholly inside `bytes`, in order, offsets relative to `base`. */
function findAnchors(bytes: Uint8Array, base: number, into: AnchorHit[]): void {
  const last = bytes.length - 1;
  for (let at = 0; at < last; at += 2) {
    const pair = PAIRS[(bytes[at] << 8) | bytes[at + 1]];
    if (pair === 0) continue;
    if (pair & 2 && at > 0) {
      const anchor = anchorAt(bytes, at - 1);
      if (anchor) into.push({ at: base + at - 1, anchor: anchor.text });
    }
    if (pair & 1) {
      const anchor = anchorAt(bytes, at);
      if (anchor) into.push({ at: base + at, anchor: anchor.text });
    }
  }
}

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

/** Pieces at least this long are remembered, so that later views inside them are not read again. */
const REMEMBERED_PIECE = 4096;

interface ReadPiece {
  piece: Uint8Array;
  hits: AnchorHit[];
  ascii: boolean;
}

/**
 * The line the pieces make, read as one run of bytes without joining them: its length, a byte or a range at any
 * offset (a view when the range lies in one piece, a copy only when it crosses a seam), and its anchors.
 */
export class PieceLine {
  /** starts[i]: the line offset of pieces[i]'s first byte. */
  private readonly starts: number[] = [];
  private readonly buffers: Array<Buffer | undefined> = [];
  readonly length: number;

  constructor(readonly pieces: readonly Uint8Array[]) {
    let offset = 0;
    for (const piece of pieces) {
      this.starts.push(offset);
      offset += piece.byteLength;
    }
    this.length = offset;
  }

  /** The index of the piece holding line offset `at` (0 <= at < length). */
  private pieceAt(at: number): number {
    let low = 0;
    let high = this.pieces.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle] <= at) low = middle;
      else high = middle - 1;
    }
    // Skip empty pieces that share the offset.
    while (low + 1 < this.pieces.length && this.starts[low + 1] <= at) low += 1;
    return low;
  }

  /** The byte at line offset `at`, or -1 past either end. */
  byteAt(at: number): number {
    if (at < 0 || at >= this.length) return -1;
    const index = this.pieceAt(at);
    return this.pieces[index][at - this.starts[index]];
  }

  /** Bytes [start, end) of the line: a view when they lie in one piece. */
  bytes(start: number, end: number): Uint8Array {
    if (start >= end) return new Uint8Array(0);
    const first = this.pieceAt(start);
    const firstEnd = this.starts[first] + this.pieces[first].byteLength;
    if (end <= firstEnd) return this.pieces[first].subarray(start - this.starts[first], end - this.starts[first]);
    // Its own memory (never the shared pool): a copy is never mistaken for a view of the line's pieces.
    const out = new Uint8Array(end - start);
    let written = 0;
    for (let index = first; index < this.pieces.length && written < out.length; index += 1) {
      const from = Math.max(start, this.starts[index]) - this.starts[index];
      const to = Math.min(end, this.starts[index] + this.pieces[index].byteLength) - this.starts[index];
      if (from < to) {
        out.set(this.pieces[index].subarray(from, to), written);
        written += to - from;
      }
    }
    return out;
  }

  /** The views of the pieces that make bytes [start, end) of the line, in order (nothing copied). */
  views(start: number, end: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (start >= end) return out;
    for (let index = this.pieceAt(start); index < this.pieces.length && this.starts[index] < end; index += 1) {
      const from = Math.max(start, this.starts[index]) - this.starts[index];
      const to = Math.min(end, this.starts[index] + this.pieces[index].byteLength) - this.starts[index];
      if (from < to) out.push(this.pieces[index].subarray(from, to));
    }
    return out;
  }

  /** Piece `index` as a Buffer (for its native indexOf), made once: a line is searched many times. */
  private searchable(index: number): Buffer {
    let buffer = this.buffers[index];
    if (!buffer) {
      const piece = this.pieces[index];
      buffer = this.buffers[index] = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    }
    return buffer;
  }

  /** Where `pattern` next occurs at or after `from` (it may cross seams), or -1. */
  find(pattern: Uint8Array, from: number): number {
    if (from >= this.length) return -1;
    for (let index = this.pieceAt(from); index < this.pieces.length; index += 1) {
      const piece = this.pieces[index];
      const base = this.starts[index];
      const local = Math.max(0, from - base);
      const inside = this.searchable(index).indexOf(pattern, local);
      if (inside >= 0) return base + inside;
      // One running on into the next pieces starts in this one's last pattern.length - 1 bytes.
      for (let at = Math.max(local, piece.byteLength - pattern.length + 1); at < piece.byteLength; at += 1) {
        let same = true;
        for (let offset = 0; offset < pattern.length && same; offset += 1) same = this.byteAt(base + at + offset) === pattern[offset];
        if (same) return base + at;
      }
    }
    return -1;
  }

  /** The first offset at or after `at` whose byte is not marked in `table` (or the line's length). */
  skipWhile(at: number, table: Uint8Array): number {
    if (at >= this.length) return this.length;
    for (let index = this.pieceAt(at); index < this.pieces.length; index += 1) {
      const piece = this.pieces[index];
      let inside = Math.max(0, at - this.starts[index]);
      while (inside < piece.byteLength && table[piece[inside]] === 1) inside += 1;
      if (inside < piece.byteLength) return this.starts[index] + inside;
    }
    return this.length;
  }

  /**
   * The anchors of the line, in order, as byte offsets, and whether every byte is ASCII (then byte offsets are
   * also text offsets). A piece lying inside a large one already read (the `extract`'s views of the body) is not
   * read again: it takes the anchors of that range. Anchors across a seam are looked for in the seam's few bytes.
   */
  anchors(): { hits: AnchorHit[]; ascii: boolean } {
    const hits: AnchorHit[] = [];
    const read: ReadPiece[] = [];
    let ascii = true;
    this.pieces.forEach((piece, index) => {
      const offset = this.starts[index];
      const parent = read.find((seen) => isViewInside(piece, seen.piece));
      if (parent) {
        ascii &&= parent.ascii;
        const from = piece.byteOffset - parent.piece.byteOffset;
        const to = from + piece.byteLength;
        for (const hit of parent.hits) {
          if (hit.at >= from && hit.at + hit.anchor.length <= to) hits.push({ at: offset + hit.at - from, anchor: hit.anchor });
        }
        return;
      }
      const pieceAscii = isAscii(piece);
      ascii &&= pieceAscii;
      const own: AnchorHit[] = [];
      findAnchors(piece, 0, own);
      if (piece.byteLength >= REMEMBERED_PIECE) read.push({ piece, hits: own, ascii: pieceAscii });
      for (const hit of own) hits.push({ at: offset + hit.at, anchor: hit.anchor });
    });
    // Seams: anchors that start in one piece and end in a later one.
    for (let index = 1; index < this.pieces.length; index += 1) {
      const seamAt = this.starts[index];
      if (this.pieces[index].byteLength === 0) continue;
      const before = Math.max(0, seamAt - (LONGEST_ANCHOR - 1));
      const found: AnchorHit[] = [];
      findAnchors(this.bytes(before, Math.min(this.length, seamAt + LONGEST_ANCHOR - 1)), before, found);
      for (const hit of found) if (hit.at < seamAt && hit.at + hit.anchor.length > seamAt) hits.push(hit);
    }
    return { hits: hits.sort((a, b) => a.at - b.at), ascii };
  }
}

/** The anchors of the line the pieces make (see PieceLine.anchors). */
export function lineAnchors(pieces: readonly Uint8Array[]): AnchorHit[] {
  return new PieceLine(pieces).anchors().hits;
}
