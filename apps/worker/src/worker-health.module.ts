import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HealthService } from '@gpupool/platform';
import { EventLoopWatch } from './event-loop-watch';
import { QueueWorkers } from './queue-workers';
import { WorkerHttpServer } from './worker-http.server';

/** The worker's health and metrics port (see WorkerHttpServer). */
@Module({
  imports: [DiscoveryModule],
  providers: [HealthService, QueueWorkers, EventLoopWatch, WorkerHttpServer],
  exports: [WorkerHttpServer],
})
export class WorkerHealthModule {}
