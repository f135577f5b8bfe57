import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { QueueName } from '../queues/queue-names';

/** A scrape never waits longer than this for Postgres or Redis; what did not answer is left out. */
const SCRAPE_TIMEOUT_MS = 1000;
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

interface Sources {
  dataSource: DataSource;
  queues: Queue[];
}
let sources: Sources | undefined;

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
    if (!sources) return;
    await Promise.all(
      sources.queues.map(async (queue) => {
        const counts = await bounded(queue.getJobCounts(...QUEUE_STATES)).catch(() => undefined);
        for (const state of QUEUE_STATES) if (counts) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }),
    );
  },
});

export const settlementLag = new Gauge({
  name: 'gpupool_settlement_lag_seconds',
  help: 'Age of the oldest fill not settled yet (0 when none waits), read from Postgres when scraped',
  async collect() {
    this.reset();
    if (!sources) return;
    const rows: { lag: string | null }[] | undefined = await bounded(
      sources.dataSource.query(
        `SELECT extract(epoch FROM now() - f.executed_at)::float8 AS lag FROM fill f
          WHERE NOT EXISTS (SELECT 1 FROM settlement s WHERE s.fill_id = f.id) ORDER BY f.executed_at LIMIT 1`,
      ),
    ).catch(() => undefined);
    if (rows) this.set(rows[0]?.lag == null ? 0 : Math.max(0, Number(rows[0].lag)));
  },
});

export const unitsSold = new Gauge({
  name: 'gpupool_market_units_sold',
  help: 'Units sold so far per market (committed units; only ever grows), read from Postgres when scraped',
  labelNames: ['sku', 'region'] as const,
  async collect() {
    this.reset();
    if (!sources) return;
    const rows: { sku: string; region: string; units: string }[] | undefined = await bounded(
      sources.dataSource.query(
        'SELECT s.code AS sku, r.code AS region, m.committed_units AS units FROM market m JOIN sku s ON s.id = m.sku_id JOIN region r ON r.id = m.region_id',
      ),
    ).catch(() => undefined);
    for (const row of rows ?? []) this.set({ sku: row.sku, region: row.region }, Number(row.units));
  },
});

/**
 * Gives the scrape-time gauges (queue depths, settlement lag, units sold) their Postgres and
 * Redis: every process that imports MetricsModule shows the same fleet-wide figures.
 */
@Injectable()
export class BusinessMetrics implements OnModuleInit, OnModuleDestroy {
  private own?: Sources;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const queues = Object.values(QueueName).map((name) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    this.own = { dataSource: this.dataSource, queues };
    sources = this.own;
  }

  onModuleDestroy(): void {
    if (sources === this.own) sources = undefined;
  }
}
