import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bullmq';
import { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { ApiKeyService, bearerToken } from '@gpupool/identity';
import { QueueName, Role } from '@gpupool/platform';
import { mountConsoleRoutes } from './console';

export const QUEUE_DASHBOARD_PATH = '/queues';
const DASHBOARD_ROLES = new Set<Role>([Role.ADMIN, Role.OPERATOR]);

/** Everything the api adds to the Nest app beyond its module: the queue dashboard and the console's routes. */
export function configureApi(app: INestApplication): void {
  mountQueueDashboard(app);
  mountConsoleRoutes(app);
}

/** The BullMQ dashboard at /queues, for ADMIN and OPERATOR keys (Authorization: Bearer). */
function mountQueueDashboard(app: INestApplication): void {
  const keys = app.get(ApiKeyService);
  const serverAdapter = new ExpressAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(QueueName).map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name)))),
    serverAdapter,
  });
  const guard = (req: Request, res: Response, next: NextFunction) => {
    keys.authenticate(bearerToken(req.headers.authorization)).then((principal) => {
      if (!principal) res.status(401).json({ code: 'UNAUTHENTICATED', message: 'send Authorization: Bearer <key>' });
      else if (!DASHBOARD_ROLES.has(principal.role)) res.status(403).json({ code: 'FORBIDDEN', message: 'ADMIN or OPERATOR only' });
      else next();
    }, next);
  };
  app.use(QUEUE_DASHBOARD_PATH, guard, serverAdapter.getRouter());
}
