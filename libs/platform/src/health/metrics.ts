import { Controller, Get, Header, Module } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, register } from 'prom-client';

collectDefaultMetrics({ prefix: 'gpupool_' });

export const graphqlOperations = new Counter({
  name: 'gpupool_graphql_operations_total',
  help: 'GraphQL operations by type and outcome',
  labelNames: ['operation', 'outcome'] as const,
});

export const graphqlDuration = new Histogram({
  name: 'gpupool_graphql_duration_seconds',
  help: 'GraphQL operation duration',
  labelNames: ['operation'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

export const jobsProcessed = new Counter({
  name: 'gpupool_jobs_total',
  help: 'Jobs processed by queue and outcome',
  labelNames: ['queue', 'outcome'] as const,
});

/** GET /metrics in the Prometheus text format. */
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}

@Module({ controllers: [MetricsController] })
export class MetricsModule {}
