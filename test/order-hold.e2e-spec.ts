import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { dataSourceOptions, Decimal } from '@gpupool/platform';
import { MIGRATIONS } from '../apps/migrations';
import { holdFor } from '../libs/trading/src/credit-hold';
import { OrderHold1796600000000 } from '../libs/trading/src/migrations/1796600000000-OrderHold';
import { createTestDatabase, TestDatabase, undoMigrationsThrough } from './support/database';

/**
 * `order_hold` (migration 1796600000000-OrderHold) is the hold of an order written once for
 * Postgres: `place_order` holds an order's with it, a match run's phase 1 the part of a partial
 * fill. Node's `holdFor` must agree with it to the fen, or a partner's credit would drift.
 */
describe('order_hold: the credit an order holds, in Postgres', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(db.url, MIGRATIONS, [], 2)).initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it("is Node's holdFor exactly, over every quantity, limit and tax rate an order may have", async () => {
    const order = fc.record({
      quantity: fc.integer({ min: 1, max: 1_000_000 }),
      cents: fc.integer({ min: 1, max: 10_000_000_000 }),
      taxBasisPoints: fc.integer({ min: 0, max: 9_999 }),
    });
    const extremes = [
      { quantity: 1, cents: 1, taxBasisPoints: 0 },
      { quantity: 1, cents: 1, taxBasisPoints: 1 },
      { quantity: 3, cents: 1, taxBasisPoints: 3_333 },
      { quantity: 1_000_000, cents: 10_000_000_000, taxBasisPoints: 9_999 },
    ];
    const cases = [...extremes, ...fc.sample(order, { numRuns: 5_000, seed: 20261207 })].map(({ quantity, cents, taxBasisPoints }) => ({
      quantity,
      limit: new Decimal(cents).div(100).toFixed(2),
      tax: new Decimal(taxBasisPoints).div(100).toFixed(2),
    }));
    const rows: { hold: string }[] = await dataSource.query(
      `SELECT order_hold(q, l, t)::text AS hold FROM unnest($1::int[], $2::numeric[], $3::numeric[]) WITH ORDINALITY AS c(q, l, t, i) ORDER BY i`,
      [cases.map((c) => c.quantity), cases.map((c) => c.limit), cases.map((c) => c.tax)],
    );
    const inPostgres = rows.map(({ hold }) => new Decimal(hold).toFixed());
    const inNode = cases.map((c) => holdFor(c.quantity, new Decimal(c.limit), new Decimal(c.tax)).toFixed());
    expect(inPostgres).toEqual(inNode);
    expect(inPostgres[3]).toBe('199990000000000');
  });

  it('is inlined by the planner: a statement over thousands of rows pays no function call for it', async () => {
    const plan: { 'QUERY PLAN': string }[] = await dataSource.query(
      `EXPLAIN (VERBOSE, COSTS OFF) SELECT order_hold(g, 100000.00, 13.00) FROM generate_series(1, 10) AS g`,
    );
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toContain('ceil(');
    expect(text).not.toContain('order_hold');
  });

  it('migrates both ways: down gives place_order its own expression back, up makes it call order_hold', async () => {
    const placeOrder = async () => (await dataSource.query(`SELECT pg_get_functiondef('place_order'::regproc) AS body`))[0].body as string;
    const orderHold = async () => (await dataSource.query(`SELECT to_regprocedure('order_hold(numeric, numeric, numeric)') AS fn`))[0].fn;
    expect(await placeOrder()).toContain('order_hold(p_quantity, p_limit_price, v_tax)');

    await undoMigrationsThrough(dataSource, OrderHold1796600000000.name);
    expect(await orderHold()).toBeNull();
    expect(await placeOrder()).toContain('ceil(p_quantity * p_limit_price * (1 + v_tax / 100) * 100) / 100');

    await dataSource.runMigrations({ transaction: 'each' });
    expect(await orderHold()).not.toBeNull();
    expect(await placeOrder()).toContain('order_hold(p_quantity, p_limit_price, v_tax)');
  });
});
