import { EntityManager } from 'typeorm';
import { bigintCountTransformer, Decimal, PreparedStatement, runPrepared } from '@gpupool/platform';
import { capUnits } from './cap-units';

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
}

export interface MarketViewFilter {
  skuCode?: string | null;
  regionCode?: string | null;
  offeredOnly?: boolean;
}

interface MarketRow {
  id: string;
  currency: string;
  ask_price: string | null;
  committed_units: string;
  total_units: string;
  share_percent: string;
  sku_code: string;
  sku_vendor: string;
  sku_name: string;
  sku_memory_gb: number;
  region_code: string;
  region_name: string;
  region_country_code: string;
}

const count = (value: string) => bigintCountTransformer.from(value) as number;

function toView(row: MarketRow): MarketView {
  const totalUnits = count(row.total_units);
  const committedUnits = count(row.committed_units);
  const effectiveSharePercent = new Decimal(row.share_percent);
  const cap = capUnits(totalUnits, effectiveSharePercent);
  return {
    id: row.id,
    sku: { code: row.sku_code, vendor: row.sku_vendor, name: row.sku_name, memoryGb: row.sku_memory_gb },
    region: { code: row.region_code, name: row.region_name, countryCode: row.region_country_code },
    currency: row.currency,
    askPrice: row.ask_price == null ? null : new Decimal(row.ask_price),
    totalUnits,
    capUnits: cap,
    committedUnits,
    availableUnits: Math.max(0, cap - committedUnits),
    effectiveSharePercent,
  };
}

/** A market row with its totals (sum of lots as received) and effective share. */
const MARKET_ROWS = `
  SELECT m.id, m.currency, m.ask_price, m.committed_units,
         (SELECT COALESCE(sum(l.quantity), 0) FROM inventory_lot l WHERE l.market_id = m.id) AS total_units,
         COALESCE(o.percent, g.percent) AS share_percent,
         s.code AS sku_code, s.vendor AS sku_vendor, s.name AS sku_name, s.memory_gb AS sku_memory_gb,
         r.code AS region_code, r.name AS region_name, r.country_code AS region_country_code
    FROM market m
    JOIN sku s ON s.id = m.sku_id
    JOIN region r ON r.id = m.region_id
    CROSS JOIN global_share g
    LEFT JOIN share_override o ON o.sku_id = m.sku_id`;

/** Markets by id: the hot read (every match run), prepared with a plan that fits every call. */
const MARKETS_BY_ID: PreparedStatement = {
  name: 'markets-by-id',
  text: `${MARKET_ROWS} WHERE m.id = ANY($1::uuid[]) ORDER BY s.code, r.code`,
};

/** Markets filtered by the parameters that are not null: SKU code, region code, offered only. */
const MARKETS_FILTERED = `${MARKET_ROWS}
  WHERE ($1::text IS NULL OR s.code = $1::text) AND ($2::text IS NULL OR r.code = $2::text) AND (NOT $3::boolean OR m.ask_price IS NOT NULL)
  ORDER BY s.code, r.code`;

/** Markets by id, with their totals and effective share; cap and availability follow exactly. */
export async function readMarketViewsById(em: EntityManager, ids: readonly string[]): Promise<MarketView[]> {
  const { rows } = await runPrepared<MarketRow>(em, MARKETS_BY_ID, [ids]);
  return rows.map(toView);
}

/** Markets that pass the filter, with their totals and effective share; cap and availability follow exactly. */
export async function readMarketViews(em: EntityManager, filter: MarketViewFilter): Promise<MarketView[]> {
  const rows: MarketRow[] = await em.query(MARKETS_FILTERED, [
    filter.skuCode ?? null,
    filter.regionCode ?? null,
    filter.offeredOnly ?? false,
  ]);
  return rows.map(toView);
}
