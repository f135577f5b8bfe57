import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { QueueName } from '../queues/queue-names';

/** A scrape never waits longer than this for Postgres or Redis; what did not answer is left out. */
const SCRAPE_TIMEOUT_MS = 1000;
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

let queues: Queue[] | undefined;

/** `promise`, or a rejection once a scrape has waited SCRAPE_TIMEOUT_MS for it. */
function bounded<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('metrics source timed out')), SCRAPE_TIMEOUT_MS).unref()),
  ]);
}

export const queueJobs = new Gauge({
  name: 'gpupool_queue_jobs',
  help: 'Jobs per queue and state (waiting, active, delayed, prioritized, failed), read from Redis when scraped',
  labelNames: ['queue', 'state'] as const,
  async collect() {
    this.reset();
    if (!queues) return;
    await Promise.all(
      queues.map(async (queue) => {
        const counts = await bounded(queue.getJobCounts(...QUEUE_STATES)).catch(() => undefined);
        for (const state of QUEUE_STATES) if (counts) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }),
    );
  },
});

/** One sample of a scraped gauge: its labels (none for a gauge without) and value. */
export interface GaugeSample<L extends string> {
  labels?: Record<L, string>;
  value: number;
}

/**
 * A gauge its domain reads when /metrics is scraped, from its own tables: the domain registers the
 * reader from a provider (`readFrom` on init, the returned stop on destroy). A scrape waits at most
 * SCRAPE_TIMEOUT_MS for it; a reader that failed or did not answer leaves the gauge out.
 */
export function scrapedGauge<L extends string = never>(options: { name: string; help: string; labelNames?: readonly L[] }) {
  let read: (() => Promise<GaugeSample<L>[]>) | undefined;
  new Gauge<L>({
    ...options,
    async collect() {
      this.reset();
      const samples = read ? await bounded(read()).catch(() => undefined) : undefined;
      for (const { labels, value } of samples ?? []) {
        if (labels) this.set(labels, value);
        else this.set(value);
      }
    },
  });
  return {
    /** Makes `reader` the gauge's source; returns what takes it back. */
    readFrom(reader: () => Promise<GaugeSample<L>[]>): () => void {
      read = reader;
      return () => {
        if (read === reader) read = undefined;
      };
    },
  };
}

/** Gives the queue-depth gauge its queues: every process that imports MetricsModule shows the same figures. */
@Injectable()
export class BusinessMetrics implements OnModuleInit, OnModuleDestroy {
  private own?: Queue[];

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    this.own = Object.values(QueueName).map((name) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    queues = this.own;
  }

  onModuleDestroy(): void {
    if (queues === this.own) queues = undefined;
  }
}
