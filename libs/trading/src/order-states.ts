import { EntityManager } from 'typeorm';
import { Order } from './order.entity';

/**
 * The one writer of an order's state after it was placed: what it filled, its status (moved by
 * `nextStatus`, order-status.ts), why it waits or ended, the part of its hold it gave back, and that
 * a match run has seen it (`resting`, true for ended orders too). One statement for all `orders`
 * (set-based, `unnest`), under their market's lock, which the caller holds.
 */
export async function writeOrderStates(em: EntityManager, orders: readonly Order[], at: Date): Promise<void> {
  if (orders.length === 0) return;
  await em.query(
    `UPDATE orders o SET filled_quantity = u.filled, filled_amount = u.amount, status = u.status, status_reason = u.reason,
            hold_released = u.released, resting = true, updated_at = $7
       FROM unnest($1::uuid[], $2::int[], $3::numeric[], $4::text[], $5::text[], $6::numeric[]) AS u(id, filled, amount, status, reason, released)
      WHERE o.id = u.id`,
    [
      orders.map((o) => o.id),
      orders.map((o) => o.filledQuantity),
      orders.map((o) => o.filledAmount.toFixed(2)),
      orders.map((o) => o.status),
      orders.map((o) => o.statusReason),
      orders.map((o) => o.holdReleased.toFixed(2)),
      at,
    ],
  );
  for (const order of orders) {
    order.resting = true;
    order.updatedAt = at;
  }
}
