import { MigrationInterface, QueryRunner } from 'typeorm';

/** Raises check_violation unless the entry has two postings or more, summing to zero per currency. */
const ASSERT_BALANCED = `CREATE FUNCTION assert_journal_entry_balanced(entry uuid) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE
    posting_count integer;
    off_currency text;
    off_sum numeric;
  BEGIN
    SELECT count(*) INTO posting_count FROM posting WHERE journal_entry_id = entry;
    IF posting_count < 2 THEN
      RAISE EXCEPTION 'journal entry % has % posting(s); an entry needs at least two', entry, posting_count
        USING ERRCODE = 'check_violation';
    END IF;
    SELECT currency, sum(amount) INTO off_currency, off_sum FROM posting
      WHERE journal_entry_id = entry GROUP BY currency HAVING sum(amount) <> 0 LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'journal entry % does not balance: its % postings sum to %', entry, off_currency, off_sum
        USING ERRCODE = 'check_violation';
    END IF;
  END $$`;

/**
 * The balance check of journal entries, set-based: once per statement that writes entries or
 * postings, not once per row, and from the rows the statement inserted.
 *
 * What holds at the end of every statement: an entry that is not in `journal_entry_pending_check`
 * has two postings or more summing to zero per currency. So at the end of a statement:
 * - its new postings are summed per entry and currency: an entry whose new postings sum to zero was
 *   balanced and still is (a single posting is never zero, so it cannot balance alone);
 * - an entry it inserted has no postings but the statement's own (a posting needs its entry first),
 *   so it only has to have one.
 * An entry that fails either (a writer that inserts the entry, then its postings one statement at a
 * time) is noted in `journal_entry_pending_check`, once; that table's deferred constraint trigger
 * checks it from all its postings at the commit, as before. So an entry written with its postings in
 * one statement (LedgerService.postMany) leaves nothing for the commit, which then only writes.
 *
 * Before, a deferred row trigger on each entry and on each posting summed the entry's postings at
 * the commit: five or six times per entry of four or five postings.
 */
export class LedgerStatementChecks1796300000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER posting_balanced ON posting`);
    await q.query(`DROP TRIGGER journal_entry_balanced ON journal_entry`);
    await q.query(`DROP FUNCTION check_journal_entry_balanced()`);
    await q.query(ASSERT_BALANCED);

    await q.query(`CREATE TABLE "journal_entry_pending_check" ("journal_entry_id" uuid NOT NULL)`);
    // A bulk writer of entries, then of their postings, leaves as many rows as entries until its commit.
    await q.query(`CREATE INDEX "journal_entry_pending_check_entry" ON "journal_entry_pending_check" ("journal_entry_id")`);
    await q.query(`CREATE FUNCTION check_pending_journal_entry() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM assert_journal_entry_balanced(NEW.journal_entry_id);
        DELETE FROM journal_entry_pending_check WHERE journal_entry_id = NEW.journal_entry_id;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE CONSTRAINT TRIGGER journal_entry_pending_balanced AFTER INSERT ON journal_entry_pending_check
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_pending_journal_entry()`);

    await q.query(`CREATE FUNCTION note_entries_without_postings() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO journal_entry_pending_check (journal_entry_id)
        SELECT e.id FROM new_rows e WHERE NOT EXISTS (SELECT FROM posting p WHERE p.journal_entry_id = e.id);
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER journal_entry_balanced AFTER INSERT ON journal_entry REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION note_entries_without_postings()`);
    // An entry already waiting for its check at the commit needs nothing more now.
    await q.query(`CREATE FUNCTION note_unbalanced_postings() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO journal_entry_pending_check (journal_entry_id)
        SELECT DISTINCT u.journal_entry_id
          FROM (SELECT journal_entry_id FROM new_rows GROUP BY journal_entry_id, currency HAVING sum(amount) <> 0) u
         WHERE NOT EXISTS (SELECT FROM journal_entry_pending_check c WHERE c.journal_entry_id = u.journal_entry_id);
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER posting_balanced AFTER INSERT ON posting REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION note_unbalanced_postings()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['journal_entry', 'posting']) await q.query(`DROP TRIGGER ${table}_balanced ON ${table}`);
    await q.query(`DROP FUNCTION note_unbalanced_postings()`);
    await q.query(`DROP FUNCTION note_entries_without_postings()`);
    await q.query(`DROP TABLE "journal_entry_pending_check"`);
    await q.query(`DROP FUNCTION check_pending_journal_entry()`);
    // The row triggers of before, with the check they ran written out again as it was.
    await q.query(`DROP FUNCTION assert_journal_entry_balanced(uuid)`);
    await q.query(`CREATE FUNCTION check_journal_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        entry uuid;
        posting_count integer;
        off_currency text;
        off_sum numeric;
      BEGIN
        IF TG_TABLE_NAME = 'journal_entry' THEN
          entry := NEW.id;
        ELSE
          entry := NEW.journal_entry_id;
        END IF;
        SELECT count(*) INTO posting_count FROM posting WHERE journal_entry_id = entry;
        IF posting_count < 2 THEN
          RAISE EXCEPTION 'journal entry % has % posting(s); an entry needs at least two', entry, posting_count
            USING ERRCODE = 'check_violation';
        END IF;
        SELECT currency, sum(amount) INTO off_currency, off_sum FROM posting
          WHERE journal_entry_id = entry GROUP BY currency HAVING sum(amount) <> 0 LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'journal entry % does not balance: its % postings sum to %', entry, off_currency, off_sum
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE CONSTRAINT TRIGGER journal_entry_balanced AFTER INSERT ON journal_entry
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_journal_entry_balanced()`);
    await q.query(`CREATE CONSTRAINT TRIGGER posting_balanced AFTER INSERT ON posting
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_journal_entry_balanced()`);
  }
}
