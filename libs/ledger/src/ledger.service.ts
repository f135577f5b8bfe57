import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { Decimal } from '@gpupool/platform';
import { assertBalanced, JournalLine } from './journal-lines';
import { JournalEntry } from './journal-entry.entity';
import { LedgerAccount, LedgerAccountKind } from './ledger-account.entity';
import { receivableCode } from './ledger-accounts';
import { DuplicateJournalEntryError, InvalidJournalEntryError } from './ledger.errors';

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
    const [id] = await this.postMany(em, [draft]);
    return em.findOneOrFail(JournalEntry, { where: { id }, relations: { postings: { account: true } } });
  }

  /**
   * Posts balanced entries inside the caller's transaction in three statements, whatever their
   * number; returns their ids in the order of the drafts. When a source event already has its
   * entry, DuplicateJournalEntryError is thrown: with one draft nothing is written; with several,
   * entries of the others may be written without postings, which the balance check refuses at
   * commit, so the caller rolls back.
   */
  async postMany(em: EntityManager, drafts: readonly JournalEntryDraft[]): Promise<string[]> {
    if (drafts.length === 0) return [];
    for (const draft of drafts) {
      assertBalanced(draft.lines);
      if (!/^[A-Z]{3}$/.test(draft.currency)) throw new InvalidJournalEntryError(`currency "${draft.currency}" is not an ISO 4217 code`);
    }
    const codes = [...new Set(drafts.flatMap((draft) => draft.lines.map((line) => line.account)))];
    const accounts = await em.find(LedgerAccount, { select: { id: true, code: true }, where: { code: In(codes) } });
    const idOf = new Map(accounts.map((a) => [a.code, a.id]));
    const unknown = codes.filter((code) => !idOf.has(code));
    if (unknown.length > 0) throw new InvalidJournalEntryError(`unknown account ${unknown.join(', ')}`);

    const inserted: { id: string; source_type: string; source_id: string }[] = await em.query(
      `INSERT INTO journal_entry (description, source_type, source_id, currency)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       ON CONFLICT (source_type, source_id) DO NOTHING
       RETURNING id, source_type, source_id`,
      [drafts.map((d) => d.description), drafts.map((d) => d.sourceType), drafts.map((d) => d.sourceId), drafts.map((d) => d.currency)],
    );
    const entryOf = new Map(inserted.map((row) => [`${row.source_type}|${row.source_id}`, row.id]));
    const ids = drafts.map((draft) => entryOf.get(`${draft.sourceType}|${draft.sourceId}`));
    const duplicate = drafts.find((_, i) => !ids[i]);
    if (duplicate) throw new DuplicateJournalEntryError(duplicate.sourceType, duplicate.sourceId);

    const postings = drafts.flatMap((draft, i) =>
      draft.lines.map((line) => ({
        entry: ids[i]!,
        account: idOf.get(line.account)!,
        currency: draft.currency,
        amount: line.amount.toFixed(),
      })),
    );
    await em.query(
      `INSERT INTO posting (journal_entry_id, account_id, currency, amount)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::char(3)[], $4::numeric[])`,
      [postings.map((p) => p.entry), postings.map((p) => p.account), postings.map((p) => p.currency), postings.map((p) => p.amount)],
    );
    return ids as string[];
  }

  /** The receivable account of a partner, created on first use. */
  async receivableAccount(em: EntityManager, partnerId: string): Promise<LedgerAccount> {
    const [code] = await this.openReceivableAccounts(em, [partnerId]);
    return em.findOneByOrFail(LedgerAccount, { code });
  }

  /** Opens the receivable accounts of partners that have none yet, in one statement; returns their codes in order. */
  async openReceivableAccounts(em: EntityManager, partnerIds: readonly string[]): Promise<string[]> {
    const ids = [...new Set(partnerIds)].sort();
    await em.query(
      `INSERT INTO ledger_account (code, name, kind, partner_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[]) ON CONFLICT (code) DO NOTHING`,
      [ids.map(receivableCode), ids.map((id) => `Receivable from partner ${id}`), ids.map(() => LedgerAccountKind.ASSET), ids],
    );
    return partnerIds.map(receivableCode);
  }

  /** Per account and currency: debits, credits and balance, summed exactly in Postgres. */
  async trialBalance(): Promise<AccountBalance[]> {
    const rows: Record<'account' | 'name' | 'kind' | 'currency' | 'debit' | 'credit' | 'balance', string>[] = await this.dataSource.query(
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
