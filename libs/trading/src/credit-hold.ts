import { ceilFen, Decimal } from '@gpupool/platform';

/** The credit an order of `quantity` at `limitPrice` holds: quantity × limit × (1 + tax), rounded up to the fen. */
export function holdFor(quantity: number, limitPrice: Decimal, taxRatePercent: Decimal): Decimal {
  return ceilFen(limitPrice.times(quantity).times(taxRatePercent.div(100).plus(1)));
}

/**
 * The part of an order's hold that a fill takes: the hold of everything filled so far minus the
 * hold of what was filled before it. The parts of all fills plus the released rest add up to the
 * order's hold exactly, whatever the rounding.
 */
export function fillHoldPart(filledBefore: number, fillQuantity: number, limitPrice: Decimal, taxRatePercent: Decimal): Decimal {
  const holdAfter = holdFor(filledBefore + fillQuantity, limitPrice, taxRatePercent);
  return filledBefore === 0 ? holdAfter : holdAfter.minus(holdFor(filledBefore, limitPrice, taxRatePercent));
}
