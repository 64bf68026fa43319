// One build script for every bundle. The CLI bundles its dependencies so the
// published package runs without node_modules; the extension host bundle too
// (only `vscode` stays external: the host provides it).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const watch = process.argv.includes('--watch');
// `--production` (npm run package): minified bundles without source maps, and no test bundles.
const production = process.argv.includes('--production');
// The package holds what is in dist/: start it clean (no source maps or stale bundles of a development build).
if (production) rmSync('dist', { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

await Promise.all([
  build({
    ...common,
    // Workers sit next to every bundle that uses them (found through __dirname at run time).
    entryPoints: {
      cli: 'src/cli/main.ts',
      relayWorker: 'src/core/capture/relayWorker.ts',
      captureWorker: 'src/core/capture/captureWorker.ts',
      indexWorker: 'src/core/logIndex/indexWorker.ts',
      logSearchWorker: 'src/core/analysis/logSearchWorker.ts',
    },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({
    ...common,
    // Same outdir as the workers above: dist/extension.js finds dist/relayWorker.js (which finds
    // dist/captureWorker.js) through __dirname.
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    external: ['vscode'],
  }),
  build({
    ...common,
    // The panels' pages: run in the webview, import only shared types (src/webview/protocol.ts, timelineProtocol.ts, insightsProtocol.ts).
    entryPoints: { request: 'src/webview/request/main.ts', timeline: 'src/webview/timeline/main.ts', insights: 'src/webview/insights/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  }),
  // The timeline benchmark's extension-host half (npm run bench:timeline). Not shipped.
  ...(production
    ? []
    : [build({ ...common, entryPoints: { index: 'bench/timelineHost.ts' }, outdir: 'out/bench/timeline', external: ['vscode'] })]),
  // The mocha suites that run inside a real extension host (scripts/runExtensionTests.mjs). Not shipped.
  ...(production ? [] : ['extension', 'extension-untrusted']).map((suite) =>
    build({
      ...common,
      entryPoints: { index: `test/${suite}/index.ts` },
      outdir: `out/test/${suite}`,
      // mocha is loaded from node_modules at run time (its reporters are required by name).
      external: ['vscode', 'mocha'],
    }),
  ),
]);

if (watch) console.log('esbuild: watch mode is not wired yet; run `npm run build` again');
