import { Decimal } from '@gpupool/platform';

import type { TimeInForceValue } from './order.entity';

/** A bid not yet through a run, as the matcher sees it. */
export interface BookOrder {
  id: string;
  partnerId: string;
  limitPrice: Decimal;
  remaining: number;
  timeInForce: TimeInForceValue;
}

export interface MatchInput {
  /** null: the market is not offered, nothing trades. */
  askPrice: Decimal | null;
  /** What phase 1 (resting-fills.ts) left. */
  availableUnits: number;
  /** Bids not yet through a run, in arrival order. */
  incoming: BookOrder[];
  /** Partners that may no longer trade this SKU, with the reason (export rule or license). */
  blocked: ReadonlyMap<string, string>;
}

export interface MatchFill {
  orderId: string;
  quantity: number;
  price: Decimal;
}

/** What becomes of an order that ends in this run, or why an open one is still waiting. */
export interface MatchOutcome {
  orderId: string;
  /** Ends the order (its remainder is cancelled) when true. */
  cancelRemainder: boolean;
  reason: string | null;
}

export interface MatchResult {
  fills: MatchFill[];
  outcomes: MatchOutcome[];
  unitsSold: number;
}

export const REASON = {
  belowAsk: (ask: Decimal) => `limit below the ask price ${ask.toFixed(2)}`,
  capReached: 'no units available: the sellable share of this market is sold out',
  notOffered: 'the market is not offered at the moment',
  iocRest: 'immediate-or-cancel: the unfilled rest was cancelled',
  fokUnfilled: 'fill-or-kill: not enough units to fill it entirely',
} as const;

/**
 * Phase 2 of a match run, as a pure function of the new bids and what supply phase 1 left (phase 1,
 * resting bids in price-time priority each at its own limit, runs in SQL: resting-fills.ts): in
 * arrival order, each new bid whose limit ≥ ask takes what is left at the ask (lower bids are
 * skipped, not a stop); IOC and FOK resolve here; GTC remainders rest; bids of blocked partners are
 * cancelled. Never sells more than `availableUnits`, never fills an order past its remaining quantity.
 */
export function matchMarket(input: MatchInput): MatchResult {
  const { askPrice: ask, blocked } = input;
  let available = Math.max(0, input.availableUnits);
  const fills: MatchFill[] = [];
  const outcomes: MatchOutcome[] = [];

  const take = (order: BookOrder, quantity: number, price: Decimal) => {
    fills.push({ orderId: order.id, quantity, price });
    available -= quantity;
    return order.remaining - quantity;
  };
  const waitingReason = (order: BookOrder) =>
    ask === null ? REASON.notOffered : order.limitPrice.lt(ask) ? REASON.belowAsk(ask) : REASON.capReached;

  for (const order of input.incoming) {
    const block = blocked.get(order.partnerId);
    if (block) {
      outcomes.push({ orderId: order.id, cancelRemainder: true, reason: block });
      continue;
    }
    const marketable = ask !== null && order.limitPrice.gte(ask);
    if (order.timeInForce === 'FOK') {
      if (marketable && available >= order.remaining) take(order, order.remaining, ask);
      else outcomes.push({ orderId: order.id, cancelRemainder: true, reason: `${REASON.fokUnfilled} (${waitingReason(order)})` });
      continue;
    }
    const left = marketable && available > 0 ? take(order, Math.min(order.remaining, available), ask) : order.remaining;
    if (left === 0) continue;
    if (order.timeInForce === 'IOC') {
      const why = left === order.remaining ? `${REASON.iocRest} (${waitingReason(order)})` : REASON.iocRest;
      outcomes.push({ orderId: order.id, cancelRemainder: true, reason: why });
    } else {
      outcomes.push({ orderId: order.id, cancelRemainder: false, reason: waitingReason(order) });
    }
  }

  const unitsSold = fills.reduce((sum, fill) => sum + fill.quantity, 0);
  return { fills, outcomes, unitsSold };
}
