import { collectDefaultMetrics, Counter, Histogram } from 'prom-client';

/**
 * Every metric of GPU Pool, on prom-client's default registry (served at `/metrics` by the api,
 * and by whatever serves that registry in the worker). Counters count what this process did;
 * the scraped gauges (`business-metrics.ts`: queue depths, and the domains' own) read Redis and
 * Postgres when scraped, so every process shows the same fleet-wide figures.
 */
collectDefaultMetrics({ prefix: 'gpupool_' });

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const graphqlRequests = new Counter({
  name: 'gpupool_graphql_requests_total',
  help: 'GraphQL operations by root field and outcome code (OK, or the first error code)',
  labelNames: ['operation', 'code'] as const,
});

export const graphqlDuration = new Histogram({
  name: 'gpupool_graphql_request_duration_seconds',
  help: 'GraphQL operation latency by root field and outcome code',
  labelNames: ['operation', 'code'] as const,
  buckets: LATENCY_BUCKETS,
});

export const orderEvents = new Counter({
  name: 'gpupool_order_events_total',
  help: 'Order lifecycle events published: PLACED, PARTIALLY_FILLED, FILLED, CANCELLED, EXPIRED',
  labelNames: ['type'] as const,
});

export const jobDuration = new Histogram({
  name: 'gpupool_job_duration_seconds',
  help: 'Time a job ran in this worker, by queue and outcome (completed, failed)',
  labelNames: ['queue', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
});

export const matchRunDuration = new Histogram({
  name: 'gpupool_match_run_duration_seconds',
  help: 'Duration of one match run of one market (lock wait included)',
  buckets: LATENCY_BUCKETS,
});

export const reportDuration = new Histogram({
  name: 'gpupool_report_duration_seconds',
  help: 'Duration of building one settlement report file',
  labelNames: ['outcome'] as const,
  buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800],
});

export const transactionRetries = new Counter({
  name: 'gpupool_transaction_retries_total',
  help: 'Units of work run again after Postgres aborted them for a lost lock race, by SQLSTATE (40P01 deadlock, 40001, 55P03)',
  labelNames: ['sqlstate'] as const,
});

/** Counts the lifecycle events of orders as they are published (one call per published batch). */
export function countOrderEvents(events: readonly { type: string }[]): void {
  for (const event of events) orderEvents.inc({ type: event.type });
}
