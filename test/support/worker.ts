import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerHttpServer } from '../../apps/worker/src/worker-http.server';
import { WorkerModule } from '../../apps/worker/src/worker.module';

/** A worker app in this process, on the environment a test stack set, and its health port's URL. */
export interface TestWorker {
  app: INestApplicationContext;
  url: string;
  close: () => Promise<void>;
}

export async function startWorker(): Promise<TestWorker> {
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: false, abortOnError: false });
  await app.init();
  return { app, url: `http://127.0.0.1:${app.get(WorkerHttpServer).port()}`, close: () => app.close() };
}
