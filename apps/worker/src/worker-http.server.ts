import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { register } from 'prom-client';
import { APP_CONFIG, AppConfig, HealthService } from '@gpupool/platform';
import { EventLoopWatch } from './event-loop-watch';
import { QueueWorkers } from './queue-workers';

/**
 * The worker's internal HTTP port (WORKER_HTTP_PORT; for probes and Prometheus, never published):
 * - GET /health: 200 when this process is processing — Postgres and Redis answer, every queue's
 *   BullMQ worker is running, and the event loop has not been blocked — else 503 naming what is not;
 * - GET /metrics: prom-client's default registry, in the Prometheus text format.
 */
@Injectable()
export class WorkerHttpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerHttpServer.name);
  private readonly server: Server;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: HealthService,
    private readonly queues: QueueWorkers,
    private readonly eventLoop: EventLoopWatch,
  ) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        this.logger.error({ err: error }, 'worker http request failed');
        if (!res.headersSent) send(res, 500, { code: 'INTERNAL_SERVER_ERROR' });
      });
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await new Promise<void>((listening, fail) => {
      this.server.once('error', fail);
      this.server.listen(this.config.WORKER_HTTP_PORT, () => listening());
    });
    this.logger.log(`worker health on port ${this.port()}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((closed) => this.server.close(() => closed()));
  }

  /** The port it listens on (WORKER_HTTP_PORT, or the one picked for 0). */
  port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://worker').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { code: 'METHOD_NOT_ALLOWED' });
    if (path === '/health') return this.sendHealth(res);
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': register.contentType }).end(await register.metrics());
      return;
    }
    send(res, 404, { code: 'NOT_FOUND', message: 'GET /health or /metrics' });
  }

  private async sendHealth(res: ServerResponse): Promise<void> {
    const services = await this.health.services();
    const queues = this.queues.states();
    const eventLoop = this.eventLoop.state();
    const ok =
      services.postgres === 'up' && services.redis === 'up' && eventLoop === 'ok' && Object.values(queues).every((s) => s === 'running');
    send(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', ...services, eventLoop, queues });
  }
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
