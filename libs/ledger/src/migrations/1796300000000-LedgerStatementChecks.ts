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
 * postings, not once per row.
 *
 * At the end of each statement that inserts entries or postings, a statement trigger sums the
 * postings of every entry it touched in one query. An entry that is balanced then needs nothing
 * more: a later posting to it fires the check again. An entry that is not balanced yet (a writer
 * that inserts the entry, then its postings one statement at a time) is noted in
 * `journal_entry_pending_check` (once), whose deferred constraint trigger checks it at the commit,
 * as before. So an entry written with its postings in one statement (LedgerService.postMany) leaves
 * nothing for the commit, and the commit of a transaction that posts only writes.
 *
 * Before, a deferred row trigger on each entry and on each posting ran the check at the commit:
 * five or six times per entry of four or five postings.
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

    // The entries among $1 with fewer than two postings, or whose postings do not sum to zero in a currency.
    await q.query(`CREATE FUNCTION unbalanced_journal_entries(entries uuid[]) RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
      SELECT id FROM (
        SELECT e.id, count(p.id) AS postings, sum(p.amount) AS total
          FROM unnest(entries) AS e(id) LEFT JOIN posting p ON p.journal_entry_id = e.id
         GROUP BY e.id, p.currency) AS per_currency
       GROUP BY id HAVING sum(postings) < 2 OR bool_or(total <> 0)
    $$`);
    await q.query(`CREATE FUNCTION note_unbalanced_journal_entries() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        entries uuid[];
      BEGIN
        -- An entry already waiting for its check at the commit needs nothing more now.
        IF TG_TABLE_NAME = 'journal_entry' THEN
          entries := ARRAY(SELECT id FROM new_rows);
        ELSE
          entries := ARRAY(SELECT journal_entry_id FROM new_rows EXCEPT SELECT journal_entry_id FROM journal_entry_pending_check);
        END IF;
        INSERT INTO journal_entry_pending_check (journal_entry_id) SELECT unbalanced_journal_entries(entries);
        RETURN NULL;
      END $$`);
    for (const table of ['journal_entry', 'posting'])
      await q.query(`CREATE TRIGGER ${table}_balanced AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION note_unbalanced_journal_entries()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['journal_entry', 'posting']) await q.query(`DROP TRIGGER ${table}_balanced ON ${table}`);
    await q.query(`DROP FUNCTION note_unbalanced_journal_entries()`);
    await q.query(`DROP FUNCTION unbalanced_journal_entries(uuid[])`);
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
