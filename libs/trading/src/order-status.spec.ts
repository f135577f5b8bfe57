import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ANY_STATUS_SQL,
  isOpen,
  nextStatus,
  OPEN_STATUSES,
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  OrderStatusValue,
  statusAfterFill,
} from './order-status';

describe('the order lifecycle', () => {
  it('moves an open order on by fills and ends it as CANCELLED or EXPIRED; final statuses never move', () => {
    const table = Object.fromEntries(
      ORDER_STATUSES.map((from) => [from, ORDER_STATUSES.filter((to) => ORDER_TRANSITIONS[from].includes(to))]),
    );
    expect(table).toEqual({
      OPEN: ['PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'EXPIRED'],
      PARTIALLY_FILLED: ['PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'EXPIRED'],
      FILLED: [],
      CANCELLED: [],
      EXPIRED: [],
    });
    for (const from of ORDER_STATUSES) {
      expect(isOpen(from)).toBe(ORDER_TRANSITIONS[from].length > 0);
      for (const to of ORDER_STATUSES) {
        const move = () => nextStatus(from, to);
        if (ORDER_TRANSITIONS[from].includes(to)) expect(move()).toBe(to);
        else expect(move).toThrow(`an order cannot go from ${from} to ${to}`);
      }
    }
    expect(OPEN_STATUSES.filter((s: OrderStatusValue) => ORDER_TRANSITIONS[s].length === 0)).toEqual([]);
  });

  it('says FILLED when a fill takes the order to its quantity, else PARTIALLY_FILLED', () => {
    expect(statusAfterFill(10, 10)).toBe('FILLED');
    expect(statusAfterFill(3, 10)).toBe('PARTIALLY_FILLED');
  });

  it('writes the SQL predicates the migrations created the check and the open book with', () => {
    const migrations = join(__dirname, 'migrations');
    const trading = readFileSync(join(migrations, '1795921920116-Trading.ts'), 'utf8');
    const book = readFileSync(join(migrations, '1796400000000-OrderBook.ts'), 'utf8');
    expect(trading).toContain(`CONSTRAINT "orders_status" CHECK (${ANY_STATUS_SQL})`);
    // The open book's triggers keep exactly the orders whose status is open.
    expect(book).toContain(`const OPEN = \`status IN (${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')})\`;`);
  });
});
