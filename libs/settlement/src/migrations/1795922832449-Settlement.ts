import { MigrationInterface, QueryRunner } from 'typeorm';

export class Settlement1795922832449 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "settlement" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "fill_id" uuid NOT NULL, "partner_id" uuid NOT NULL, "market_id" uuid NOT NULL, "quantity" integer NOT NULL, "unit_price" numeric(12,2) NOT NULL, "net_amount" numeric(24,2) NOT NULL, "tax_rate_percent" numeric(5,2) NOT NULL, "tax_amount" numeric(24,2) NOT NULL, "gross_amount" numeric(24,2) NOT NULL, "cost_amount" numeric(24,2) NOT NULL, "currency" character(3) NOT NULL, "journal_entry_id" uuid NOT NULL, "settled_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "settlement_journal_entry" UNIQUE ("journal_entry_id"), CONSTRAINT "settlement_fill" UNIQUE ("fill_id"), CONSTRAINT "settlement_currency" CHECK (currency ~ '^[A-Z]{3}$'), CONSTRAINT "settlement_gross" CHECK (gross_amount = net_amount + tax_amount), CONSTRAINT "settlement_amounts" CHECK (net_amount >= 0 AND tax_amount >= 0 AND gross_amount >= 0 AND cost_amount >= 0), CONSTRAINT "settlement_tax_rate" CHECK (tax_rate_percent >= 0 AND tax_rate_percent <= 100), CONSTRAINT "settlement_quantity" CHECK (quantity > 0), CONSTRAINT "PK_23997ae6972574beb45af0177ad" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "settlement_partner_settled" ON "settlement"  ("partner_id", "settled_at") `);
    await q.query(`CREATE INDEX "settlement_settled" ON "settlement"  ("settled_at", "id") `);
    await q.query(
      `ALTER TABLE "settlement" ADD CONSTRAINT "FK_f86268a1582082d2c83d4c26bf3" FOREIGN KEY ("fill_id") REFERENCES "fill"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "settlement" ADD CONSTRAINT "FK_bc7f9d728b4f4f2db25999af7a1" FOREIGN KEY ("partner_id") REFERENCES "partner"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "settlement" ADD CONSTRAINT "FK_d7e9257e1c55e15d2abcbdd0f4c" FOREIGN KEY ("market_id") REFERENCES "market"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "settlement" ADD CONSTRAINT "FK_27d35c759b6517ed5c811e6163d" FOREIGN KEY ("journal_entry_id") REFERENCES "journal_entry"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `CREATE TRIGGER settlement_append_only BEFORE UPDATE OR DELETE ON settlement FOR EACH ROW EXECUTE FUNCTION refuse_change()`,
    );
    await q.query(
      `CREATE TRIGGER settlement_no_truncate BEFORE TRUNCATE ON settlement FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER settlement_no_truncate ON settlement`);
    await q.query(`DROP TRIGGER settlement_append_only ON settlement`);
    await q.query(`ALTER TABLE "settlement" DROP CONSTRAINT "FK_27d35c759b6517ed5c811e6163d"`);
    await q.query(`ALTER TABLE "settlement" DROP CONSTRAINT "FK_d7e9257e1c55e15d2abcbdd0f4c"`);
    await q.query(`ALTER TABLE "settlement" DROP CONSTRAINT "FK_bc7f9d728b4f4f2db25999af7a1"`);
    await q.query(`ALTER TABLE "settlement" DROP CONSTRAINT "FK_f86268a1582082d2c83d4c26bf3"`);
    await q.query(`DROP INDEX "public"."settlement_settled"`);
    await q.query(`DROP INDEX "public"."settlement_partner_settled"`);
    await q.query(`DROP TABLE "settlement"`);
  }
}
