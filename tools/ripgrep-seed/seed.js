// code-server's nested @vscode/ripgrep@1.15.11 downloads `rg` from GitHub in its postinstall, which these
// machines cannot reach. Its postinstall first looks for the release tarball in a cache under the OS temp dir,
// so we put one there holding the system's rg (Debian package `ripgrep`). Under `npm ci` this preinstall of a
// local tarball dependency runs before that postinstall; a root preinstall or a folder dependency does not.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, copyFileSync, chmodSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const RIPGREP_PACKAGE_VERSION = '1.15.11';
const ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

function findRg() {
  for (const dir of (process.env.PATH || '').split(':').concat('/usr/bin')) {
    const candidate = join(dir, 'rg');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

const cacheDir = join(tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
const target = join(cacheDir, ASSET);
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`ripgrep-seed: ${process.platform}-${process.arch} downloads its own rg; nothing to seed`);
} else if (existsSync(target)) {
  console.log(`ripgrep-seed: ${target} already there`);
} else {
  const rg = findRg();
  if (!rg) {
    console.warn('ripgrep-seed: no rg on PATH (apt-get install ripgrep); @vscode/ripgrep will try GitHub instead');
  } else {
    const staging = mkdtempSync(join(tmpdir(), 'ripgrep-seed-'));
    try {
      copyFileSync(rg, join(staging, 'rg'));
      chmodSync(join(staging, 'rg'), 0o755);
      mkdirSync(cacheDir, { recursive: true });
      execFileSync('tar', ['-czf', target, '-C', staging, 'rg']);
      console.log(`ripgrep-seed: seeded ${target} with ${rg}`);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
}
