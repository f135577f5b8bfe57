import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ExportRule } from './export-rule.enum';

/** The export rule of one SKU to one destination country; a (SKU, country) without a row is ALLOWED. */
@Entity('export_rule')
@Check('export_rule_country_code', `country_code ~ '^[A-Z]{2}$'`)
@Check('export_rule_rule', `rule IN ('ALLOWED', 'LICENSE_REQUIRED', 'PROHIBITED')`)
export class ExportRuleEntry {
  @ManyToOne('Sku', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'sku_code', referencedColumnName: 'code' })
  sku: unknown;
  @PrimaryColumn('text') skuCode: string;
  @PrimaryColumn('char', { length: 2 }) countryCode: string;
  @Column('text') rule: ExportRule;
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 }) updatedAt: Date;
}
