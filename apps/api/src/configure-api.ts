import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bullmq';
import { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Queue } from 'bullmq';
import { ApiKeyGuard } from '@gpupool/identity';
import { DomainError, QueueName, Role } from '@gpupool/platform';
import { mountConsoleRoutes } from './console';
import { sendDomainError } from './http-errors';

export const QUEUE_DASHBOARD_PATH = '/queues';
const DASHBOARD_ROLES = [Role.ADMIN, Role.OPERATOR];

/** Everything the api adds to the Nest app beyond its module: the queue dashboard and the console's routes. */
export function configureApi(app: INestApplication): void {
  mountQueueDashboard(app);
  mountConsoleRoutes(app);
}

/** The BullMQ dashboard at /queues, for ADMIN and OPERATOR keys (ApiKeyGuard, as for GraphQL). */
function mountQueueDashboard(app: INestApplication): void {
  const serverAdapter = new ExpressAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(QueueName).map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name)))),
    serverAdapter,
  });
  const guard = app.get(ApiKeyGuard);
  const admit = (req: Request, res: Response, next: NextFunction) =>
    guard.admit(req.headers.authorization, DASHBOARD_ROLES).then(
      ({ leave }) => {
        res.once('close', leave);
        next();
      },
      (error: unknown) => (error instanceof DomainError ? sendDomainError(res, error) : next(error)),
    );
  app.use(QUEUE_DASHBOARD_PATH, admit, serverAdapter.getRouter());
}
