import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
} from 'rate-limiter-flexible';

/** Where counters live: this process's memory, or a store that several orchestrator replicas share. */
export type LimiterBackend =
  | { kind: 'memory' }
  | { kind: 'redis'; client: Redis }
  | { kind: 'postgres'; pool: Pool; schemaName?: string };

/** A limit: `points` in `durationSec`, optionally blocking for `blockSec` once exceeded. */
export interface LimitSpec {
  keyPrefix: string;
  points: number;
  durationSec: number;
  blockSec?: number;
}

/** Builds rate limiters on one backend (rate-limiter-flexible: atomic counters in memory, Redis or PostgreSQL). */
export type LimiterFactory = (spec: LimitSpec) => Promise<RateLimiterAbstract>;

/** Creates a factory of limiters over `backend`. */
export function createLimiterFactory(backend: LimiterBackend): LimiterFactory {
  return async (spec) => {
    const options = {
      keyPrefix: spec.keyPrefix,
      points: spec.points,
      duration: spec.durationSec,
      blockDuration: spec.blockSec ?? 0,
    };
    switch (backend.kind) {
      case 'memory':
        return new RateLimiterMemory(options);
      // A shared store that fails falls back to this process's own counters: degraded, never down.
      case 'redis':
        return new RateLimiterRedis({
          ...options,
          storeClient: backend.client,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory(options),
        });
      case 'postgres':
        return new Promise((resolve, reject) => {
          const limiter: RateLimiterPostgres = new RateLimiterPostgres(
            {
              ...options,
              storeClient: backend.pool,
              tableName: 'rate_limits',
              schemaName: backend.schemaName,
              clearExpiredByTimeout: false,
              insuranceLimiter: new RateLimiterMemory(options),
            },
            (error?: Error) => (error ? reject(error) : resolve(limiter)),
          );
        });
    }
  };
}
