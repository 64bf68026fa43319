// Captured text may carry bidi controls (U+202A–202E embeddings/overrides, U+2066–2069 isolates) and zero-width
// characters that make text read differently from what it holds: `gnp\u202Eexe.` shows as `gnpexe.` reversed, i.e.
// a file that looks like `…png` is an `.exe`. Every place that shows captured text (webviews, tree labels, diff
// documents) passes it through `markBidiControls`, which swaps each such character for a visible marker, so the
// shown order is the stored order and nothing is hidden. Webviews also isolate each captured-text element
// (`unicode-bidi: isolate`), so right-to-left words in a capture never reorder the text around them.

/** The characters that change how text around them is ordered or that are invisible, by code point. */
const CONTROL_NAMES: ReadonlyMap<number, string> = new Map([
  [0x061c, 'ALM'],
  [0x200b, 'ZWSP'],
  [0x200c, 'ZWNJ'],
  [0x200d, 'ZWJ'],
  [0x200e, 'LRM'],
  [0x200f, 'RLM'],
  [0x202a, 'LRE'],
  [0x202b, 'RLE'],
  [0x202c, 'PDF'],
  [0x202d, 'LRO'],
  [0x202e, 'RLO'],
  [0x2060, 'WJ'],
  [0x2066, 'LRI'],
  [0x2067, 'RLI'],
  [0x2068, 'FSI'],
  [0x2069, 'PDI'],
  [0xfeff, 'ZWNBSP'],
]);

const CONTROLS = /[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;

/** The visible stand-in for one control, e.g. `⟨U+202E RLO⟩`. */
export function bidiMarker(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return `⟨U+${code.toString(16).toUpperCase().padStart(4, '0')} ${CONTROL_NAMES.get(code) ?? '?'}⟩`;
}

/** True when `text` holds a character `markBidiControls` would mark. */
export function hasBidiControls(text: string): boolean {
  CONTROLS.lastIndex = 0;
  const found = CONTROLS.test(text);
  CONTROLS.lastIndex = 0;
  return found;
}

/** `text` with every bidi control and zero-width character replaced by its visible marker. */
export function markBidiControls(text: string): string {
  return hasBidiControls(text) ? text.replace(CONTROLS, bidiMarker) : text;
}
