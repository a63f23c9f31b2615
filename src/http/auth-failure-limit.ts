/**
 * Requests with a missing or wrong API key, counted per client address in Redis (so every API
 * process shares one count). The per-key rate limit cannot see them: authentication refuses them
 * first. Past the limit such requests get 429 instead of 401, so guessing keys or hammering
 * without one is slowed; a valid key from the same address is never counted or refused here.
 */
import type { Redis } from "ioredis";

/** INCR with the window set on the first hit; answers the count and the milliseconds left. */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

export interface AuthFailureLimiter {
  /** Counts one refused request from `address`; `retryAfter` (seconds) is set once over the limit. */
  hit(address: string): Promise<{ limited: false } | { limited: true; retryAfter: number }>;
  /** Whether `address` is over the limit now, without counting (a sign-in asks before it tries). */
  check(address: string): Promise<{ limited: false } | { limited: true; retryAfter: number }>;
  readonly max: number;
  readonly windowSeconds: number;
}

export function createAuthFailureLimiter(opts: {
  redis: Redis;
  prefix: string;
  max: number;
  windowSeconds: number;
}): AuthFailureLimiter {
  const { redis, prefix, max, windowSeconds } = opts;
  return {
    max,
    windowSeconds,
    async hit(address) {
      let count: number;
      let ttlMs: number;
      try {
        [count, ttlMs] = (await redis.eval(
          HIT,
          1,
          `${prefix}:auth-failures:${address}`,
          windowSeconds * 1000,
        )) as [number, number];
      } catch {
        // As the per-key limit does: Redis down must not turn every 401 into a 500.
        return { limited: false };
      }
      if (count <= max) return { limited: false };
      return { limited: true, retryAfter: Math.max(1, Math.ceil(ttlMs / 1000)) };
    },
    async check(address) {
      const key = `${prefix}:auth-failures:${address}`;
      try {
        const [count, ttlMs] = await Promise.all([redis.get(key), redis.pttl(key)]);
        if (Number(count ?? 0) <= max) return { limited: false };
        return { limited: true, retryAfter: Math.max(1, Math.ceil(ttlMs / 1000)) };
      } catch {
        return { limited: false };
      }
    },
  };
}
