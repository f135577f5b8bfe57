import { Check, Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Posting } from './posting.entity';

/**
 * One business event in the books. Append-only, balanced per currency (checked by the database at
 * the end of the statement that writes it, or at the commit if that statement left it unbalanced),
 * and posted at most once per source event. Its postings are written by the transaction that wrote
 * it: `writtenIn` names that transaction, and the database refuses a posting to an entry of any
 * other (migrations/…-LedgerEntriesClosedAtCommit).
 */
@Entity()
@Unique('journal_entry_source', ['sourceType', 'sourceId'])
@Check('journal_entry_currency', `currency ~ '^[A-Z]{3}$'`)
export class JournalEntry {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') description: string;
  /** What kind of event this entry records: 'fill', 'payment', … */
  @Column('text') sourceType: string;
  @Column('text') sourceId: string;
  @Column('char', { length: 3 }) currency: string;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) postedAt: Date;
  /** The transaction that wrote the entry, set and read by the database alone (its posting check); null: written before that check. */
  @Column({ type: 'bigint', nullable: true, default: () => 'writing_transaction()', insert: false, update: false, select: false })
  writtenIn: string | null;
  @OneToMany(() => Posting, (posting) => posting.journalEntry) postings: Posting[];
}
