import { Controller, Get, Header, Module } from '@nestjs/common';
import { register } from 'prom-client';
import { BusinessMetrics } from './business-metrics';

/** GET /metrics in the Prometheus text format (prom-client's default registry). */
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}

/** Feeds the scrape-time gauges from this process's Postgres and Redis; for a process that serves the registry itself (the worker). */
@Module({ providers: [BusinessMetrics] })
export class BusinessMetricsModule {}

/** The api's `/metrics`, with the scrape-time gauges fed. */
@Module({ imports: [BusinessMetricsModule], controllers: [MetricsController] })
export class MetricsModule {}
