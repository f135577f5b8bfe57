import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Decimal, decimalTransformer } from '@gpupool/platform';
import { Sku } from './sku.entity';

/** A SKU's own sellable share, used instead of the global one while it exists. */
@Entity()
@Check('share_override_percent', `percent >= 0 AND percent < 10`)
export class ShareOverride {
  @PrimaryColumn('uuid') skuId: string;
  @ManyToOne(() => Sku, { onDelete: 'RESTRICT' }) @JoinColumn() sku: Sku;
  @Column('numeric', { precision: 4, scale: 2, transformer: decimalTransformer }) percent: Decimal;
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 }) updatedAt: Date;
}
