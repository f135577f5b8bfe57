import { Decimal } from '@gpupool/platform';

/** A market with its fleet numbers as of the read. */
export interface MarketView {
  id: string;
  sku: { code: string; vendor: string; name: string; memoryGb: number };
  region: { code: string; name: string; countryCode: string };
  currency: string;
  askPrice: Decimal | null;
  totalUnits: number;
  capUnits: number;
  committedUnits: number;
  availableUnits: number;
  effectiveSharePercent: Decimal;
  /** The time of the transaction that read it (Postgres `now()`). */
  asOf: Date;
}

export interface MarketViewFilter {
  skuCode?: string | null;
  regionCode?: string | null;
  offeredOnly?: boolean;
}
