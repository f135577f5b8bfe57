/**
 * The order lifecycle, declared once: the statuses, which of them are open, and which status may
 * follow which. The GraphQL enum and the entity's checks are built from these; the open book's
 * triggers (migrations/1796400000000-OrderBook.ts) keep the orders of OPEN_STATUSES.
 *
 *   OPEN ──fill──▶ PARTIALLY_FILLED ──fill──▶ FILLED
 *     │                  │
 *     └── cancel, expiry, an IOC/FOK rest, an export block ──▶ CANCELLED | EXPIRED
 *
 * An order that ends with a remainder is CANCELLED or EXPIRED, whatever it filled; FILLED, CANCELLED
 * and EXPIRED are final.
 */
export const ORDER_STATUSES = ['OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'EXPIRED'] as const;
export type OrderStatusValue = (typeof ORDER_STATUSES)[number];

/** Statuses of orders a match run still looks at, which a cancel may end. */
export const OPEN_STATUSES = ['OPEN', 'PARTIALLY_FILLED'] as const satisfies readonly OrderStatusValue[];

/** How an order ends with a remainder. */
export type EndStatus = Extract<OrderStatusValue, 'CANCELLED' | 'EXPIRED'>;

/** Which status may follow which: a fill moves an open order on, an end closes it. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatusValue, readonly OrderStatusValue[]>> = {
  OPEN: ['PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'EXPIRED'],
  PARTIALLY_FILLED: ['PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'EXPIRED'],
  FILLED: [],
  CANCELLED: [],
  EXPIRED: [],
};

export const isOpen = (status: OrderStatusValue): boolean => (OPEN_STATUSES as readonly string[]).includes(status);

/** The status an order moves to; throws on a move the lifecycle does not have (a bug in the caller). */
export function nextStatus(from: OrderStatusValue, to: OrderStatusValue): OrderStatusValue {
  if (!ORDER_TRANSITIONS[from].includes(to)) throw new Error(`an order cannot go from ${from} to ${to}`);
  return to;
}

/** The status of an open order after a fill took it to `filledQuantity` of `quantity`. */
export const statusAfterFill = (filledQuantity: number, quantity: number): 'FILLED' | 'PARTIALLY_FILLED' =>
  filledQuantity === quantity ? 'FILLED' : 'PARTIALLY_FILLED';

const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/** SQL: `status` is one of the lifecycle's (the table's check). */
export const ANY_STATUS_SQL = `status IN (${quoted(ORDER_STATUSES)})`;
