import { Column, Entity, ManyToOne, PrimaryColumn } from 'typeorm';
import { Decimal, decimalTransformer } from '@gpupool/platform';
import { LedgerAccount } from './ledger-account.entity';

/**
 * The running debit and credit totals of one account in one currency. Updated at the commit of
 * every transaction that posts, from the changes the posting trigger noted (rows upserted in
 * account order; migrations/…-LedgerBalancesAtCommit), so the trial balance reads one row per
 * account instead of summing every posting ever made.
 */
@Entity()
export class LedgerBalance {
  @ManyToOne(() => LedgerAccount, { onDelete: 'RESTRICT' }) account: LedgerAccount;
  @PrimaryColumn('uuid') accountId: string;
  @PrimaryColumn('char', { length: 3 }) currency: string;
  /** Sum of the positive postings. */
  @Column('numeric', { transformer: decimalTransformer }) debit: Decimal;
  /** Sum of the negative postings, as a positive number. */
  @Column('numeric', { transformer: decimalTransformer }) credit: Decimal;
}
