// Stands in for src/core/secrets/lineRedactor.ts in the benchmark build without detection
// (bench/buildWithoutDetection.mjs): the same interface, every line written as it came.

import type { RedactMode } from '../src/core/secrets/lineRedactor';

export type { RedactMode } from '../src/core/secrets/lineRedactor';

export class LineRedactor {
  constructor(readonly mode: RedactMode = 'flag') {}

  apply(line: string): string {
    return line;
  }

  applyPieces(pieces: Uint8Array[]): Uint8Array[] {
    return pieces;
  }
}
