// `npm run package` builds the .vsix users install: it must hold only the bundles, media, README, CHANGELOG,
// LICENSE and package.json (plus vsce's own manifest files), and stay small.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const vsix = join(root, 'agent-interlude.vsix');
const MAX_BYTES = 3 * 1024 * 1024;

/** Entry names of a zip file, read with Debian's `unzip -Z1`. */
function zipEntries(file: string): string[] {
  const listing = spawnSync('unzip', ['-Z1', file], { encoding: 'utf8' });
  assert.equal(listing.status, 0, `unzip -Z1 failed: ${listing.stderr}`);
  return listing.stdout.split('\n').filter((line) => line.length > 0);
}

describe('packaging (npm run package)', function () {
  this.timeout(180_000);

  after(() => {
    // npm run package leaves minified bundles without source maps in dist/: put the development build back.
    const rebuilt = spawnSync(process.execPath, [join(root, 'esbuild.mjs')], { cwd: root, encoding: 'utf8' });
    assert.equal(rebuilt.status, 0, `esbuild failed: ${rebuilt.stdout}${rebuilt.stderr}`);
  });

  it('builds agent-interlude.vsix with only the bundles, media, README, CHANGELOG, LICENSE and package.json', () => {
    rmSync(vsix, { force: true });
    // Start from a development build (source maps in dist/), as after npm test: none of it may ship.
    const dev = spawnSync(process.execPath, [join(root, 'esbuild.mjs')], { cwd: root, encoding: 'utf8' });
    assert.equal(dev.status, 0, `esbuild failed: ${dev.stdout}${dev.stderr}`);
    const packaged = spawnSync('npm', ['run', 'package'], { cwd: root, encoding: 'utf8', timeout: 170_000 });
    assert.equal(packaged.status, 0, `npm run package failed:\n${packaged.stdout}\n${packaged.stderr}`);
    assert.ok(existsSync(vsix), 'agent-interlude.vsix was written');

    const entries = zipEntries(vsix).sort();
    const allowed = [
      /^\[Content_Types\]\.xml$/,
      /^extension\.vsixmanifest$/,
      /^extension\/package\.json$/,
      /^extension\/readme\.md$/i,
      /^extension\/changelog\.md$/i,
      /^extension\/LICENSE(\.txt)?$/i,
      /^extension\/dist\/(webview\/)?[\w.-]+\.js$/,
      /^extension\/media\/[\w.-]+$/,
      /^extension\/media\/walkthrough\/[\w.-]+\.md$/,
      /^extension\/package\.nls(\.[\w-]+)?\.json$/,
      /^extension\/l10n\/bundle\.l10n(\.[\w-]+)?\.json$/,
    ];
    const unexpected = entries.filter((entry) => !entry.endsWith('/') && !allowed.some((pattern) => pattern.test(entry)));
    assert.deepEqual(unexpected, [], `unexpected files in the .vsix:\n${unexpected.join('\n')}`);
    for (const required of [
      'extension/package.json',
      'extension/readme.md',
      'extension/changelog.md',
      'extension/LICENSE.txt',
      'extension/dist/extension.js',
      'extension/dist/relayWorker.js',
      'extension/dist/captureWorker.js',
      'extension/dist/indexWorker.js',
      'extension/dist/logSearchWorker.js',
      'extension/dist/webview/request.js',
      'extension/media/interlude.svg',
      'extension/media/request.css',
      'extension/media/walkthrough/start.md',
      'extension/package.nls.json',
      'extension/package.nls.zh-tw.json',
      'extension/l10n/bundle.l10n.json',
      'extension/l10n/bundle.l10n.zh-tw.json',
    ]) {
      assert.ok(entries.includes(required), `${required} is in the .vsix (entries: ${entries.join(', ')})`);
    }
    assert.ok(!entries.some((entry) => entry.endsWith('.map')), 'no source maps');

    // What the Marketplace shows: the icon (a 128×128 PNG, read from its IHDR chunk), the links and the listing.
    const icon = spawnSync('unzip', ['-p', vsix, 'extension/media/icon.png']).stdout;
    assert.equal(icon.subarray(1, 4).toString('latin1'), 'PNG', 'extension/media/icon.png is a PNG');
    assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128], 'the icon is 128×128');
    const manifest = JSON.parse(spawnSync('unzip', ['-p', vsix, 'extension/package.json'], { encoding: 'utf8' }).stdout);
    assert.equal(manifest.icon, 'media/icon.png');
    assert.equal(manifest.repository.url, 'https://github.com/agent-interlude/agent-interlude.git');
    assert.equal(manifest.bugs.url, 'https://github.com/agent-interlude/agent-interlude/issues');
    assert.match(manifest.homepage, /^https:\/\/github\.com\/agent-interlude\/agent-interlude/);
    assert.match(manifest.galleryBanner.color, /^#[0-9a-f]{6}$/i);
    assert.ok(manifest.keywords.includes('claude code') && manifest.keywords.includes('codex'), 'keywords name both agents');
    assert.ok(manifest.categories.length > 1, 'categories beyond Other');
    assert.deepEqual(manifest.extensionKind, ['workspace'], 'the listeners run where the agent runs');
    const vsixManifest = spawnSync('unzip', ['-p', vsix, 'extension.vsixmanifest'], { encoding: 'utf8' }).stdout;
    assert.match(vsixManifest, /Microsoft\.VisualStudio\.Services\.Icons\.Default" Path="extension\/media\/icon\.png"/);

    const bytes = statSync(vsix).size;
    assert.ok(bytes < MAX_BYTES, `the .vsix is ${bytes} bytes (limit ${MAX_BYTES})`);
    console.log(`      agent-interlude.vsix: ${(bytes / 1024).toFixed(1)} KB, ${entries.length} entries`);
  });
});
