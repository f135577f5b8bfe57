import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Decimal } from '@gpupool/platform';

/** A fill with the tax rate its order was placed with: what its settlement needs from trading. */
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

/** Where an unsettled fill stands in execution order: the sweep pages by it. */
export interface FillPosition {
  id: string;
  executedAt: Date;
}

interface FillRow {
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

/**
 * The trading facts settlement reads (fills, the tax rate of their orders, which fills are not
 * settled yet), each in one statement, kept here in one place so that they can move behind a
 * trading repository without touching the rest of settlement. Fills never change once written.
 */
@Injectable()
export class FillSource {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The fills of `ids` that exist, with their orders' tax rates. */
  async fills(ids: readonly string[], em: EntityManager = this.dataSource.manager): Promise<FillToSettle[]> {
    const rows: FillRow[] = await em.query(
      `SELECT f.id, f.partner_id, f.market_id, f.sku_code, f.region_code, f.quantity, f.price, f.amount, f.hold_amount,
              f.executed_at, o.tax_rate_percent
         FROM fill f JOIN orders o ON o.id = f.order_id
        WHERE f.id = ANY($1::uuid[])`,
      [ids],
    );
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
   * fills since then, not the whole history.
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
}
