import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { Decimal } from '@gpupool/platform';
import { assertBalanced, JournalLine } from './journal-lines';
import { JournalEntry } from './journal-entry.entity';
import { LedgerAccount, LedgerAccountKind } from './ledger-account.entity';
import { receivableCode } from './ledger-accounts';
import { DuplicateJournalEntryError, InvalidJournalEntryError } from './ledger.errors';
import { Posting } from './posting.entity';

export interface JournalEntryDraft {
  description: string;
  /** The kind of business event ('fill', 'payment', …); with sourceId, posted at most once. */
  sourceType: string;
  sourceId: string;
  currency: string;
  lines: JournalLine[];
}

/** Debits, credits (as a positive number) and balance (debit − credit) of one account in one currency. */
export interface AccountBalance {
  account: string;
  name: string;
  kind: LedgerAccountKind;
  currency: string;
  debit: Decimal;
  credit: Decimal;
  balance: Decimal;
}

@Injectable()
export class LedgerService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Posts a balanced entry inside the caller's transaction. A second entry for the same source
   * event is refused with DuplicateJournalEntryError, leaving the transaction usable.
   */
  async post(em: EntityManager, draft: JournalEntryDraft): Promise<JournalEntry> {
    assertBalanced(draft.lines);
    if (!/^[A-Z]{3}$/.test(draft.currency)) throw new InvalidJournalEntryError(`currency "${draft.currency}" is not an ISO 4217 code`);
    const codes = [...new Set(draft.lines.map((line) => line.account))];
    const accounts = await em.find(LedgerAccount, { select: { id: true, code: true }, where: { code: In(codes) } });
    const idOf = new Map(accounts.map((a) => [a.code, a.id]));
    const unknown = codes.filter((code) => !idOf.has(code));
    if (unknown.length > 0) throw new InvalidJournalEntryError(`unknown account ${unknown.join(', ')}`);

    const inserted = await em
      .createQueryBuilder()
      .insert()
      .into(JournalEntry)
      .values({ description: draft.description, sourceType: draft.sourceType, sourceId: draft.sourceId, currency: draft.currency })
      .orIgnore()
      .returning('id')
      .execute();
    const id = inserted.raw[0]?.id as string | undefined;
    if (!id) throw new DuplicateJournalEntryError(draft.sourceType, draft.sourceId);
    await em.insert(
      Posting,
      draft.lines.map((line) => ({ journalEntryId: id, accountId: idOf.get(line.account)!, currency: draft.currency, amount: line.amount })),
    );
    return em.findOneOrFail(JournalEntry, { where: { id }, relations: { postings: { account: true } } });
  }

  /** The receivable account of a partner, created on first use. */
  async receivableAccount(em: EntityManager, partnerId: string): Promise<LedgerAccount> {
    const code = receivableCode(partnerId);
    await em.query(
      `INSERT INTO ledger_account (code, name, kind, partner_id) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING`,
      [code, `Receivable from partner ${partnerId}`, LedgerAccountKind.ASSET, partnerId],
    );
    return em.findOneByOrFail(LedgerAccount, { code });
  }

  /** Per account and currency: debits, credits and balance, summed exactly in Postgres. */
  async trialBalance(): Promise<AccountBalance[]> {
    const rows: Record<'account' | 'name' | 'kind' | 'currency' | 'debit' | 'credit' | 'balance', string>[] =
      await this.dataSource.query(
        `SELECT a.code AS account, a.name, a.kind, t.currency, t.debit, t.credit, t.debit - t.credit AS balance
           FROM (SELECT account_id, currency,
                        COALESCE(sum(amount) FILTER (WHERE amount > 0), 0) AS debit,
                        COALESCE(-sum(amount) FILTER (WHERE amount < 0), 0) AS credit
                   FROM posting GROUP BY account_id, currency) t
           JOIN ledger_account a ON a.id = t.account_id
          ORDER BY a.code, t.currency`,
      );
    return rows.map((row) => ({
      account: row.account,
      name: row.name,
      kind: row.kind as LedgerAccountKind,
      currency: row.currency,
      debit: new Decimal(row.debit),
      credit: new Decimal(row.credit),
      balance: new Decimal(row.balance),
    }));
  }

  /** The entry posted for a business event, with its postings and their accounts, or null. */
  entryBySource(sourceType: string, sourceId: string, em: EntityManager = this.dataSource.manager): Promise<JournalEntry | null> {
    return em.findOne(JournalEntry, { where: { sourceType, sourceId }, relations: { postings: { account: true } } });
  }
}
