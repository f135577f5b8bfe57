import { transactionRetries } from '@gpupool/platform';
import { SettlementService } from '@gpupool/settlement';
import { MatchingService } from '@gpupool/trading';
import { codesOf, GraphQLResponse } from './support/graphql-client';
import { eventually, Pool } from './support/pool';
import { settlementViolations } from './support/settlement-invariants';
import { startStack, TestStack } from './support/stack';
import { tradingViolations } from './support/trading-invariants';
import type { TimeInForce } from './support/graphql/generated/graphql';

const SKU = 'ASCEND-910B';
const REGION = 'cn-beijing';
const ROUNDS = 3;

/** Lost lock races Postgres aborted in this process so far (each one rerun by transactionWithRetry). */
const retries = async () => (await transactionRetries.get()).values.reduce((sum, v) => sum + v.value, 0);

/**
 * The one lock order of libs/trading/README.md, tried where it is easiest to break: settlement
 * batches (overlapping), payments, inventory receipts, new orders, cancels and match runs of the
 * same partners and market, all at once. Not one of them may lose a lock race: a deadlock would be
 * retried and answered, so the test counts the retries rather than the answers.
 */
describe('the lock order: settlement, payments, receipts, orders, cancels and match runs of the same partners at once', () => {
  let stack: TestStack;
  let pool: Pool;
  let financeKey: string;
  const partners: { id: string; key: string }[] = [];
  let n = 0;

  const sql = <T = any>(query: string, params: unknown[] = []): Promise<T[]> => stack.dataSource.query(query, params);
  const ok = (res: GraphQLResponse) => expect(codesOf(res)).toEqual([]);

  beforeAll(async () => {
    stack = await startStack();
    pool = new Pool(stack);
    for (let i = 0; i < 3; i++) partners.push(await pool.partner(`Lock Order ${i}`, 'SG'));
    financeKey = (await pool.ok(stack.adminKey, 'mutation { issueApiKey(input: {role: FINANCE, label: "books"}) { key } }')).issueApiKey
      .key;
    await pool.receive(SKU, REGION, 200_000, '120000.00');
    await pool.share('5.00');
    await pool.ask(SKU, REGION, '139000.00');
  });
  afterAll(() => stack.close());

  it('takes its locks in one order: no deadlock, no retry, and the books are right', async () => {
    const marketId = await pool.marketId(SKU, REGION);
    const matching = stack.get(MatchingService);
    const settlement = stack.get(SettlementService);
    const place = (who: { key: string }, quantity: number, limitPrice: string, timeInForce: TimeInForce) =>
      pool.place(who.key, { clientOrderId: `lock-${++n}`, skuCode: SKU, regionCode: REGION, quantity, limitPrice, timeInForce });
    const unsettledFills = async () =>
      (
        await sql<{ id: string }>(
          'SELECT f.id FROM fill f LEFT JOIN settlement s ON s.fill_id = f.id WHERE s.fill_id IS NULL ORDER BY f.id',
        )
      ).map((f) => f.id);

    for (let round = 0; round < ROUNDS; round++) {
      // Fills to settle, and a receivable to pay, for every partner.
      for (let i = 0; i < 30; i++) ok(await place(partners[i % 3]!, 1 + (i % 3), '139000.00', 'IOC'));
      await matching.run(marketId);
      const fills = await unsettledFills();
      await settlement.settleAll(fills.slice(0, 6));
      const rest = fills.slice(6);
      const before = await retries();

      const work: Promise<unknown>[] = [
        // Overlapping batches: some fills are in two of them.
        ...[0, 1, 2, 3].map((b) => settlement.settleAll(rest.slice(b * 5, b * 5 + 10))),
        ...partners.map((p, i) =>
          stack.gql(financeKey, 'mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { id } }', {
            i: { partnerId: p.id, amount: '1.00', reference: `lock-${round}-${i}` },
          }),
        ),
        pool.receive(SKU, REGION, 10, '121000.00'),
        pool.receive(SKU, REGION, 10, '122000.00'),
        ...partners.flatMap((p) => [0, 1, 2].map(() => place(p, 1, '138000.00', 'GTC'))),
        ...partners.map((p) => place(p, 2, '139000.00', 'GTC')),
        matching.run(marketId),
        matching.run(marketId),
      ];
      // Orders resting below the ask, cancelled by their partners while the rest runs.
      for (const p of partners) {
        const res = await place(p, 1, '137000.00', 'GTC');
        ok(res);
        work.push(pool.cancel(p.key, res.data!.placeOrder.id));
      }
      for (const answer of await Promise.all(work)) {
        if (answer && typeof answer === 'object' && 'status' in answer) ok(answer as GraphQLResponse);
      }
      expect(await retries()).toBe(before);
    }

    await settlement.settleAll(await unsettledFills());
    expect({ ...(await settlementViolations(stack.dataSource)), ...(await tradingViolations(stack.dataSource)) }).toEqual({});
  });

  it('reruns placeOrder whole when its one statement loses a real deadlock: placed once, its hold and export usage counted once', async () => {
    const victim = await pool.partner('Deadlock Victim', 'SG');
    const order = (clientOrderId: string, quantity: number) =>
      pool.place(victim.key, { clientOrderId, skuCode: SKU, regionCode: REGION, quantity, limitPrice: '100000.00', timeInForce: 'GTC' });
    ok(await order('victim-1', 1)); // below the ask: it rests, and the partner's usage row of the SKU exists
    // Another transaction holds the partner's row and will want the usage row placeOrder takes before it; it
    // checks for deadlocks only after 10 s, so placeOrder's statement (1 s) is the one Postgres aborts.
    const other = stack.dataSource.createQueryRunner();
    await other.connect();
    await other.query(`SET deadlock_timeout = '10s'`);
    await other.startTransaction();
    try {
      await other.query('SELECT id FROM partner WHERE id = $1 FOR NO KEY UPDATE', [victim.id]);
      const before = await retries();
      const placing = order('victim-2', 2);
      await eventually(
        () => sql(`SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%place_order%'`),
        (waiting) => waiting.length === 1,
      );
      await other.query('UPDATE export_usage SET used_units = used_units WHERE partner_id = $1 AND sku_code = $2', [victim.id, SKU]);
      await other.commitTransaction();
      ok(await placing);
      expect((await retries()) - before).toBeGreaterThanOrEqual(1);
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
    const [books] = await sql(
      `SELECT (SELECT count(*)::int FROM orders WHERE partner_id = $1) AS orders,
              (SELECT credit_held = (SELECT sum(hold_amount) FROM orders WHERE partner_id = $1) FROM partner WHERE id = $1) AS held_matches,
              (SELECT used_units::int FROM export_usage WHERE partner_id = $1 AND sku_code = $2) AS used`,
      [victim.id, SKU],
    );
    expect(books).toEqual({ orders: 2, held_matches: true, used: 3 });
  });
});
