import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BullMQOtel } from 'bullmq-otel';

/** Whether traces go out: only when an OTLP endpoint is configured. */
export const tracingEnabled = (env: NodeJS.ProcessEnv = process.env): boolean =>
  Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);

/** BullMQ's telemetry (a span per job added and processed, linked to the caller's trace), when tracing is on. */
export const bullmqTelemetry = (): BullMQOtel | undefined => (tracingEnabled() ? new BullMQOtel({ tracerName: 'gpupool' }) : undefined);

let sdk: NodeSDK | undefined;

/**
 * Starts OpenTelemetry tracing (HTTP, GraphQL, pg, ioredis; BullMQ through `bullmqTelemetry`),
 * exported over OTLP/HTTP (protobuf) to OTEL_EXPORTER_OTLP_ENDPOINT; does nothing without it.
 * Must run before pg, ioredis and http are loaded, so each main imports this file first.
 */
export function startTracing(serviceName: string): void {
  if (!tracingEnabled() || sdk) return;
  sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? serviceName,
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === '/health' || req.url === '/metrics' }),
      new GraphQLInstrumentation({ mergeItems: true, ignoreTrivialResolveSpans: true }),
      new PgInstrumentation(),
      new IORedisInstrumentation(),
    ],
  });
  sdk.start();
  const flush = () => void sdk?.shutdown().catch(() => undefined);
  process.once('beforeExit', flush);
}
