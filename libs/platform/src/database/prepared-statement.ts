import type { FieldDef, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { prepareValue } from 'pg/lib/utils';
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
 *
 * Its values are turned into Postgres's text (node-postgres's own `prepareValue`) now, when the
 * statement is queued, not when the connection sends it: a statement queued behind others (a match
 * run sends a page's writes without waiting) goes out the moment Postgres is free, instead of
 * after a 10,000-element array is written out.
 */
export function runPrepared<R extends QueryResultRow>(
  em: EntityManager,
  statement: PreparedStatement,
  values: readonly unknown[],
): Promise<QueryResult<R>> {
  return onConnection(em, statement, values, (client, config) => client.query<R>(config));
}

/** Rows as Postgres sent them, each an array of its columns' text. */
export interface RawRows {
  fields: FieldDef[];
  rows: (string | null)[][];
}

/** Every column as its text: node-postgres parses nothing. */
const AS_TEXT = { getTypeParser: () => (value: string) => value } as unknown as QueryConfig['types'];

/**
 * `runPrepared`, with the rows left as Postgres's text: receiving them costs the connection next to
 * nothing, and the caller reads them when it needs them, for example once its transaction has
 * committed, so a large result does not hold the transaction's locks while Node parses it.
 */
export async function runPreparedRaw(em: EntityManager, statement: PreparedStatement, values: readonly unknown[]): Promise<RawRows> {
  const { fields, rows } = await onConnection(em, statement, values, (client, config) =>
    client.query<(string | null)[]>({ ...config, rowMode: 'array', types: AS_TEXT }),
  );
  return { fields, rows };
}

/** Runs `query` with the statement's config on `em`'s connection (its transaction's, or the pool's for the call). */
async function onConnection<T>(
  em: EntityManager,
  statement: PreparedStatement,
  values: readonly unknown[],
  query: (client: PoolClient, config: QueryConfig) => Promise<T>,
): Promise<T> {
  const runner = em.queryRunner ?? em.connection.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    return await query(client, { name: statement.name, text: statement.text, values: values.map((value) => prepareValue(value)) });
  } catch (error) {
    throw new QueryFailedError(statement.text, [...values], error as Error);
  } finally {
    if (runner !== em.queryRunner) await runner.release();
  }
}
