// The CLI built exactly as esbuild.mjs builds dist/cli.js and its workers, except that the recorder's line hook
// detects nothing (bench/noDetectionRedactor.ts stands in for src/core/secrets/lineRedactor.ts where
// captureRecorder.ts imports it). What the relay benchmark measures with it and without it is what detection costs:
//
//   node bench/buildWithoutDetection.mjs            → out/bench/no-detection/cli.js
//   BENCH_PROXY_CLI=out/bench/no-detection/cli.js node --expose-gc --import tsx bench/proxyBench.ts --only=first-event --quick
import { resolve } from 'node:path';
import { build } from 'esbuild';

const stub = resolve('bench/noDetectionRedactor.ts');
const outdir = 'out/bench/no-detection';

await build({
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
  entryPoints: {
    cli: 'src/cli/main.ts',
    relayWorker: 'src/core/capture/relayWorker.ts',
    captureWorker: 'src/core/capture/captureWorker.ts',
    indexWorker: 'src/core/logIndex/indexWorker.ts',
    logSearchWorker: 'src/core/analysis/logSearchWorker.ts',
  },
  outdir,
  banner: { js: '#!/usr/bin/env node' },
  plugins: [
    {
      name: 'no-detection',
      setup(pluginBuild) {
        pluginBuild.onResolve({ filter: /secrets\/lineRedactor$/ }, (args) =>
          args.importer.endsWith('captureRecorder.ts') ? { path: stub } : undefined,
        );
      },
    },
  ],
});
console.log(`${outdir}/cli.js: the CLI without secret detection`);
