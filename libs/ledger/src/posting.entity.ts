import { Check, Column, Entity, Index, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Decimal, decimalTransformer } from '@gpupool/platform';
import type { JournalEntry } from './journal-entry.entity';
import { LedgerAccount } from './ledger-account.entity';

/** One line of a journal entry: a debit (positive) or a credit (negative) to one account. */
@Entity()
@Check('posting_amount_nonzero', `amount <> 0`)
@Check('posting_currency', `currency ~ '^[A-Z]{3}$'`)
export class Posting {
  @PrimaryGeneratedColumn('uuid') id: string;
  @ManyToOne('JournalEntry', 'postings', { onDelete: 'RESTRICT' }) journalEntry: JournalEntry;
  @Index() @Column('uuid') journalEntryId: string;
  @ManyToOne(() => LedgerAccount, { onDelete: 'RESTRICT' }) account: LedgerAccount;
  @Index() @Column('uuid') accountId: string;
  @Column('char', { length: 3 }) currency: string;
  @Column('numeric', { precision: 24, scale: 2, transformer: decimalTransformer }) amount: Decimal;
}
