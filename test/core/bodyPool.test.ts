// The request-body buffer pool: a buffer comes back only for a body it fits closely, and the idle bytes stay bounded.
import assert from 'node:assert/strict';
import { BODY_POOL_IDLE_MS, BodyBufferPool, POOLED_BODY_MIN_BYTES } from '../../src/core/capture/bodyPool';

describe('body buffer pool', () => {
  it('gives back the smallest idle buffer that fits a body closely, once', () => {
    const pool = new BodyBufferPool(8 * 1024 * 1024);
    const large = new ArrayBuffer(2_000_000);
    const medium = new ArrayBuffer(1_000_000);
    pool.give(large);
    pool.give(medium);
    assert.equal(pool.take(900_000), medium, 'the smaller one that fits');
    assert.equal(pool.take(900_000), undefined, 'the large one is too large for 900 KB (it would pin 2 MB)');
    assert.equal(pool.take(1_600_000), large);
    assert.equal(pool.take(1_600_000), undefined, 'each buffer is handed out once');
    assert.equal(pool.reuseCount, 2);
  });

  it('small bodies take fresh buffers; idle bytes never pass the limit, the oldest go first', () => {
    const pool = new BodyBufferPool(3 * 1024 * 1024);
    pool.give(new ArrayBuffer(POOLED_BODY_MIN_BYTES - 1));
    assert.equal(pool.idleByteCount, 0, 'too small to keep');
    assert.equal(pool.take(100), undefined);
    const first = new ArrayBuffer(1024 * 1024);
    pool.give(first);
    pool.give(new ArrayBuffer(1024 * 1024));
    pool.give(new ArrayBuffer(1024 * 1024));
    pool.give(new ArrayBuffer(1024 * 1024));
    assert.equal(pool.idleByteCount, 3 * 1024 * 1024);
    const taken = [pool.take(1024 * 1024), pool.take(1024 * 1024), pool.take(1024 * 1024)];
    assert.ok(!taken.includes(first), 'the oldest was let go');
  });

  it('lets its buffers go after a quiet spell', async () => {
    const pool = new BodyBufferPool();
    pool.give(new ArrayBuffer(1024 * 1024));
    assert.equal(pool.idleByteCount, 1024 * 1024);
    await new Promise((resolveWait) => setTimeout(resolveWait, BODY_POOL_IDLE_MS + 100));
    assert.equal(pool.idleByteCount, 0);
    assert.equal(pool.take(1024 * 1024), undefined);
  });
});
