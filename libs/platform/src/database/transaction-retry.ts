import type { PoolClient } from 'pg';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { DomainError } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-code';
import { transactionRetries } from '../metrics/metrics';

/** Postgres aborts a transaction with these when it lost a lock race: running it again is the cure. */
const RETRYABLE_SQLSTATES = new Set([
  '40P01', // deadlock_detected
  '40001', // serialization_failure
  '55P03', // lock_not_available (lock_timeout)
]);

/** How often a unit of work runs at most, and the longest pause before the last try. */
export const TRANSACTION_ATTEMPTS = 6;
const BASE_DELAY_MS = 10;
const MAX_DELAY_MS = 400;

/** The unit of work could not run for lock conflicts; the caller may retry it (with the same clientOrderId). */
export class ServiceBusyError extends DomainError<ErrorCode> {
  constructor(readonly sqlState: string) {
    super(
      ErrorCode.SERVICE_BUSY,
      'The service is busy and could not complete the request; nothing was changed by it. Retry shortly (with the same clientOrderId)',
    );
  }
}

/** The SQLSTATE of a lost lock race, or undefined for any other error. */
export function retryableSqlState(error: unknown): string | undefined {
  const driver = error instanceof QueryFailedError ? (error.driverError as { code?: unknown }) : (error as { code?: unknown } | null);
  const code = typeof driver?.code === 'string' ? driver.code : undefined;
  return code !== undefined && RETRYABLE_SQLSTATES.has(code) ? code : undefined;
}

/** True when `error` is Postgres refusing a row for the unique constraint `constraint` (23505). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driver = error instanceof QueryFailedError ? (error.driverError as { code?: unknown; constraint?: unknown }) : undefined;
  return driver?.code === '23505' && driver.constraint === constraint;
}

/** Full jitter: a random pause up to an exponentially growing bound, so racing retries spread out. */
const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt)));

/**
 * Runs `work` (a whole unit of work, idempotent: usually one transaction and what it decides) and
 * runs it again when Postgres aborted it for a deadlock, a serialization failure or a lock
 * timeout, up to TRANSACTION_ATTEMPTS times with jittered pauses; then throws ServiceBusyError.
 * Any other error is thrown at once.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = TRANSACTION_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const sqlState = retryableSqlState(error);
      if (sqlState === undefined) throw error;
      if (attempt >= attempts) throw new ServiceBusyError(sqlState);
      transactionRetries.inc({ sqlstate: sqlState });
      await pause(attempt);
    }
  }
}

/**
 * `dataSource.transaction`, except for a connection lost under it: TypeORM then releases the query
 * runner, and the next statement or the COMMIT fails with "query runner already released", which
 * says nothing of the cause. Here the connection's own error is thrown instead (a dependency that
 * went away: SERVICE_UNAVAILABLE at the edge).
 */
async function transaction<T>(dataSource: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    const connection = (await runner.connect()) as PoolClient;
    let lost: unknown;
    const onError = (error: unknown) => (lost ??= error);
    connection.on('error', onError);
    try {
      await runner.startTransaction();
      const result = await work(runner.manager);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive && !runner.isReleased) await runner.rollbackTransaction().catch(() => undefined);
      throw lost ?? error;
    } finally {
      connection.removeListener('error', onError);
    }
  } finally {
    if (!runner.isReleased) await runner.release();
  }
}

/** One transaction, retried whole on lock conflicts (see retryOnConflict). */
export function transactionWithRetry<T>(dataSource: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return retryOnConflict(() => transaction(dataSource, work));
}
