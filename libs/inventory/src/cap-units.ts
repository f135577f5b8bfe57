import { Decimal } from '@gpupool/platform';

/** floor(totalUnits × sharePercent / 100), exactly: the most units of a market that may ever be sold. */
export function capUnits(totalUnits: number, sharePercent: Decimal): number {
  return new Decimal(totalUnits).times(sharePercent).div(100).floor().toNumber();
}
