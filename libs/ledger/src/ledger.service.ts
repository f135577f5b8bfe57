import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Decimal, PreparedStatement, runPrepared } from '@gpupool/platform';
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

/** More lines for an entry posted earlier in the same transaction (no other may take any); they balance on their own. */
export interface JournalEntryAddition {
  entryId: string;
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

/** The statements of posting, prepared: every settlement batch runs them. */
const ACCOUNTS_BY_CODE: PreparedStatement = {
  name: 'ledger-accounts-by-code',
  text: 'SELECT id, code FROM ledger_account WHERE code = ANY($1::text[])',
};
/** Entries ($1-$4, numbered in order) and their postings ($5-$7, by entry number), in one statement; an entry whose source has one is skipped. */
const POST_ENTRIES: PreparedStatement = {
  name: 'ledger-post-entries',
  text: `WITH d AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS d(description, source_type, source_id, currency, n)),
              e AS (INSERT INTO journal_entry (description, source_type, source_id, currency)
                    SELECT description, source_type, source_id, currency FROM d ORDER BY n
                    ON CONFLICT (source_type, source_id) DO NOTHING
                    RETURNING id, source_type, source_id, currency),
              de AS (SELECT e.id, e.currency, d.n FROM e JOIN d ON d.source_type = e.source_type AND d.source_id = e.source_id),
              p AS (INSERT INTO posting (journal_entry_id, account_id, currency, amount)
                    SELECT de.id, l.account, de.currency, l.amount
                      FROM unnest($5::int[], $6::uuid[], $7::numeric[]) AS l(n, account, amount) JOIN de ON de.n = l.n)
         SELECT id, n FROM de`,
};
/** Postings ($2-$4) added to entries ($1) already written in the same transaction. */
const ADD_POSTINGS: PreparedStatement = {
  name: 'ledger-add-postings',
  text: `INSERT INTO posting (journal_entry_id, account_id, currency, amount)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::numeric[])`,
};
const OPEN_ACCOUNTS: PreparedStatement = {
  name: 'ledger-open-accounts',
  text: `INSERT INTO ledger_account (code, name, kind, partner_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[]) ON CONFLICT (code) DO NOTHING`,
};

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
   * Posts balanced entries inside the caller's transaction in two statements, whatever their number:
   * the accounts looked up, then the entries and their postings written together. The database
   * checks their balance at the end of that statement, once for all of them, and leaves nothing to
   * check at the commit (which would run while the caller holds rows others wait for: settlement's
   * partner rows, last); the posting trigger notes them for the running balances, which take
   * them at the commit (migrations/…-LedgerBalancesAtCommit), so posting locks no shared row.
   * Returns the entries' ids in the order of the drafts. When a source event already has its entry,
   * DuplicateJournalEntryError is thrown: with one draft nothing is written; with several, the
   * others' entries may be written, so the caller rolls back.
   */
  async postMany(em: EntityManager, drafts: readonly JournalEntryDraft[]): Promise<string[]> {
    if (drafts.length === 0) return [];
    const idOf = await this.accountIds(em, drafts);
    const lines = drafts.flatMap((draft, i) =>
      draft.lines.map((line) => ({ draft: i + 1, account: idOf.get(line.account)!, amount: line.amount })),
    );
    const { rows: inserted } = await runPrepared<{ id: string; n: string }>(em, POST_ENTRIES, [
      drafts.map((d) => d.description),
      drafts.map((d) => d.sourceType),
      drafts.map((d) => d.sourceId),
      drafts.map((d) => d.currency),
      lines.map((l) => l.draft),
      lines.map((l) => l.account),
      lines.map((l) => l.amount.toFixed()),
    ]);
    const ids: (string | undefined)[] = drafts.map(() => undefined);
    for (const row of inserted) ids[Number(row.n) - 1] = row.id;
    const duplicate = drafts.find((_, i) => !ids[i]);
    if (duplicate) throw new DuplicateJournalEntryError(duplicate.sourceType, duplicate.sourceId);
    return ids as string[];
  }

  /**
   * Adds lines to entries posted earlier in the caller's transaction, in one statement, each
   * addition balanced on its own (checked here and by the database at the statement's end): a
   * writer posts what it knows first and the rest once it has taken the locks it needs for it. An
   * entry of another transaction is closed: the database refuses the statement
   * (migrations/…-LedgerEntriesClosedAtCommit).
   */
  async addLines(em: EntityManager, additions: readonly JournalEntryAddition[]): Promise<void> {
    if (additions.length === 0) return;
    const idOf = await this.accountIds(em, additions);
    const lines = additions.flatMap((addition) => addition.lines.map((line) => ({ ...addition, line })));
    await runPrepared(em, ADD_POSTINGS, [
      lines.map((l) => l.entryId),
      lines.map((l) => idOf.get(l.line.account)!),
      lines.map((l) => l.currency),
      lines.map((l) => l.line.amount.toFixed()),
    ]);
  }

  /** Checks each entry's (or addition's) lines and currency, and returns the ids of the accounts they name, by code. */
  private async accountIds(
    em: EntityManager,
    entries: readonly { currency: string; lines: JournalLine[] }[],
  ): Promise<Map<string, string>> {
    for (const entry of entries) {
      assertBalanced(entry.lines);
      if (!/^[A-Z]{3}$/.test(entry.currency)) throw new InvalidJournalEntryError(`currency "${entry.currency}" is not an ISO 4217 code`);
    }
    const codes = [...new Set(entries.flatMap((entry) => entry.lines.map((line) => line.account)))];
    const { rows: accounts } = await runPrepared<{ id: string; code: string }>(em, ACCOUNTS_BY_CODE, [codes]);
    const idOf = new Map(accounts.map((a) => [a.code, a.id]));
    const unknown = codes.filter((code) => !idOf.has(code));
    if (unknown.length > 0) throw new InvalidJournalEntryError(`unknown account ${unknown.join(', ')}`);
    return idOf;
  }

  /** The receivable account of a partner, created on first use. */
  async receivableAccount(em: EntityManager, partnerId: string): Promise<LedgerAccount> {
    const [code] = await this.openReceivableAccounts(em, [partnerId]);
    return em.findOneByOrFail(LedgerAccount, { code });
  }

  /** Opens the receivable accounts of partners that have none yet, in one statement; returns their codes in order. */
  async openReceivableAccounts(em: EntityManager, partnerIds: readonly string[]): Promise<string[]> {
    const ids = [...new Set(partnerIds)].sort();
    await runPrepared(em, OPEN_ACCOUNTS, [
      ids.map(receivableCode),
      ids.map((id) => `Receivable from partner ${id}`),
      ids.map(() => LedgerAccountKind.ASSET),
      ids,
    ]);
    return partnerIds.map(receivableCode);
  }

  /**
   * Per account and currency: debits, credits and balance, from the running balances, which every
   * transaction that posts updates at its commit (one row per account, whatever the history).
   */
  async trialBalance(): Promise<AccountBalance[]> {
    const rows: Record<'account' | 'name' | 'kind' | 'currency' | 'debit' | 'credit' | 'balance', string>[] = await this.dataSource.query(
      `SELECT a.code AS account, a.name, a.kind, b.currency, b.debit, b.credit, b.debit - b.credit AS balance
         FROM ledger_balance b JOIN ledger_account a ON a.id = b.account_id
        ORDER BY a.code, b.currency`,
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
