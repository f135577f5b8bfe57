import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Decimal, PreparedStatement, runPrepared } from '@gpupool/platform';
import { InventoryLot } from './inventory-lot.entity';

export interface InventoryLotView {
  id: string;
  skuCode: string;
  regionCode: string;
  quantity: number;
  remainingQuantity: number;
  unitCost: Decimal;
  receivedAt: Date;
  reference: string | null;
}

export interface LotFilter {
  skuCode?: string | null;
  regionCode?: string | null;
}

/** A lot with units left, as FIFO relief locks it. */
export interface RemainingLot {
  id: string;
  remaining_quantity: number;
  unit_cost: string;
  received_at: Date;
}

interface LotRow {
  id: string;
  quantity: number;
  remaining_quantity: number;
  unit_cost: string;
  received_at: Date;
  reference: string | null;
  sku_code: string;
  region_code: string;
}

/** FIFO relief's statements, prepared: they run at every settlement batch. */
const LOCK_REMAINING: PreparedStatement = {
  name: 'lots-lock-remaining',
  text: `SELECT id, remaining_quantity, unit_cost, received_at FROM inventory_lot
          WHERE market_id = $1 AND remaining_quantity > 0
            AND ($2::timestamptz IS NULL OR (received_at, id) > ($2::timestamptz, $3::uuid))
          ORDER BY received_at, id
          LIMIT $4
          FOR UPDATE`,
};
const TAKE_UNITS: PreparedStatement = {
  name: 'lots-take-units',
  text: `UPDATE inventory_lot l SET remaining_quantity = l.remaining_quantity - u.take
           FROM unnest($1::uuid[], $2::int[]) AS u(id, take) WHERE l.id = u.id`,
};

/** The SQL of `inventory_lot`. */
@Injectable()
export class InventoryLotRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The market's next `limit` lots with units left, first in first out after `after`, locked FOR UPDATE. */
  async lockRemaining(em: EntityManager, marketId: string, after: RemainingLot | undefined, limit: number): Promise<RemainingLot[]> {
    const { rows } = await runPrepared<RemainingLot>(em, LOCK_REMAINING, [marketId, after?.received_at ?? null, after?.id ?? null, limit]);
    return rows;
  }

  /** Takes `taken[i]` units out of lot `ids[i]`, in one statement. */
  async take(em: EntityManager, ids: readonly string[], taken: readonly number[]): Promise<void> {
    await runPrepared(em, TAKE_UNITS, [ids, taken]);
  }

  /** Inserts a lot with all its units remaining; returns its id. */
  async insert(
    em: EntityManager,
    lot: { marketId: string; quantity: number; unitCost: Decimal; reference: string | null },
  ): Promise<string> {
    const inserted = await em.insert(InventoryLot, { ...lot, remainingQuantity: lot.quantity });
    return inserted.identifiers[0]!.id as string;
  }

  /** Lots in the order their cost leaves inventory (FIFO), filtered. */
  async views(filter: LotFilter & { lotId?: string }, em: EntityManager = this.dataSource.manager): Promise<InventoryLotView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (filter.lotId) where.push(`l.id = ${param(filter.lotId)}`);
    if (filter.skuCode != null) where.push(`s.code = ${param(filter.skuCode)}`);
    if (filter.regionCode != null) where.push(`r.code = ${param(filter.regionCode)}`);
    const rows: LotRow[] = await em.query(
      `SELECT l.id, l.quantity, l.remaining_quantity, l.unit_cost, l.received_at, l.reference,
              s.code AS sku_code, r.code AS region_code
         FROM inventory_lot l
         JOIN market m ON m.id = l.market_id
         JOIN sku s ON s.id = m.sku_id
         JOIN region r ON r.id = m.region_id
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY s.code, r.code, l.received_at, l.id`,
      params,
    );
    return rows.map((row) => ({
      id: row.id,
      skuCode: row.sku_code,
      regionCode: row.region_code,
      quantity: row.quantity,
      remainingQuantity: row.remaining_quantity,
      unitCost: new Decimal(row.unit_cost),
      receivedAt: row.received_at,
      reference: row.reference,
    }));
  }
}
