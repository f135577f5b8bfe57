import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** A request as its log line shows it: pino's standard fields, without the credentials it carried. */
interface LoggedRequest {
  headers?: Record<string, unknown>;
}

/**
 * The request serializer: the API key (`authorization`) and cookies never reach a log line. A
 * serializer rather than pino's `redact`, which would copy every request's child-logger bindings
 * to redact them although only the lines of refused and failed requests carry the request.
 */
export function withoutCredentials<R extends LoggedRequest>(req: R): R {
  if (!req.headers) return req;
  const { authorization: _authorization, cookie: _cookie, ...headers } = req.headers;
  return { ...req, headers };
}

/**
 * Structured JSON logs (pino) with a request id on every line; credentials left out. A request's own
 * line is `debug` when it succeeded (GraphQL traffic by operation and outcome is on /metrics), `warn`
 * for a 4xx and `error` for a 5xx; lines logged while handling it carry its id, not the whole request.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.LOG_LEVEL,
          genReqId: (req, res) => {
            const id = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
            res.setHeader('x-request-id', id);
            return id;
          },
          serializers: { req: withoutCredentials },
          autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
          quietReqLogger: true,
          customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug'),
        },
      }),
    }),
  ],
})
export class LoggingModule {}
