import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }),
  BOOTSTRAP_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('gpupool'),
  DB_POOL_SIZE: positiveInt.default(10),
  WORKER_CONCURRENCY: positiveInt.default(4),
  MATCH_RUN_LIMIT: positiveInt.default(10_000),
  SWEEP_INTERVAL_MS: positiveInt.default(30_000),
  WORKER_LOCK_DURATION_MS: positiveInt.default(30_000),
  WORKER_STALLED_INTERVAL_MS: positiveInt.default(30_000),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  GRAPHQL_MAX_DEPTH: positiveInt.min(10).default(12),
  GRAPHQL_MAX_COMPLEXITY: positiveInt.default(20_000),
  GRAPHQL_MAX_ALIASES: positiveInt.default(30),
  GRAPHQL_MAX_ROOT_FIELDS: positiveInt.default(30),
  GRAPHQL_MAX_TOKENS: positiveInt.min(500).default(3_000),
  RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(0).default(500),
  MAX_REQUESTS_IN_FLIGHT: z.coerce.number().int().min(0).default(8),
  MAX_REQUESTS_QUEUED: z.coerce.number().int().min(0).default(100),
  REPORTS_DIR: z.string().min(1).default('.data/reports'),
  WORKER_HTTP_PORT: port.default(3001),
  REPORTS_RETENTION_DAYS: positiveInt.default(30),
});

/** Every variable the config reads; deployment files set these and no others. */
export const CONFIG_VARIABLES = Object.keys(schema.shape) as readonly (keyof AppConfig)[];

export type AppConfig = Readonly<z.infer<typeof schema>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates the environment once; a missing or bad variable is named in the error. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const message = issue.code === 'invalid_type' && env[name] === undefined ? 'is required' : issue.message;
      return `${name} ${message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return Object.freeze(parsed.data);
}
