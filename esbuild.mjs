// One build script for every bundle. The CLI bundles its dependencies so the
// published package runs without node_modules; later bundles (extension host,
// webviews) are added here too.
import { build } from 'esbuild';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
};

await build({
  ...common,
  // Workers sit next to every bundle that uses them (found through __dirname at run time).
  entryPoints: {
    cli: 'src/cli/main.ts',
    captureWorker: 'src/core/captureWorker.ts',
    indexWorker: 'src/core/indexWorker.ts',
  },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});

if (watch) console.log('esbuild: watch mode is not wired yet; run `npm run build` again');
