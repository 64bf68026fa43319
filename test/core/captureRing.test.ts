// The shared ring between the relay and the recorder: order, wrap-around, fullness.

import assert from 'node:assert/strict';
import { CaptureRing } from '../../src/core/capture/captureRing';

function drain(ring: CaptureRing, until: number): Array<[number, string]> {
  const seen: Array<[number, string]> = [];
  ring.consume(until, (slot, bytes) => seen.push([slot, Buffer.from(bytes).toString()]));
  return seen;
}

describe('capture ring', () => {
  it('delivers segments in order with their slots', () => {
    const ring = CaptureRing.create(1024);
    assert.equal(ring.write(1, Buffer.from('alpha')), true);
    assert.equal(ring.write(2, Buffer.from('beta')), true);
    assert.deepEqual(drain(ring, ring.publish()), [[1, 'alpha'], [2, 'beta']]);
  });

  it('only shows what was published', () => {
    const ring = CaptureRing.create(1024);
    ring.write(1, Buffer.from('one'));
    const until = ring.publish();
    ring.write(1, Buffer.from('two'));
    assert.deepEqual(drain(ring, until), [[1, 'one']]);
    assert.deepEqual(drain(ring, ring.publish()), [[1, 'two']]);
  });

  it('wraps around the end without splitting a segment, many times over', () => {
    const ring = CaptureRing.create(100);
    const expected: string[] = [];
    const seen: string[] = [];
    for (let index = 0; index < 500; index += 1) {
      const text = `segment-${index}-${'x'.repeat(index % 10)}`; // under a quarter of the ring: never split
      assert.equal(ring.write(7, Buffer.from(text)), true, `write ${index}`);
      expected.push(text);
      for (const [, bytes] of drain(ring, ring.publish())) seen.push(bytes);
    }
    assert.deepEqual(seen, expected);
  });

  it('refuses a write when the consumer is a whole ring behind, and recovers after it reads', () => {
    const ring = CaptureRing.create(64);
    let writes = 0;
    while (ring.write(1, Buffer.from('0123456789'))) writes += 1;
    assert.ok(writes >= 2 && writes < 6, `${writes} writes fit`);
    drain(ring, ring.publish());
    assert.equal(ring.write(1, Buffer.from('0123456789')), true);
  });

  it('splits a chunk larger than a quarter of the ring into ordered pieces', () => {
    const ring = CaptureRing.create(64);
    const chunk = Buffer.from('abcdefghijklmnopqrstuvwxyz');
    let collected = '';
    // 26 bytes in pieces of 16: the consumer must drain between writes of this size.
    assert.equal(ring.write(3, chunk.subarray(0, 16)), true);
    collected += drain(ring, ring.publish()).map(([, bytes]) => bytes).join('');
    assert.equal(ring.write(3, chunk.subarray(16)), true);
    collected += drain(ring, ring.publish()).map(([, bytes]) => bytes).join('');
    assert.equal(collected, chunk.toString());
    const big = CaptureRing.create(4096);
    const payload = Buffer.alloc(3000, 'q');
    assert.equal(big.write(9, payload), true);
    const pieces = drain(big, big.publish());
    assert.ok(pieces.length > 1, 'split into pieces');
    assert.equal(pieces.map(([, bytes]) => bytes).join(''), payload.toString());
  });
});
