import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { QueueName, QueueWorker } from '@gpupool/platform';

/** `running`: fetching and processing jobs; anything else means this process does not process that queue. */
export type WorkerState = 'running' | 'paused' | 'closed' | 'missing';

/**
 * The queue workers of this process, found among its providers (every processor is a
 * QueueWorker), so that a new queue's processor is checked without being registered anywhere.
 */
@Injectable()
export class QueueWorkers {
  constructor(private readonly discovery: DiscoveryService) {}

  /** The state of every queue's worker in this process. */
  states(): Record<QueueName, WorkerState> {
    const running = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is QueueWorker<unknown> => instance instanceof QueueWorker)
      .map((worker) => worker.state());
    const states = {} as Record<QueueName, WorkerState>;
    for (const name of Object.values(QueueName)) states[name] = running.find((w) => w.queue === name)?.state ?? 'missing';
    return states;
  }
}
