import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { Decimal, keysetPage, Page, PreparedStatement, runPrepared } from '@gpupool/platform';
import { Fill } from './fill.entity';
import { FillFilter } from './trading.models';

/**
 * Fills of a match run, with the ids the run gave them (prepared: every run with fills). What all
 * fills of a run share (market, SKU, region, time) is sent once, and each amount is its quantity ×
 * price (the table's check), so Postgres parses six arrays, not eleven.
 */
const INSERT_FILLS: PreparedStatement = {
  name: 'fills-insert',
  text: `INSERT INTO fill (id, order_id, partner_id, market_id, sku_code, region_code, quantity, price, amount, hold_amount, executed_at)
         SELECT f.id, f.order_id, f.partner_id, $7, $8, $9, f.quantity, f.price, f.quantity * f.price, f.hold_amount, $10
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::numeric[], $6::numeric[])
             AS f(id, order_id, partner_id, quantity, price, hold_amount)`,
};

/** What every fill of one match run shares. */
export interface RunOfFills {
  marketId: string;
  skuCode: string;
  regionCode: string;
  executedAt: Date;
}

/** Fills with their orders' tax rates (prepared: every settlement batch). */
const FILLS_TO_SETTLE: PreparedStatement = {
  name: 'fills-to-settle',
  text: `SELECT f.id, f.partner_id, f.market_id, f.sku_code, f.region_code, f.quantity, f.price, f.amount, f.hold_amount,
                f.executed_at, o.tax_rate_percent
           FROM fill f JOIN orders o ON o.id = f.order_id
          WHERE f.id = ANY($1::uuid[])`,
};

/** A fill with the tax rate its order was placed with: what its settlement needs. */
export interface FillToSettle {
  id: string;
  partnerId: string;
  marketId: string;
  skuCode: string;
  regionCode: string;
  quantity: number;
  price: Decimal;
  amount: Decimal;
  holdAmount: Decimal;
  executedAt: Date;
  taxRatePercent: Decimal;
}

/** Where an unsettled fill stands in execution order: the settlement sweep pages by it. */
export interface FillPosition {
  id: string;
  executedAt: Date;
}

interface FillToSettleRow {
  id: string;
  partner_id: string;
  market_id: string;
  sku_code: string;
  region_code: string;
  quantity: number;
  price: string;
  amount: string;
  hold_amount: string;
  executed_at: Date;
  tax_rate_percent: string;
}

/** The SQL of `fill`. Fills never change once written. */
@Injectable()
export class FillRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts fills of `run`, with the ids the run gave them, in one statement. */
  async insertMany(em: EntityManager, run: RunOfFills, fills: readonly Fill[]): Promise<void> {
    await runPrepared(em, INSERT_FILLS, [
      fills.map((f) => f.id),
      fills.map((f) => f.orderId),
      fills.map((f) => f.partnerId),
      fills.map((f) => f.quantity),
      fills.map((f) => f.price.toFixed(2)),
      fills.map((f) => f.holdAmount.toFixed(2)),
      run.marketId,
      run.skuCode,
      run.regionCode,
      run.executedAt,
    ]);
  }

  /** The fills of `ids` that exist, with their orders' tax rates, in one statement. */
  async toSettle(ids: readonly string[], em: EntityManager = this.dataSource.manager): Promise<FillToSettle[]> {
    const { rows } = await runPrepared<FillToSettleRow>(em, FILLS_TO_SETTLE, [ids]);
    return rows.map((r) => ({
      id: r.id,
      partnerId: r.partner_id,
      marketId: r.market_id,
      skuCode: r.sku_code,
      regionCode: r.region_code,
      quantity: r.quantity,
      price: new Decimal(r.price),
      amount: new Decimal(r.amount),
      holdAmount: new Decimal(r.hold_amount),
      executedAt: r.executed_at,
      taxRatePercent: new Decimal(r.tax_rate_percent),
    }));
  }

  /**
   * Fills executed at or after `since` that have no settlement, in execution order after `after`,
   * at most `limit`: an index range of `fill (executed_at, id)` from `since`, so its cost follows the
   * fills since then, not the whole history. The anti-join names settlement's `settlement` table:
   * one statement keeps the range bounded (libs/trading/README.md, "Tables read across domains").
   */
  async unsettledSince(since: Date, after: FillPosition | null, limit: number): Promise<FillPosition[]> {
    const rows: { id: string; executed_at: Date }[] = await this.dataSource.query(
      `SELECT f.id, f.executed_at FROM fill f
        WHERE f.executed_at >= $1
          AND ($2::timestamptz IS NULL OR (f.executed_at, f.id) > ($2::timestamptz, $3::uuid))
          AND NOT EXISTS (SELECT 1 FROM settlement s WHERE s.fill_id = f.id)
        ORDER BY f.executed_at, f.id
        LIMIT $4`,
      [since, after?.executedAt ?? null, after?.id ?? null, limit],
    );
    return rows.map((r) => ({ id: r.id, executedAt: r.executed_at }));
  }

  /** The fills of these orders, in execution order. */
  byOrderIds(orderIds: readonly string[]): Promise<Fill[]> {
    return this.dataSource.getRepository(Fill).find({ where: { orderId: In([...orderIds]) }, order: { executedAt: 'ASC', id: 'ASC' } });
  }

  /** Fills newest first, of one partner or all, filtered. */
  page(partnerId: string | undefined, filter: FillFilter, first: number, after?: string | null): Promise<Page<Fill>> {
    const query = this.dataSource.getRepository(Fill).createQueryBuilder('f').where('TRUE');
    if (partnerId) query.andWhere('f.partner_id = :partnerId', { partnerId });
    if (filter.orderId) query.andWhere('f.order_id = :orderId', { orderId: filter.orderId });
    if (filter.skuCode) query.andWhere('f.sku_code = :sku', { sku: filter.skuCode });
    if (filter.regionCode) query.andWhere('f.region_code = :region', { region: filter.regionCode });
    if (filter.from) query.andWhere('f.executed_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('f.executed_at < :to', { to: filter.to });
    return keysetPage(query, 'f.executed_at', (f) => f.executedAt, first, after);
  }
}
