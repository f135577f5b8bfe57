import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { bigintCountTransformer, Decimal, PreparedStatement, runPrepared } from '@gpupool/platform';
import { capUnits } from './cap-units';
import { Market } from './market.entity';
import { MarketView, MarketViewFilter } from './market-view';

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
  as_of: Date;
}

/** A market row locked for a change of its offer or supply. */
export interface LockedMarket {
  id: string;
  askPrice: Decimal | null;
  currency: string;
  /** The units of all its lots as received. */
  receivedUnits: number;
}

const count = (value: string) => bigintCountTransformer.from(value) as number;
const decimalOrNull = (value: string | null) => (value == null ? null : new Decimal(value));

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
    askPrice: decimalOrNull(row.ask_price),
    totalUnits,
    capUnits: cap,
    committedUnits,
    availableUnits: Math.max(0, cap - committedUnits),
    effectiveSharePercent,
    asOf: row.as_of,
  };
}

/** A market row with its totals (its lots as received, kept on the row) and effective share. */
const MARKET_ROWS = `
  SELECT m.id, m.currency, m.ask_price, m.committed_units, m.received_units AS total_units,
         COALESCE(o.percent, g.percent) AS share_percent,
         s.code AS sku_code, s.vendor AS sku_vendor, s.name AS sku_name, s.memory_gb AS sku_memory_gb,
         r.code AS region_code, r.name AS region_name, r.country_code AS region_country_code, now() AS as_of
    FROM market m
    JOIN sku s ON s.id = m.sku_id
    JOIN region r ON r.id = m.region_id
    CROSS JOIN global_share g
    LEFT JOIN share_override o ON o.sku_id = m.sku_id`;

/** Markets by id, prepared. */
const MARKETS_BY_ID: PreparedStatement = {
  name: 'markets-by-id',
  text: `${MARKET_ROWS} WHERE m.id = ANY($1::uuid[]) ORDER BY s.code, r.code`,
};

/**
 * One market by id: the hot read (every match run). Prepared, and by `=` rather than `= ANY`, so
 * that Postgres settles on one generic plan even before the small tables it joins have statistics
 * (with an array it re-plans at every call).
 */
const MARKET_BY_ID: PreparedStatement = { name: 'market-by-id', text: `${MARKET_ROWS} WHERE m.id = $1` };

/** Markets filtered by the parameters that are not null: SKU code, region code, offered only. */
const MARKETS_FILTERED = `${MARKET_ROWS}
  WHERE ($1::text IS NULL OR s.code = $1::text) AND ($2::text IS NULL OR r.code = $2::text) AND (NOT $3::boolean OR m.ask_price IS NOT NULL)
  ORDER BY s.code, r.code`;

/**
 * The SQL of `market`. Its views read the market's lots, SKU, region and share (all inventory's)
 * in one statement: cap and availability follow from them exactly.
 */
@Injectable()
export class MarketRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Markets by id, with their totals and effective share (prepared statement). */
  async viewsById(em: EntityManager, ids: readonly string[]): Promise<MarketView[]> {
    const { rows } = await runPrepared<MarketRow>(em, MARKETS_BY_ID, [ids]);
    return rows.map(toView);
  }

  /** One market by id, with its totals and effective share (prepared statement). */
  async viewById(em: EntityManager, id: string): Promise<MarketView | null> {
    const {
      rows: [row],
    } = await runPrepared<MarketRow>(em, MARKET_BY_ID, [id]);
    return row ? toView(row) : null;
  }

  /** Markets that pass the filter, with their totals and effective share. */
  async views(em: EntityManager, filter: MarketViewFilter): Promise<MarketView[]> {
    const rows: MarketRow[] = await em.query(MARKETS_FILTERED, [
      filter.skuCode ?? null,
      filter.regionCode ?? null,
      filter.offeredOnly ?? false,
    ]);
    return rows.map(toView);
  }

  /** The currency of each market, by id. */
  async currencies(ids: readonly string[]): Promise<Map<string, string>> {
    const rows: { id: string; currency: string }[] = await this.dataSource.query(
      'SELECT id, currency FROM market WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.currency]));
  }

  /** Units sold so far in every market, by SKU and region code. */
  async unitsSold(): Promise<{ sku: string; region: string; units: number }[]> {
    const rows: { sku: string; region: string; units: string }[] = await this.dataSource.query(
      `SELECT s.code AS sku, r.code AS region, m.committed_units AS units
         FROM market m JOIN sku s ON s.id = m.sku_id JOIN region r ON r.id = m.region_id`,
    );
    return rows.map((row) => ({ sku: row.sku, region: row.region, units: count(row.units) }));
  }

  /** The id of every market. */
  async ids(): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query('SELECT id FROM market');
    return rows.map((r) => r.id);
  }

  /** Locks the market row FOR NO KEY UPDATE; false when there is no such market. */
  async lock(em: EntityManager, marketId: string): Promise<boolean> {
    const locked: unknown[] = await em.query('SELECT id FROM market WHERE id = $1 FOR NO KEY UPDATE', [marketId]);
    return locked.length > 0;
  }

  /** Locks the market of (SKU, region) FOR NO KEY UPDATE; null when there is none. */
  async lockOf(em: EntityManager, skuId: string, regionId: string): Promise<LockedMarket | null> {
    const [market]: { id: string; ask_price: string | null; currency: string; received_units: string }[] = await em.query(
      'SELECT id, ask_price, currency, received_units FROM market WHERE sku_id = $1 AND region_id = $2 FOR NO KEY UPDATE',
      [skuId, regionId],
    );
    return market
      ? { id: market.id, askPrice: decimalOrNull(market.ask_price), currency: market.currency, receivedUnits: count(market.received_units) }
      : null;
  }

  /** Opens the market of (SKU, region) unless it exists; true when it was opened now. */
  async open(em: EntityManager, skuId: string, regionId: string): Promise<boolean> {
    const opened = await em.createQueryBuilder().insert().into(Market).values({ skuId, regionId }).orIgnore().returning('id').execute();
    return opened.raw.length > 0;
  }

  async setAskPrice(em: EntityManager, marketId: string, price: Decimal | null): Promise<void> {
    await em.update(Market, { id: marketId }, { askPrice: price });
  }

  async addCommittedUnits(em: EntityManager, marketId: string, units: number): Promise<void> {
    await em.query('UPDATE market SET committed_units = committed_units + $2 WHERE id = $1', [marketId, units]);
  }

  /** Offered markets whose SKU has no share override. */
  async offeredOnGlobalShare(em: EntityManager): Promise<string[]> {
    const rows: { id: string }[] = await em.query(
      `SELECT m.id FROM market m
        WHERE m.ask_price IS NOT NULL AND NOT EXISTS (SELECT 1 FROM share_override o WHERE o.sku_id = m.sku_id)`,
    );
    return rows.map((r) => r.id);
  }

  /** The SKU's offered markets. */
  async offeredOfSku(em: EntityManager, skuId: string): Promise<string[]> {
    const rows: { id: string }[] = await em.query('SELECT id FROM market WHERE sku_id = $1 AND ask_price IS NOT NULL', [skuId]);
    return rows.map((r) => r.id);
  }

  /** Every market of the SKU, offered or not. */
  async idsOfSku(em: EntityManager, skuId: string): Promise<string[]> {
    const rows: { id: string }[] = await em.query('SELECT id FROM market WHERE sku_id = $1', [skuId]);
    return rows.map((r) => r.id);
  }
}
