import { Check, Column, CreateDateColumn, Entity, Index, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Decimal, decimalTransformer } from '@gpupool/platform';

const money = { precision: 24, scale: 2, transformer: decimalTransformer };

/**
 * The accounting of one fill: net, tax, gross, cost of goods and the journal entry that books
 * them. One per fill (a unique constraint); never updated or deleted (a trigger refuses it).
 */
@Entity()
@Unique('settlement_fill', ['fillId'])
@Unique('settlement_journal_entry', ['journalEntryId'])
@Check('settlement_quantity', `quantity > 0`)
@Check('settlement_tax_rate', `tax_rate_percent >= 0 AND tax_rate_percent <= 100`)
@Check('settlement_amounts', `net_amount >= 0 AND tax_amount >= 0 AND gross_amount >= 0 AND cost_amount >= 0`)
@Check('settlement_gross', `gross_amount = net_amount + tax_amount`)
@Check('settlement_currency', `currency ~ '^[A-Z]{3}$'`)
@Index('settlement_settled', ['settledAt', 'id'])
@Index('settlement_partner_settled', ['partnerId', 'settledAt'])
export class Settlement {
  @PrimaryGeneratedColumn('uuid') id: string;
  @ManyToOne('Fill', { onDelete: 'RESTRICT' }) fill: unknown;
  @Column('uuid') fillId: string;
  @ManyToOne('Partner', { onDelete: 'RESTRICT' }) partner: unknown;
  @Column('uuid') partnerId: string;
  @ManyToOne('Market', { onDelete: 'RESTRICT' }) market: unknown;
  @Column('uuid') marketId: string;
  @Column('int') quantity: number;
  @Column('numeric', { precision: 12, scale: 2, transformer: decimalTransformer }) unitPrice: Decimal;
  /** quantity × unit price, before tax. */
  @Column('numeric', money) netAmount: Decimal;
  /** The order's tax rate, fixed when it was placed. */
  @Column('numeric', { precision: 5, scale: 2, transformer: decimalTransformer }) taxRatePercent: Decimal;
  @Column('numeric', money) taxAmount: Decimal;
  @Column('numeric', money) grossAmount: Decimal;
  /** FIFO cost of the units sold. */
  @Column('numeric', money) costAmount: Decimal;
  @Column('char', { length: 3 }) currency: string;
  @ManyToOne('JournalEntry', { onDelete: 'RESTRICT' }) journalEntry: unknown;
  @Column('uuid') journalEntryId: string;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) settledAt: Date;
}
