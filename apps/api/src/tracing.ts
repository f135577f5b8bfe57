// Imported first by main.ts: tracing must patch http, pg and ioredis before anything loads them.
import { startTracing } from '../../../libs/platform/src/tracing/tracing';

startTracing('gpupool-api');
