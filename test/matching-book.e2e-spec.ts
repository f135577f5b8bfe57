import { InventoryService } from '@gpupool/inventory';
import { MatchingService } from '@gpupool/trading';
import { insertRestingOrders } from './support/bulk-orders';
import { Pool } from './support/pool';
import { startStack, TestStack } from './support/stack';

const SKU = 'ASCEND-910B';
const REGION = 'cn-beijing';

/** What a run must fill of `book` (best first) with `units`: each bid takes what is left, up to its size. */
function bestFirst(book: { id: string; quantity: number }[], units: number): Map<string, number> {
  const filled = new Map<string, number>();
  for (const bid of book) {
    if (units === 0) break;
    const take = Math.min(bid.quantity, units);
    filled.set(bid.id, take);
    units -= take;
  }
  return filled;
}

describe('a match run over a deep book', () => {
  let stack: TestStack;
  let pool: Pool;
  let marketId: string;
  const available = async () => (await stack.get(InventoryService).findMarket(SKU, REGION))!.availableUnits;
  const filledNow = async () =>
    new Map<string, number>(
      (
        await stack.dataSource.query<{ id: string; filled: number }[]>(
          'SELECT id, filled_quantity AS filled FROM orders WHERE market_id = $1 AND filled_quantity > 0',
          [marketId],
        )
      ).map((r) => [r.id, r.filled]),
    );

  beforeAll(async () => {
    stack = await startStack();
    pool = new Pool(stack);
    const partners = [];
    for (let i = 0; i < 5; i++) partners.push((await pool.partner(`Deep Book ${i}`, 'SG')).id);
    await pool.receive(SKU, REGION, 400);
    await pool.ask(SKU, REGION, '100000.00');
    await pool.share('3.00', SKU);
    marketId = (await stack.get(InventoryService).findMarket(SKU, REGION))!.id;
    await insertRestingOrders(stack.dataSource, {
      prefix: 'deep-',
      marketId,
      partnerIds: partners,
      count: 600,
      minLimit: 100_000,
    });
    // 600 marketable bids of one unit each, so that a run must reach exactly as many bids as it has
    // units; 30 to a price level, so that time decides within a level.
    await stack.dataSource.query(`UPDATE orders SET quantity = 1, limit_price = 100000 + (seq % 20) * 10 WHERE market_id = $1`, [marketId]);
  });
  afterAll(() => stack.close());

  it('sells its few units to the best bids, highest limit first and then the earliest, in one run and then the next', async () => {
    const book: { id: string; quantity: number }[] = await stack.dataSource.query(
      'SELECT id, quantity FROM orders WHERE market_id = $1 ORDER BY limit_price DESC, seq',
      [marketId],
    );
    const units = await available();
    expect(units).toBeGreaterThan(0);
    expect(units).toBeLessThan(book.length);
    const first = await stack.get(MatchingService).run(marketId);
    expect(first.unitsSold).toBe(units);
    expect(await filledNow()).toEqual(bestFirst(book, units));

    // More supply: the next run goes on down the book where the last one stopped.
    await pool.share('6.00', SKU);
    const more = await available();
    expect(more).toBeGreaterThan(0);
    await stack.get(MatchingService).run(marketId);
    expect(await filledNow()).toEqual(bestFirst(book, units + more));
    expect(await available()).toBe(0);
  });
});
