import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

/** A grant to a partner to receive up to `quantity` units of one SKU until `validUntil`. */
@Entity()
@Check('export_license_quantity', `quantity BETWEEN 1 AND 1000000`)
@Check('export_license_reference', `char_length(reference) BETWEEN 1 AND 200`)
@Index('export_license_headroom', ['partnerId', 'skuCode', 'validUntil'])
export class ExportLicense {
  @PrimaryGeneratedColumn('uuid') id: string;
  @ManyToOne('Partner', { onDelete: 'RESTRICT' }) partner: unknown;
  @Column('uuid') partnerId: string;
  @ManyToOne('Sku', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'sku_code', referencedColumnName: 'code' })
  sku: unknown;
  @Column('text') skuCode: string;
  @Column('integer') quantity: number;
  @Column({ type: 'timestamptz', precision: 3 }) validUntil: Date;
  /** The licence document's reference, such as the issuing authority's number. */
  @Column('text') reference: string;
  /** The API key (operator or admin) that granted it. */
  @ManyToOne('ApiKey', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'granted_by' })
  granter: unknown;
  @Column('uuid', { name: 'granted_by' }) grantedBy: string;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
}
