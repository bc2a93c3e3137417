import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryRateLimiter } from '../../server/http/rate-limiter.ts';

test('the memory store: a fixed window per user, the limit, then the seconds to wait, then a fresh window', async () => {
  let now = 1_000_000;
  const limiter = createMemoryRateLimiter({ requests: 3, perSeconds: 60 }, () => now);
  assert.deepEqual(
    [await limiter.take('a'), await limiter.take('a'), await limiter.take('a')],
    [null, null, null],
  );
  assert.equal(await limiter.take('a'), 60, 'over the limit: wait the whole window');
  assert.equal(await limiter.take('b'), null, 'another user has a window of their own');
  now += 45_500;
  assert.equal(await limiter.take('a'), 15, 'the wait shrinks and is rounded up');
  now += 14_500;
  assert.equal(await limiter.take('a'), null, 'a new window');
});
