import { Decimal } from '@gpupool/platform';
import { BookOrder, matchMarket, MatchInput, REASON } from './matching';
import type { TimeInForceValue } from './order.entity';

const bid = (id: string, limit: string, remaining: number, extra: Partial<BookOrder> = {}): BookOrder => ({
  id,
  partnerId: `p-${id}`,
  limitPrice: new Decimal(limit),
  remaining,
  timeInForce: 'GTC',
  ...extra,
});
const run = (input: Partial<MatchInput>) =>
  matchMarket({ askPrice: new Decimal('100.00'), availableUnits: 0, incoming: [], blocked: new Map(), ...input });
const fillsOf = (result: ReturnType<typeof matchMarket>) => result.fills.map((f) => [f.orderId, f.quantity, f.price.toFixed(2)]);

describe('matchMarket', () => {
  it('fills a new bid at the ask, not at its limit', () => {
    const result = run({ availableUnits: 10, incoming: [bid('a', '120.00', 4)] });
    expect(fillsOf(result)).toEqual([['a', 4, '100.00']]);
    expect(result.outcomes).toEqual([]);
    expect(result.unitsSold).toBe(4);
  });

  it('gives the next bid what is left and rests its remainder with a reason', () => {
    const result = run({ availableUnits: 10, incoming: [bid('a', '100.00', 4), bid('b', '101.00', 9)] });
    expect(fillsOf(result)).toEqual([
      ['a', 4, '100.00'],
      ['b', 6, '100.00'],
    ]);
    expect(result.outcomes).toEqual([{ orderId: 'b', cancelRemainder: false, reason: REASON.capReached }]);
  });

  it('skips a new bid below the ask without stopping later ones', () => {
    const result = run({ availableUnits: 10, incoming: [bid('low', '99.99', 5), bid('ok', '100.00', 5)] });
    expect(fillsOf(result)).toEqual([['ok', 5, '100.00']]);
    expect(result.outcomes).toEqual([{ orderId: 'low', cancelRemainder: false, reason: REASON.belowAsk(new Decimal(100)) }]);
  });

  it('IOC fills what it can and cancels the rest; with nothing available it is cancelled', () => {
    const partial = run({ availableUnits: 3, incoming: [bid('i', '100.00', 5, { timeInForce: 'IOC' })] });
    expect(fillsOf(partial)).toEqual([['i', 3, '100.00']]);
    expect(partial.outcomes).toEqual([{ orderId: 'i', cancelRemainder: true, reason: REASON.iocRest }]);
    const none = run({ availableUnits: 0, incoming: [bid('i', '100.00', 5, { timeInForce: 'IOC' })] });
    expect(none.fills).toEqual([]);
    expect(none.outcomes[0]).toMatchObject({ cancelRemainder: true });
  });

  it('FOK fills entirely or not at all', () => {
    const all = run({ availableUnits: 5, incoming: [bid('f', '100.00', 5, { timeInForce: 'FOK' })] });
    expect(fillsOf(all)).toEqual([['f', 5, '100.00']]);
    const none = run({ availableUnits: 4, incoming: [bid('f', '100.00', 5, { timeInForce: 'FOK' }), bid('g', '100.00', 4)] });
    expect(fillsOf(none)).toEqual([['g', 4, '100.00']]);
    expect(none.outcomes).toEqual([{ orderId: 'f', cancelRemainder: true, reason: expect.stringContaining('fill-or-kill') }]);
  });

  it('trades nothing when the market is not offered', () => {
    const result = run({
      askPrice: null,
      availableUnits: 10,
      incoming: [bid('n', '1.00', 1), bid('m', '1.00', 1, { timeInForce: 'IOC' })],
    });
    expect(result.fills).toEqual([]);
    expect(result.outcomes).toEqual([
      { orderId: 'n', cancelRemainder: false, reason: REASON.notOffered },
      { orderId: 'm', cancelRemainder: true, reason: `${REASON.iocRest} (${REASON.notOffered})` },
    ]);
  });

  it('cancels the bids of a blocked partner with the reason', () => {
    const blocked = new Map([['p-x', 'H100 exports to CN are prohibited']]);
    const result = run({
      availableUnits: 10,
      blocked,
      incoming: [bid('x', '200.00', 1), bid('y', '200.00', 1)],
    });
    expect(fillsOf(result)).toEqual([['y', 1, '100.00']]);
    expect(result.outcomes).toEqual([{ orderId: 'x', cancelRemainder: true, reason: 'H100 exports to CN are prohibited' }]);
  });

  it('never sells more than available nor fills past an order, over many random books', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const tifs: TimeInForceValue[] = ['GTC', 'IOC', 'FOK'];
    for (let round = 0; round < 500; round++) {
      const ask = new Decimal(90 + Math.floor(random() * 20));
      const incoming = Array.from({ length: Math.floor(random() * 20) }, (_, i) =>
        bid(`n${i}`, String(80 + Math.floor(random() * 40)), 1 + Math.floor(random() * 20), {
          timeInForce: tifs[Math.floor(random() * 3)],
        }),
      );
      const availableUnits = Math.floor(random() * 60);
      const result = run({ askPrice: ask, availableUnits, incoming });
      expect(result.unitsSold).toBeLessThanOrEqual(availableUnits);
      const byOrder = new Map(incoming.map((o) => [o.id, o]));
      const filled = new Map<string, number>();
      for (const fill of result.fills) {
        const order = byOrder.get(fill.orderId)!;
        filled.set(order.id, (filled.get(order.id) ?? 0) + fill.quantity);
        expect(fill.quantity).toBeGreaterThan(0);
        expect(fill.price.lte(order.limitPrice)).toBe(true);
        expect(fill.price.gte(ask)).toBe(true);
        expect(fill.price.eq(ask)).toBe(true);
      }
      for (const [id, qty] of filled) {
        const order = byOrder.get(id)!;
        expect(qty).toBeLessThanOrEqual(order.remaining);
        if (order.timeInForce === 'FOK') expect(qty).toBe(order.remaining);
      }
    }
  });
});
