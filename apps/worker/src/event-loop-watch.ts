import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gpupool/platform';

const TICK_MS = 250;
/** How long a block is remembered: three probes at a 10 s period see it. */
export const BLOCK_MEMORY_MS = 30_000;

/**
 * Watches this process's event loop. BullMQ renews job locks from timers; a loop blocked for about
 * the lock duration lets the locks expire, and the jobs are taken as stalled and run elsewhere. A
 * block of half the lock duration (WORKER_LOCK_DURATION_MS) therefore counts as stuck, and is
 * reported for BLOCK_MEMORY_MS after it ended, so a probe that came too late still sees it.
 */
@Injectable()
export class EventLoopWatch implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly limitMs: number;
  private timer?: NodeJS.Timeout;
  private last = 0;
  private blockedAt = Number.NEGATIVE_INFINITY;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limitMs = config.WORKER_LOCK_DURATION_MS / 2;
  }

  /** From the end of the boot on: loading and wiring the app is not a block that matters. */
  onApplicationBootstrap(): void {
    this.last = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** `blocked` while a block longer than the limit ended less than BLOCK_MEMORY_MS ago. */
  state(): 'ok' | 'blocked' {
    if (this.timer) this.tick();
    return performance.now() - this.blockedAt < BLOCK_MEMORY_MS ? 'blocked' : 'ok';
  }

  private tick(): void {
    const now = performance.now();
    if (now - this.last - TICK_MS > this.limitMs) this.blockedAt = now;
    this.last = now;
  }
}
