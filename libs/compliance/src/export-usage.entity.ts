import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintCountTransformer } from '@gpupool/platform';

/**
 * The units of one SKU a partner has in open orders and fills, whatever the export rule, so a rule
 * that later requires a license counts them. Changed only through ComplianceService, under its row lock.
 */
@Entity()
@Check('export_usage_used_units', `used_units >= 0`)
export class ExportUsage {
  @ManyToOne('Partner', { onDelete: 'RESTRICT' }) partner: unknown;
  @PrimaryColumn('uuid') partnerId: string;
  @ManyToOne('Sku', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'sku_code', referencedColumnName: 'code' })
  sku: unknown;
  @PrimaryColumn('text') skuCode: string;
  @Column('bigint', { default: 0, transformer: bigintCountTransformer })
  usedUnits: number;
}
