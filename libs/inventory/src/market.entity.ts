import { Check, Column, CreateDateColumn, Entity, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { bigintCountTransformer, Decimal, decimalTransformer } from '@gpupool/platform';
import { Region } from './region.entity';
import { Sku } from './sku.entity';

/**
 * One (SKU, region), created with its first inventory lot. Its fleet of record is the sum of its
 * lots, kept in `receivedUnits` by a trigger on each lot's insert; `committedUnits` counts the
 * units sold so far. Both only grow.
 */
@Entity()
@Unique('market_sku_region', ['sku', 'region'])
@Check('market_currency', `currency ~ '^[A-Z]{3}$'`)
@Check('market_ask_price', `ask_price IS NULL OR (ask_price > 0 AND ask_price <= 100000000)`)
@Check('market_committed_units', `committed_units >= 0`)
@Check('market_received_units', `received_units >= 0`)
export class Market {
  @PrimaryGeneratedColumn('uuid') id: string;
  @ManyToOne(() => Sku, { onDelete: 'RESTRICT' }) sku: Sku;
  @Column('uuid') skuId: string;
  @ManyToOne(() => Region, { onDelete: 'RESTRICT' }) region: Region;
  @Column('uuid') regionId: string;
  @Column('char', { length: 3, default: 'CNY' }) currency: string;
  /** Null: not offered to partners. */
  @Column('numeric', { precision: 12, scale: 2, nullable: true, transformer: decimalTransformer }) askPrice: Decimal | null;
  @Column('bigint', { default: 0, transformer: bigintCountTransformer }) committedUnits: number;
  @Column('bigint', { default: 0, transformer: bigintCountTransformer }) receivedUnits: number;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
}
