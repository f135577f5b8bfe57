import { Check, Column, CreateDateColumn, Entity, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

export enum LedgerAccountKind {
  ASSET = 'ASSET',
  LIABILITY = 'LIABILITY',
  EQUITY = 'EQUITY',
  REVENUE = 'REVENUE',
  EXPENSE = 'EXPENSE',
}

/** An account of the chart; a partner's receivable account names its partner. */
@Entity()
@Check('ledger_account_kind', `kind IN ('ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE')`)
@Check(
  'ledger_account_receivable',
  `CASE WHEN partner_id IS NULL THEN code NOT LIKE 'RECEIVABLE:%' ELSE code = 'RECEIVABLE:' || partner_id END`,
)
export class LedgerAccount {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { unique: true }) code: string;
  @Column('text') name: string;
  @Column('text') kind: LedgerAccountKind;
  /** Named by string to keep the ledger off identity's tables. */
  @ManyToOne('Partner', { nullable: true, onDelete: 'RESTRICT' }) partner: unknown;
  @Column('uuid', { nullable: true }) partnerId: string | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt: Date;
}
