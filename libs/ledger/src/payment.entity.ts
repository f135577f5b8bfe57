import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToOne, PrimaryColumn, Unique } from 'typeorm';
import { Decimal, decimalTransformer } from '@gpupool/platform';
import { JournalEntry } from './journal-entry.entity';

/** Money received from a partner against its receivable. Append-only; one journal entry each. */
@Entity()
@Unique('payment_partner_reference', ['partnerId', 'reference'])
@Check('payment_amount_positive', `amount > 0`)
@Index(['partnerId', 'receivedAt'])
export class Payment {
  /** Chosen before the journal entry is posted, which names it as its source. */
  @PrimaryColumn('uuid') id: string;
  @ManyToOne('Partner', { onDelete: 'RESTRICT' }) partner: unknown;
  @Column('uuid') partnerId: string;
  @Column('numeric', { precision: 24, scale: 2, transformer: decimalTransformer }) amount: Decimal;
  /** The bank's reference for the transfer. */
  @Column('text') reference: string;
  @Column({ type: 'timestamptz', precision: 3 }) receivedAt: Date;
  @OneToOne(() => JournalEntry, { onDelete: 'RESTRICT' }) @JoinColumn() journalEntry: JournalEntry;
  @Column('uuid') journalEntryId: string;
  /** The API key (finance or admin) that recorded it. */
  @ManyToOne('ApiKey', { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'recorded_by' }) recorder: unknown;
  @Column('uuid', { name: 'recorded_by' }) recordedBy: string;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
}
