import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Decimal } from '@gpupool/platform';
import { GlobalShare } from './global-share.entity';
import { ShareChange } from './share-change.entity';
import { ShareOverride } from './share-override.entity';

export interface SharePolicyView {
  globalPercent: Decimal;
  overrides: { skuCode: string; percent: Decimal }[];
}

export interface ShareChangeView {
  id: string;
  skuCode: string | null;
  oldPercent: Decimal | null;
  newPercent: Decimal | null;
  reason: string;
  actorId: string;
  at: Date;
}

const decimalOrNull = (value: string | null) => (value == null ? null : new Decimal(value));

/** The SQL of the sellable share: `global_share`, `share_override` and their history `share_change`. */
@Injectable()
export class SharePolicyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Holds the global share steady until the transaction ends (FOR SHARE; every share change locks it first). */
  async holdSteady(em: EntityManager): Promise<void> {
    await em.query('SELECT id FROM global_share FOR SHARE');
  }

  /** Locks the global share FOR UPDATE (serializing share changes); returns it. */
  async lockGlobal(em: EntityManager): Promise<Decimal> {
    const [row]: { percent: string }[] = await em.query('SELECT percent FROM global_share FOR UPDATE');
    return new Decimal(row!.percent);
  }

  async policy(em: EntityManager = this.dataSource.manager): Promise<SharePolicyView> {
    const global = await em.findOneByOrFail(GlobalShare, { id: true });
    const overrides: { sku_code: string; percent: string }[] = await em.query(
      'SELECT s.code AS sku_code, o.percent FROM share_override o JOIN sku s ON s.id = o.sku_id ORDER BY s.code',
    );
    return { globalPercent: global.percent, overrides: overrides.map((o) => ({ skuCode: o.sku_code, percent: new Decimal(o.percent) })) };
  }

  async setGlobal(em: EntityManager, percent: Decimal): Promise<void> {
    await em.update(GlobalShare, { id: true }, { percent });
  }

  /** The SKU's override, if it has one. */
  async override(em: EntityManager, skuId: string): Promise<Decimal | null> {
    const override = await em.findOneBy(ShareOverride, { skuId });
    return override?.percent ?? null;
  }

  async insertOverride(em: EntityManager, skuId: string, percent: Decimal): Promise<void> {
    await em.insert(ShareOverride, { skuId, percent });
  }

  async updateOverride(em: EntityManager, skuId: string, percent: Decimal): Promise<void> {
    await em.update(ShareOverride, { skuId }, { percent });
  }

  async deleteOverride(em: EntityManager, skuId: string): Promise<void> {
    await em.delete(ShareOverride, { skuId });
  }

  async recordChange(
    em: EntityManager,
    change: { skuId: string | null; oldPercent: Decimal | null; newPercent: Decimal | null; reason: string; actorId: string },
  ): Promise<void> {
    await em.insert(ShareChange, change);
  }

  /** Share changes, newest first. */
  async history(first: number): Promise<ShareChangeView[]> {
    const rows: {
      id: string;
      sku_code: string | null;
      old_percent: string | null;
      new_percent: string | null;
      reason: string;
      actor_id: string;
      at: Date;
    }[] = await this.dataSource.query(
      `SELECT c.id, s.code AS sku_code, c.old_percent, c.new_percent, c.reason, c.actor_id, c.at
           FROM share_change c LEFT JOIN sku s ON s.id = c.sku_id
          ORDER BY c.seq DESC
          LIMIT $1`,
      [first],
    );
    return rows.map((row) => ({
      id: row.id,
      skuCode: row.sku_code,
      oldPercent: decimalOrNull(row.old_percent),
      newPercent: decimalOrNull(row.new_percent),
      reason: row.reason,
      actorId: row.actor_id,
      at: row.at,
    }));
  }
}
