import { MigrationInterface, QueryRunner } from 'typeorm';

export class Ledger1795921394602 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "ledger_account" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "code" text NOT NULL, "name" text NOT NULL, "kind" text NOT NULL, "partner_id" uuid, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_cb2ceafed631e8bfa859548d22b" UNIQUE ("code"), CONSTRAINT "ledger_account_receivable" CHECK (CASE WHEN partner_id IS NULL THEN code NOT LIKE 'RECEIVABLE:%' ELSE code = 'RECEIVABLE:' || partner_id END), CONSTRAINT "ledger_account_kind" CHECK (kind IN ('ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE')), CONSTRAINT "PK_34640393ff83dad2b4627d7ae5f" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "posting" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "journal_entry_id" uuid NOT NULL, "account_id" uuid NOT NULL, "currency" character(3) NOT NULL, "amount" numeric(24,2) NOT NULL, CONSTRAINT "posting_currency" CHECK (currency ~ '^[A-Z]{3}$'), CONSTRAINT "posting_amount_nonzero" CHECK (amount <> 0), CONSTRAINT "PK_b535363e80b08416dacf34303a9" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_43406248742650049b96965e10" ON "posting"  ("journal_entry_id") `);
    await q.query(`CREATE INDEX "IDX_002b32f76b1fb96777ae1280db" ON "posting"  ("account_id") `);
    await q.query(
      `CREATE TABLE "journal_entry" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "description" text NOT NULL, "source_type" text NOT NULL, "source_id" text NOT NULL, "currency" character(3) NOT NULL, "posted_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "journal_entry_source" UNIQUE ("source_type", "source_id"), CONSTRAINT "journal_entry_currency" CHECK (currency ~ '^[A-Z]{3}$'), CONSTRAINT "PK_69167f660c807d2aa178f0bd7e6" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "payment" ("id" uuid NOT NULL, "partner_id" uuid NOT NULL, "amount" numeric(24,2) NOT NULL, "reference" text NOT NULL, "received_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "journal_entry_id" uuid NOT NULL, "recorded_by" uuid NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "payment_partner_reference" UNIQUE ("partner_id", "reference"), CONSTRAINT "REL_08362f8a21af9ffdf937ac1d95" UNIQUE ("journal_entry_id"), CONSTRAINT "payment_amount_positive" CHECK (amount > 0), CONSTRAINT "PK_fcaec7df5adf9cac408c686b2ab" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_2b703fdb20661da1b426fbf466" ON "payment"  ("partner_id", "received_at") `);
    await q.query(
      `ALTER TABLE "ledger_account" ADD CONSTRAINT "FK_28e4dcb522fab03d9ed16d86a69" FOREIGN KEY ("partner_id") REFERENCES "partner"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "posting" ADD CONSTRAINT "FK_43406248742650049b96965e105" FOREIGN KEY ("journal_entry_id") REFERENCES "journal_entry"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "posting" ADD CONSTRAINT "FK_002b32f76b1fb96777ae1280db3" FOREIGN KEY ("account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "payment" ADD CONSTRAINT "FK_3792a4d4fca9f63ffa272969e10" FOREIGN KEY ("partner_id") REFERENCES "partner"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "payment" ADD CONSTRAINT "FK_08362f8a21af9ffdf937ac1d95e" FOREIGN KEY ("journal_entry_id") REFERENCES "journal_entry"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "payment" ADD CONSTRAINT "FK_01495dafa60929d339c3728ce2f" FOREIGN KEY ("recorded_by") REFERENCES "api_key"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    // At commit, each journal entry touched must have two postings or more, summing to zero per currency.
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
    for (const table of ['journal_entry', 'posting', 'payment']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`);
    }
    await q.query(`INSERT INTO ledger_account (code, name, kind) VALUES
      ('CASH', 'Cash at bank', 'ASSET'),
      ('INVENTORY', 'GPU inventory at cost', 'ASSET'),
      ('SALES_REVENUE', 'Sales of GPUs', 'REVENUE'),
      ('VAT_PAYABLE', 'Output VAT payable', 'LIABILITY'),
      ('COGS', 'Cost of GPUs sold', 'EXPENSE'),
      ('FLEET_CAPITAL', 'Fleet capital: the other side of inventory received', 'EQUITY')`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['journal_entry', 'posting', 'payment']) {
      await q.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_no_truncate ON ${table}`);
    }
    await q.query(`DROP TRIGGER posting_balanced ON posting`);
    await q.query(`DROP TRIGGER journal_entry_balanced ON journal_entry`);
    await q.query(`DROP FUNCTION check_journal_entry_balanced()`);
    await q.query(`ALTER TABLE "payment" DROP CONSTRAINT "FK_01495dafa60929d339c3728ce2f"`);
    await q.query(`ALTER TABLE "payment" DROP CONSTRAINT "FK_08362f8a21af9ffdf937ac1d95e"`);
    await q.query(`ALTER TABLE "payment" DROP CONSTRAINT "FK_3792a4d4fca9f63ffa272969e10"`);
    await q.query(`ALTER TABLE "posting" DROP CONSTRAINT "FK_002b32f76b1fb96777ae1280db3"`);
    await q.query(`ALTER TABLE "posting" DROP CONSTRAINT "FK_43406248742650049b96965e105"`);
    await q.query(`ALTER TABLE "ledger_account" DROP CONSTRAINT "FK_28e4dcb522fab03d9ed16d86a69"`);
    await q.query(`DROP INDEX "public"."IDX_2b703fdb20661da1b426fbf466"`);
    await q.query(`DROP TABLE "payment"`);
    await q.query(`DROP TABLE "journal_entry"`);
    await q.query(`DROP INDEX "public"."IDX_002b32f76b1fb96777ae1280db"`);
    await q.query(`DROP INDEX "public"."IDX_43406248742650049b96965e10"`);
    await q.query(`DROP TABLE "posting"`);
    await q.query(`DROP TABLE "ledger_account"`);
  }
}
