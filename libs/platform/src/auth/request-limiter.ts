import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DomainError } from '../errors/domain-error';
import { FAIL_FAST_REDIS } from '../queues/fail-fast-redis';
import { ErrorCode } from '../errors/error-code';

/** Over a key's rate or its requests in flight: retry after `retryAfterMs`. */
export class RateLimitedError extends DomainError<ErrorCode> {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(ErrorCode.RATE_LIMITED, message, undefined, { retryAfterMs });
  }
}

/**
 * Fair use per API key:
 * - a rate of `RATE_LIMIT_PER_SECOND` points a second, counted in Redis (rate-limiter-flexible),
 *   so it holds across every api process; a request costs 1, a mutation request 1 per root field;
 *   while Redis is unreachable each process counts alone (an in-memory insurance limiter);
 * - at most `MAX_REQUESTS_IN_FLIGHT` requests of one key running at once in one api process, and
 *   at most `MAX_REQUESTS_QUEUED` more waiting for their turn; the rest are refused.
 * 0 turns the rate or the in-flight bound off.
 */
@Injectable()
export class RequestLimiter implements OnModuleDestroy {
  private readonly redis?: Redis;
  private readonly rate?: RateLimiterRedis;
  private readonly inFlight = new Map<string, { running: number; waiting: (() => void)[] }>();
  private readonly maxInFlight: number;
  private readonly maxQueued: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.maxInFlight = config.MAX_REQUESTS_IN_FLIGHT;
    this.maxQueued = config.MAX_REQUESTS_QUEUED;
    const points = config.RATE_LIMIT_PER_SECOND;
    if (points === 0) return;
    this.redis = new Redis(config.REDIS_URL, FAIL_FAST_REDIS);
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

  /**
   * Waits for one of the key's slots for requests in flight (at most `MAX_REQUESTS_IN_FLIGHT` run,
   * at most `MAX_REQUESTS_QUEUED` wait their turn, in order) and answers the function that frees
   * it; past that, RateLimitedError.
   */
  async enter(key: string): Promise<() => void> {
    if (this.maxInFlight === 0) return () => undefined;
    const slots = this.inFlight.get(key) ?? { running: 0, waiting: [] };
    this.inFlight.set(key, slots);
    if (slots.running >= this.maxInFlight) {
      if (slots.waiting.length >= this.maxQueued) {
        throw new RateLimitedError(
          `This API key already has ${slots.running} requests running and ${slots.waiting.length} waiting, the most allowed; retry when one of them finished`,
          100,
        );
      }
      await new Promise<void>((turn) => slots.waiting.push(turn));
    } else {
      slots.running++;
    }
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = slots.waiting.shift();
      if (next) return next(); // the slot passes to the next in line
      slots.running--;
      if (slots.running === 0) this.inFlight.delete(key);
    };
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }
}
