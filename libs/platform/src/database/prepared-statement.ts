import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import { EntityManager, QueryFailedError } from 'typeorm';

/**
 * A statement of a hot path, run as a named prepared statement: Postgres parses it once per
 * connection and, after a few runs, plans it once too, instead of at every call (planning was
 * about half of placeOrder's time in Postgres). `name` must be unique per text in the process.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

/**
 * Runs `statement` on `em`'s connection: its transaction's, or one taken from the pool for the
 * call. Errors are TypeORM's `QueryFailedError`, as `em.query` throws them.
 */
export async function runPrepared<R extends QueryResultRow>(
  em: EntityManager,
  statement: PreparedStatement,
  values: readonly unknown[],
): Promise<QueryResult<R>> {
  const runner = em.queryRunner ?? em.connection.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    return await client.query<R>({ name: statement.name, text: statement.text, values: [...values] });
  } catch (error) {
    throw new QueryFailedError(statement.text, [...values], error as Error);
  } finally {
    if (runner !== em.queryRunner) await runner.release();
  }
}
