import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Running balances per account and currency, kept by a statement-level trigger on `posting` (its
 * inserted rows summed and upserted in account order, so concurrent posters lock balance rows in
 * one order), and filled from the postings already there.
 */
export class LedgerBalances1795990000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "ledger_balance" ("account_id" uuid NOT NULL, "currency" character(3) NOT NULL, "debit" numeric NOT NULL, "credit" numeric NOT NULL, CONSTRAINT "PK_ledger_balance" PRIMARY KEY ("account_id", "currency"))`,
    );
    await q.query(
      `ALTER TABLE "ledger_balance" ADD CONSTRAINT "FK_eeebe58ecd74f9f1cfe13b3107a" FOREIGN KEY ("account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(`CREATE FUNCTION add_postings_to_balances() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ledger_balance AS b (account_id, currency, debit, credit)
        SELECT account_id, currency, COALESCE(sum(amount) FILTER (WHERE amount > 0), 0), COALESCE(-sum(amount) FILTER (WHERE amount < 0), 0)
          FROM new_postings GROUP BY account_id, currency ORDER BY account_id, currency
        ON CONFLICT (account_id, currency) DO UPDATE SET debit = b.debit + EXCLUDED.debit, credit = b.credit + EXCLUDED.credit;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER posting_balances AFTER INSERT ON posting REFERENCING NEW TABLE AS new_postings
      FOR EACH STATEMENT EXECUTE FUNCTION add_postings_to_balances()`);
    await q.query(`CREATE TRIGGER ledger_balance_no_delete BEFORE DELETE ON ledger_balance FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    await q.query(
      `CREATE TRIGGER ledger_balance_no_truncate BEFORE TRUNCATE ON ledger_balance FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`,
    );
    await q.query(`INSERT INTO ledger_balance (account_id, currency, debit, credit)
      SELECT account_id, currency, COALESCE(sum(amount) FILTER (WHERE amount > 0), 0), COALESCE(-sum(amount) FILTER (WHERE amount < 0), 0)
        FROM posting GROUP BY account_id, currency`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER posting_balances ON posting`);
    await q.query(`DROP FUNCTION add_postings_to_balances()`);
    await q.query(`DROP TABLE "ledger_balance"`);
  }
}
