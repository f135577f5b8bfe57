import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DomainError } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';

/** Over a key's rate or its requests in flight: retry after `retryAfterMs`. */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(ErrorCode.RATE_LIMITED, message, { retryAfterMs });
  }
}

/**
 * Fair use per API key:
 * - a rate of `RATE_LIMIT_PER_SECOND` points a second, counted in Redis (rate-limiter-flexible),
 *   so it holds across every api process; a request costs 1, a mutation request 1 per root field;
 *   while Redis is unreachable each process counts alone (an in-memory insurance limiter);
 * - at most `MAX_REQUESTS_IN_FLIGHT` requests of one key running at once in one api process.
 * 0 turns either off.
 */
@Injectable()
export class RequestLimiter implements OnModuleDestroy {
  private readonly redis?: Redis;
  private readonly rate?: RateLimiterRedis;
  private readonly inFlight = new Map<string, number>();
  private readonly maxInFlight: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.maxInFlight = config.MAX_REQUESTS_IN_FLIGHT;
    const points = config.RATE_LIMIT_PER_SECOND;
    if (points === 0) return;
    this.redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 1000 });
    this.redis.on('error', () => undefined);
    this.rate = new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: `${config.QUEUE_PREFIX}:rate`,
      points,
      duration: 1,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points, duration: 1 }),
    });
  }

  /** Takes `points` from the key's budget of this second, or throws RateLimitedError. */
  async take(key: string, points = 1): Promise<void> {
    if (!this.rate) return;
    try {
      await this.rate.consume(key, points);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterMs = Math.max(1, rejection.msBeforeNext);
      throw new RateLimitedError(
        `Too many requests for this API key (${points > 1 ? `this one counts ${points}; ` : ''}at most ${this.rate.points} a second); retry in ${retryAfterMs} ms`,
        retryAfterMs,
      );
    }
  }

  /** Holds one of the key's slots for requests in flight; call the returned function when done. */
  enter(key: string): () => void {
    if (this.maxInFlight === 0) return () => undefined;
    const held = this.inFlight.get(key) ?? 0;
    if (held >= this.maxInFlight) {
      throw new RateLimitedError(
        `This API key already has ${held} requests running, the most allowed at once; wait for one to finish and retry`,
        100,
      );
    }
    this.inFlight.set(key, held + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const now = (this.inFlight.get(key) ?? 1) - 1;
      if (now === 0) this.inFlight.delete(key);
      else this.inFlight.set(key, now);
    };
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }
}
