import { Check, Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Decimal, decimalTransformer } from '@gpupool/platform';

/** The global sellable share: exactly one row, seeded at 0 by the migration. */
@Entity()
@Check('global_share_single_row', `id`)
@Check('global_share_percent', `percent >= 0 AND percent < 10`)
export class GlobalShare {
  @PrimaryColumn('boolean', { default: true }) id: boolean;
  @Column('numeric', { precision: 4, scale: 2, default: 0, transformer: decimalTransformer }) percent: Decimal;
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 }) updatedAt: Date;
}
