import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Worker } from 'bullmq';
import { QueueName } from '@gpupool/platform';

/** `running`: fetching and processing jobs; anything else means this process does not process that queue. */
export type WorkerState = 'running' | 'paused' | 'closed' | 'missing';

/**
 * The BullMQ workers of this process, found among its providers (a processor holds its Worker,
 * whether it builds one or extends WorkerHost), so that a new queue's processor is checked without
 * being registered anywhere.
 */
@Injectable()
export class QueueWorkers {
  constructor(private readonly discovery: DiscoveryService) {}

  /** The state of every queue's worker in this process. */
  states(): Record<QueueName, WorkerState> {
    const workers = this.workers();
    const states = {} as Record<QueueName, WorkerState>;
    for (const name of Object.values(QueueName)) {
      const worker = workers.find((w) => w.name === name);
      states[name] = worker ? stateOf(worker) : 'missing';
    }
    return states;
  }

  private workers(): Worker[] {
    return this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is object => typeof instance === 'object' && instance !== null)
      .flatMap((instance) => Object.values(instance).filter((value): value is Worker => value instanceof Worker));
  }
}

function stateOf(worker: Worker): WorkerState {
  if (worker.closing || !worker.isRunning()) return 'closed';
  return worker.isPaused() ? 'paused' : 'running';
}
