// What secretlint (its recommended preset, the maintained rule set the detector is cross-checked against)
// costs on one request line of a Claude Code-shaped body, next to our detector on the same text. This is why
// the recorder runs its own anchored patterns and uses secretlint as the corpus test's reference, not at runtime.
//
//   npx tsx bench/secretlintCompare.ts
import { claudeCodeBody } from './agentBodies';
import { findSecrets } from '../src/core/secrets/secretScanner';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  // secretlint ships as ES modules only.
  const { lintSource } = await import('@secretlint/core');
  const { creator: recommended } = await import('@secretlint/secretlint-rule-preset-recommend');
  for (const bytes of [40_000, 250_000, 1_000_000]) {
    const text = claudeCodeBody(bytes).toString('utf8');
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      let start = performance.now();
      findSecrets(text);
      ours.push(performance.now() - start);
      start = performance.now();
      await lintSource({
        source: { content: text, filePath: '/request.json', contentType: 'text' },
        options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] } },
      });
      theirs.push(performance.now() - start);
    }
    console.log(`${(bytes / 1000).toFixed(0)} kB: secretlint preset-recommend ${median(theirs).toFixed(1)} ms, ours (one full pass, no segment cache) ${median(ours).toFixed(1)} ms`);
  }
}

void main();
