// What appending to a file costs the kernel on this machine, with fresh memory and with memory just freed. A VM
// that hands free memory back to its host (virtio-balloon free page reporting) pays a host fault for every page it
// takes again after a few idle seconds; a log only grows, so every page the log is written into is one of those.
// Each round appends 30 × 10 MiB to a new file in each directory, then deletes it (its pages are freed, and the
// next round takes them back while they are still warm). The first round shows fresh memory; run it again after a
// pause of a few seconds to see it again.
// usage: node --import tsx bench/pageCacheWrite.ts [dir…]   (default: the temp directory, three rounds)
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WRITES = 30;
const buffer = Buffer.allocUnsafeSlow(10 * 1024 * 1024).fill(0x61);
const dirs = process.argv.length > 2 ? process.argv.slice(2) : [tmpdir(), tmpdir(), tmpdir()];
for (const [round, dir] of dirs.entries()) {
  const path = join(dir, `page-cache-write-${process.pid}-${round}.bin`);
  const fd = openSync(path, 'a');
  const before = process.cpuUsage();
  const started = performance.now();
  for (let write = 0; write < WRITES; write++) writeSync(fd, buffer);
  const used = process.cpuUsage(before);
  const wall = performance.now() - started;
  closeSync(fd);
  unlinkSync(path);
  console.log(
    `round ${round + 1}, ${dir}: per 10 MiB appended: kernel ${(used.system / 1000 / WRITES).toFixed(2)} ms, ` +
      `user ${(used.user / 1000 / WRITES).toFixed(2)} ms, wall ${(wall / WRITES).toFixed(2)} ms`,
  );
}
