import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1795919690609 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    // Refuses UPDATE, DELETE and TRUNCATE on tables that are append-only by design.
    await q.query(`CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(
      `CREATE TABLE "audit_event" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "actor_id" uuid NOT NULL, "action" text NOT NULL, "entity" text NOT NULL, "entity_id" text, "before" jsonb, "after" jsonb, "reason" text, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_481efbe8b0a403efe3f47a6528f" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_5e17158fec0039930c5870f0e4" ON "audit_event"  ("at", "id") `);
    await q.query(
      `CREATE TABLE "partner" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "country_code" character(2) NOT NULL, "credit_limit" numeric(24,2) NOT NULL, "tax_rate_percent" numeric(5,2) NOT NULL, "credit_held" numeric(24,2) NOT NULL DEFAULT '0', "receivable" numeric(24,2) NOT NULL DEFAULT '0', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_9af6a8bd7cac55b61babc753853" UNIQUE ("name"), CONSTRAINT "partner_receivable" CHECK (receivable >= 0), CONSTRAINT "partner_credit_held" CHECK (credit_held >= 0), CONSTRAINT "partner_tax_rate" CHECK (tax_rate_percent >= 0 AND tax_rate_percent <= 100), CONSTRAINT "partner_credit_limit" CHECK (credit_limit >= 0), CONSTRAINT "partner_country_code" CHECK (country_code ~ '^[A-Z]{2}$'), CONSTRAINT "PK_8f34ff11ddd5459eacbfacd48ca" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "api_key" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "role" text NOT NULL, "partner_id" uuid, "label" text NOT NULL, "key_hash" character(64) NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_3c9751d2a6011ba13e27838105e" UNIQUE ("key_hash"), CONSTRAINT "api_key_partner_role" CHECK ((role = 'PARTNER') = (partner_id IS NOT NULL)), CONSTRAINT "api_key_role" CHECK (role IN ('ADMIN', 'OPERATOR', 'FINANCE', 'PARTNER')), CONSTRAINT "PK_b1bd840641b8acbaad89c3d8d11" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `ALTER TABLE "audit_event" ADD CONSTRAINT "FK_f44b7e9c0d50176bc07e018f637" FOREIGN KEY ("actor_id") REFERENCES "api_key"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "api_key" ADD CONSTRAINT "FK_466c829059540fb7567ddff9a8b" FOREIGN KEY ("partner_id") REFERENCES "partner"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(`CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
      FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    await q.query(`CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER audit_event_append_only ON audit_event`);
    await q.query(`DROP TRIGGER audit_event_no_truncate ON audit_event`);
    await q.query(`ALTER TABLE "api_key" DROP CONSTRAINT "FK_466c829059540fb7567ddff9a8b"`);
    await q.query(`ALTER TABLE "audit_event" DROP CONSTRAINT "FK_f44b7e9c0d50176bc07e018f637"`);
    await q.query(`DROP TABLE "api_key"`);
    await q.query(`DROP TABLE "partner"`);
    await q.query(`DROP INDEX "public"."IDX_5e17158fec0039930c5870f0e4"`);
    await q.query(`DROP TABLE "audit_event"`);
    await q.query(`DROP FUNCTION refuse_change()`);
  }
}
