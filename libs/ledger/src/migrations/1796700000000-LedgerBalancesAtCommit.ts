import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The running balances are written at the commit, not at each posting statement.
 *
 * Before, the posting trigger upserted `ledger_balance` at the end of every statement that inserted
 * postings, so a transaction held the rows of the shared accounts (sales, VAT, cost of sales,
 * inventory) from its posting to its commit, and every other poster queued behind it: a settlement
 * batch held them while it wrote its settlement rows and credit changes.
 *
 * Now the trigger adds the statement's sums per account and currency to `ledger_balance_change`,
 * which no two transactions share (each sees only its own uncommitted rows), and queues one fold per
 * transaction (`ledger_balance_fold`, one row per transaction id). At the commit, the fold's
 * deferred trigger sums the transaction's changes and upserts them into `ledger_balance` in account
 * order, then empties both. So the balance rows are the last rows any writer locks, held for the
 * fold and the commit alone; and a writer may post in several statements, taking other locks
 * between them, without holding a balance row meanwhile.
 */
export class LedgerBalancesAtCommit1796700000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "ledger_balance_change" ("account_id" uuid NOT NULL, "currency" character(3) NOT NULL, "debit" numeric NOT NULL, "credit" numeric NOT NULL)`,
    );
    await q.query(`CREATE TABLE "ledger_balance_fold" ("xact" xid8 NOT NULL, CONSTRAINT "PK_ledger_balance_fold" PRIMARY KEY ("xact"))`);
    await q.query(`CREATE OR REPLACE FUNCTION add_postings_to_balances() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ledger_balance_change (account_id, currency, debit, credit)
        SELECT account_id, currency, COALESCE(sum(amount) FILTER (WHERE amount > 0), 0), COALESCE(-sum(amount) FILTER (WHERE amount < 0), 0)
          FROM new_postings GROUP BY account_id, currency;
        INSERT INTO ledger_balance_fold (xact) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE FUNCTION fold_balance_changes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        WITH c AS (DELETE FROM ledger_balance_change RETURNING *)
        INSERT INTO ledger_balance AS b (account_id, currency, debit, credit)
        SELECT account_id, currency, sum(debit), sum(credit) FROM c GROUP BY account_id, currency ORDER BY account_id, currency
        ON CONFLICT (account_id, currency) DO UPDATE SET debit = b.debit + EXCLUDED.debit, credit = b.credit + EXCLUDED.credit;
        DELETE FROM ledger_balance_fold WHERE xact = NEW.xact;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE CONSTRAINT TRIGGER ledger_balance_fold_at_commit AFTER INSERT ON ledger_balance_fold
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fold_balance_changes()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER ledger_balance_fold_at_commit ON ledger_balance_fold`);
    await q.query(`DROP FUNCTION fold_balance_changes()`);
    await q.query(`CREATE OR REPLACE FUNCTION add_postings_to_balances() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ledger_balance AS b (account_id, currency, debit, credit)
        SELECT account_id, currency, COALESCE(sum(amount) FILTER (WHERE amount > 0), 0), COALESCE(-sum(amount) FILTER (WHERE amount < 0), 0)
          FROM new_postings GROUP BY account_id, currency ORDER BY account_id, currency
        ON CONFLICT (account_id, currency) DO UPDATE SET debit = b.debit + EXCLUDED.debit, credit = b.credit + EXCLUDED.credit;
        RETURN NULL;
      END $$`);
    await q.query(`DROP TABLE "ledger_balance_fold"`);
    await q.query(`DROP TABLE "ledger_balance_change"`);
  }
}
