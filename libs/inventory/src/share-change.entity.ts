import { Check, Column, Entity, Generated, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Decimal, decimalTransformer } from '@gpupool/platform';
import { Sku } from './sku.entity';

/**
 * One change of the sellable share (global when `sku` is null). Append-only: a trigger refuses
 * UPDATE and DELETE. `seq` orders changes as they were made: they are serialized by a lock.
 */
@Entity()
@Check('share_change_old_percent', `old_percent IS NULL OR (old_percent >= 0 AND old_percent < 10)`)
@Check('share_change_new_percent', `new_percent IS NULL OR (new_percent >= 0 AND new_percent < 10)`)
@Check('share_change_global_not_cleared', `sku_id IS NOT NULL OR (old_percent IS NOT NULL AND new_percent IS NOT NULL)`)
@Check('share_change_reason', `btrim(reason) <> ''`)
export class ShareChange {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('bigint', { unique: true }) @Generated('increment') seq: string;
  @ManyToOne(() => Sku, { nullable: true, onDelete: 'RESTRICT' }) sku: Sku | null;
  @Column('uuid', { nullable: true }) skuId: string | null;
  /** Null for a first override. */
  @Column('numeric', { precision: 4, scale: 2, nullable: true, transformer: decimalTransformer }) oldPercent: Decimal | null;
  /** Null when an override was cleared. */
  @Column('numeric', { precision: 4, scale: 2, nullable: true, transformer: decimalTransformer }) newPercent: Decimal | null;
  @Column('text') reason: string;
  /** The API key (principal) that made the change. */
  @ManyToOne('ApiKey', { onDelete: 'RESTRICT' }) actor: unknown;
  @Column('uuid') actorId: string;
  @Column({ type: 'timestamptz', precision: 3, default: () => 'clock_timestamp()' }) at: Date;
}
