import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The settlement sweep's watermark, one row: every fill executed before `settledBefore` is
 * settled, so the sweep reads fills from there on, never the whole history.
 */
@Entity()
@Check('settlement_sweep_mark_one_row', `id`)
export class SettlementSweepMark {
  @PrimaryColumn('boolean', { default: true }) id: boolean;
  @Column({ type: 'timestamptz', precision: 3 }) settledBefore: Date;
}
