import { types } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import { dataSourceOptions, PreparedStatement, runPrepared, runPreparedRaw } from '@gpupool/platform';
import { createTestDatabase, TestDatabase } from './support/database';

/** One row of every kind of column the hot statements return, NULLs and awkward text included. */
const EVERY_TYPE: PreparedStatement = {
  name: 'test-every-type',
  text: `SELECT gen_random_uuid() AS id, g AS n, (g * 10000000000)::bigint AS big, (g * 1.05)::numeric(24, 2) AS amount,
                $1::timestamptz + g * interval '1 millisecond' AS at, CASE WHEN g % 2 = 0 THEN NULL ELSE now() END AS maybe,
                g % 3 = 0 AS flag, 'a, "quoted" ' || g || E'\\n' AS label, NULL::text AS nothing
           FROM generate_series(1, $2::int) AS g`,
};

describe('prepared statements: rows left as text', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(db.url, [], [], 2)).initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('leaves every column as the text Postgres sent, which the parsers of node-postgres make what runPrepared returns', async () => {
    const at = new Date('2026-12-07T01:02:03.456Z');
    await dataSource.transaction(async (em) => {
      // now() and the ids differ per statement: compare after taking them from the parsed rows.
      const raw = await runPreparedRaw(em, EVERY_TYPE, [at, 50]);
      expect(raw.rows.every((row) => row.every((value) => value === null || typeof value === 'string'))).toBe(true);
      const parsed = raw.rows.map((row) =>
        Object.fromEntries(
          raw.fields.map((field, i) => [field.name, row[i] === null ? null : types.getTypeParser(field.dataTypeID)(row[i]!)]),
        ),
      );
      const { rows } = await runPrepared<Record<string, unknown>>(em, EVERY_TYPE, [at, 50]);
      const comparable = (row: Record<string, unknown>) => ({ ...row, id: typeof row.id });
      expect(parsed.map(comparable)).toEqual(rows.map(comparable));
      expect(raw.rows[0]!.slice(1, 4)).toEqual(['1', '10000000000', '1.05']);
      expect(parsed[1]).toMatchObject({ maybe: null, nothing: null, label: 'a, "quoted" 2\n' });
    });
  });

  it('throws a failed statement as QueryFailedError, as runPrepared does', async () => {
    const broken: PreparedStatement = { name: 'test-broken', text: 'SELECT 1 / $1::int AS x' };
    await expect(runPreparedRaw(dataSource.manager, broken, [0])).rejects.toBeInstanceOf(QueryFailedError);
    await expect(runPrepared(dataSource.manager, broken, [0])).rejects.toBeInstanceOf(QueryFailedError);
  });
});
