import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A journal entry takes postings only in the transaction that wrote it: once that transaction has
 * committed, the entry is closed, and what corrects it is a new entry.
 *
 * Before, the database refused postings only when they left an entry unbalanced, so balanced lines
 * added to an entry committed long ago (`LedgerService.addLines` given an old entry, or the same
 * INSERT by hand) passed. Now `journal_entry.written_in` holds the transaction that wrote the entry
 * (`writing_transaction()`: `pg_current_xact_id()`, the top-level transaction's id also inside a
 * savepoint, as a bigint, which the entity can map where it cannot map xid8), and a statement
 * that inserts postings into an entry of any other transaction is refused at its end. Entries written
 * before this migration have none, so they are closed too. The column is added without a default
 * first, so existing rows are not rewritten.
 *
 * The check looks each entry of the statement up by its key: one probe per entry, beside the
 * statement's inserts of one row per entry and three or more per posting.
 */
export class LedgerEntriesClosedAtCommit1796800000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION writing_transaction() RETURNS bigint LANGUAGE sql AS $$ SELECT pg_current_xact_id()::text::bigint $$`);
    await q.query(`ALTER TABLE journal_entry ADD COLUMN written_in bigint`);
    await q.query(`ALTER TABLE journal_entry ALTER COLUMN written_in SET DEFAULT writing_transaction()`);
    await q.query(`CREATE FUNCTION refuse_postings_to_closed_entries() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        closed uuid;
      BEGIN
        SELECT e.id INTO closed
          FROM (SELECT DISTINCT journal_entry_id FROM new_rows) n JOIN journal_entry e ON e.id = n.journal_entry_id
         WHERE e.written_in IS DISTINCT FROM writing_transaction()
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'journal entry % was committed by an earlier transaction: it takes no more postings', closed
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER posting_entry_open AFTER INSERT ON posting REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_postings_to_closed_entries()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER posting_entry_open ON posting`);
    await q.query(`DROP FUNCTION refuse_postings_to_closed_entries()`);
    await q.query(`ALTER TABLE journal_entry DROP COLUMN written_in`);
    await q.query(`DROP FUNCTION writing_transaction()`);
  }
}
