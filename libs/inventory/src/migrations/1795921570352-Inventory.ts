import { MigrationInterface, QueryRunner } from 'typeorm';

export class Inventory1795921570352 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "region" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "code" text NOT NULL, "name" text NOT NULL, "country_code" character(2) NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_74f7723fdff738f92929c0056cb" UNIQUE ("code"), CONSTRAINT "region_country_code" CHECK (country_code ~ '^[A-Z]{2}$'), CONSTRAINT "region_code" CHECK (code ~ '^[a-z0-9-]{2,32}$'), CONSTRAINT "PK_5f48ffc3af96bc486f5f3f3a6da" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "sku" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "code" text NOT NULL, "vendor" text NOT NULL, "name" text NOT NULL, "memory_gb" integer NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_19ec6e4f8253df824722c3b8aba" UNIQUE ("code"), CONSTRAINT "sku_memory_gb" CHECK (memory_gb BETWEEN 1 AND 4096), CONSTRAINT "sku_code" CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{0,31}$'), CONSTRAINT "PK_ed102ac07c2cbc14c9a1438ecc2" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "global_share" ("id" boolean NOT NULL DEFAULT true, "percent" numeric(4,2) NOT NULL DEFAULT '0', "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "global_share_percent" CHECK (percent >= 0 AND percent < 10), CONSTRAINT "global_share_single_row" CHECK (id), CONSTRAINT "PK_6b6f1a767e32293cb67e6896c29" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "market" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "sku_id" uuid NOT NULL, "region_id" uuid NOT NULL, "currency" character(3) NOT NULL DEFAULT 'CNY', "ask_price" numeric(12,2), "committed_units" bigint NOT NULL DEFAULT '0', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "market_sku_region" UNIQUE ("sku_id", "region_id"), CONSTRAINT "market_committed_units" CHECK (committed_units >= 0), CONSTRAINT "market_ask_price" CHECK (ask_price IS NULL OR (ask_price > 0 AND ask_price <= 100000000)), CONSTRAINT "market_currency" CHECK (currency ~ '^[A-Z]{3}$'), CONSTRAINT "PK_1e9a2963edfd331d92018e3abac" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "inventory_lot" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "market_id" uuid NOT NULL, "quantity" integer NOT NULL, "remaining_quantity" integer NOT NULL, "unit_cost" numeric(12,2) NOT NULL, "reference" text, "received_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(), CONSTRAINT "inventory_lot_reference" CHECK (reference IS NULL OR char_length(reference) BETWEEN 1 AND 200), CONSTRAINT "inventory_lot_unit_cost" CHECK (unit_cost > 0 AND unit_cost <= 100000000), CONSTRAINT "inventory_lot_remaining" CHECK (remaining_quantity >= 0 AND remaining_quantity <= quantity), CONSTRAINT "inventory_lot_quantity" CHECK (quantity BETWEEN 1 AND 10000000), CONSTRAINT "PK_8a64c15f2f9662ba7e899b108ac" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "inventory_lot_fifo" ON "inventory_lot"  ("market_id", "received_at", "id") `);
    await q.query(
      `CREATE TABLE "share_change" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "seq" BIGSERIAL NOT NULL, "sku_id" uuid, "old_percent" numeric(4,2), "new_percent" numeric(4,2), "reason" text NOT NULL, "actor_id" uuid NOT NULL, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(), CONSTRAINT "UQ_739d08455e6f4618a055bad5397" UNIQUE ("seq"), CONSTRAINT "share_change_reason" CHECK (btrim(reason) <> ''), CONSTRAINT "share_change_global_not_cleared" CHECK (sku_id IS NOT NULL OR (old_percent IS NOT NULL AND new_percent IS NOT NULL)), CONSTRAINT "share_change_new_percent" CHECK (new_percent IS NULL OR (new_percent >= 0 AND new_percent < 10)), CONSTRAINT "share_change_old_percent" CHECK (old_percent IS NULL OR (old_percent >= 0 AND old_percent < 10)), CONSTRAINT "PK_4b7d565f22d3d1389ffe4136210" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "share_override" ("sku_id" uuid NOT NULL, "percent" numeric(4,2) NOT NULL, "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "share_override_percent" CHECK (percent >= 0 AND percent < 10), CONSTRAINT "PK_5d8cdc5489d6759d1dca6206194" PRIMARY KEY ("sku_id"))`,
    );
    await q.query(
      `ALTER TABLE "market" ADD CONSTRAINT "FK_ae0e8ef5a4d9bac2518347654ae" FOREIGN KEY ("sku_id") REFERENCES "sku"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "market" ADD CONSTRAINT "FK_a11011edba54f2665ca070cd001" FOREIGN KEY ("region_id") REFERENCES "region"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "inventory_lot" ADD CONSTRAINT "FK_a3a55bf2e97047832abd7e100d8" FOREIGN KEY ("market_id") REFERENCES "market"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "share_change" ADD CONSTRAINT "FK_88e92910481f44af3e6b278a451" FOREIGN KEY ("sku_id") REFERENCES "sku"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "share_change" ADD CONSTRAINT "FK_406f74f5d7a17d1ab50e35c6f20" FOREIGN KEY ("actor_id") REFERENCES "api_key"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "share_override" ADD CONSTRAINT "FK_5d8cdc5489d6759d1dca6206194" FOREIGN KEY ("sku_id") REFERENCES "sku"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    // Share history is append-only.
    await q.query(`CREATE TRIGGER share_change_append_only BEFORE UPDATE OR DELETE ON share_change
      FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    await q.query(`CREATE TRIGGER share_change_no_truncate BEFORE TRUNCATE ON share_change
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`);
    // A lot is the fleet of record: only its remaining quantity (FIFO cost relief) may change.
    await q.query(`CREATE FUNCTION refuse_lot_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'inventory_lot % keeps what was received: only remaining_quantity may change', OLD.id
          USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`CREATE TRIGGER inventory_lot_of_record BEFORE UPDATE ON inventory_lot FOR EACH ROW
      WHEN (NEW.id <> OLD.id OR NEW.market_id <> OLD.market_id OR NEW.quantity <> OLD.quantity OR NEW.unit_cost <> OLD.unit_cost
        OR NEW.reference IS DISTINCT FROM OLD.reference OR NEW.received_at <> OLD.received_at)
      EXECUTE FUNCTION refuse_lot_change()`);
    await q.query(`CREATE TRIGGER inventory_lot_no_delete BEFORE DELETE ON inventory_lot
      FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    await q.query(`CREATE TRIGGER inventory_lot_no_truncate BEFORE TRUNCATE ON inventory_lot
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`);
    // A new pool offers nothing until an operator sets the share.
    await q.query(`INSERT INTO global_share (id, percent) VALUES (true, 0)`);
    await q.query(`INSERT INTO sku (code, vendor, name, memory_gb) VALUES
      ('H20', 'NVIDIA', 'H20', 96),
      ('H100', 'NVIDIA', 'H100', 80),
      ('H800', 'NVIDIA', 'H800', 80),
      ('A100', 'NVIDIA', 'A100', 80),
      ('ASCEND-910B', 'Huawei', 'Ascend 910B', 64),
      ('ASCEND-910C', 'Huawei', 'Ascend 910C', 128),
      ('MLU370', 'Cambricon', 'MLU370', 48)`);
    await q.query(`INSERT INTO region (code, name, country_code) VALUES
      ('cn-beijing', 'China North 2 (Beijing)', 'CN'),
      ('cn-shanghai', 'China East 2 (Shanghai)', 'CN'),
      ('cn-guangzhou', 'China South 1 (Guangzhou)', 'CN'),
      ('cn-wulanchabu', 'China North 6 (Ulanqab)', 'CN'),
      ('ap-singapore', 'Asia Pacific (Singapore)', 'SG')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER inventory_lot_no_truncate ON inventory_lot`);
    await q.query(`DROP TRIGGER inventory_lot_no_delete ON inventory_lot`);
    await q.query(`DROP TRIGGER inventory_lot_of_record ON inventory_lot`);
    await q.query(`DROP FUNCTION refuse_lot_change()`);
    await q.query(`DROP TRIGGER share_change_no_truncate ON share_change`);
    await q.query(`DROP TRIGGER share_change_append_only ON share_change`);
    await q.query(`ALTER TABLE "share_override" DROP CONSTRAINT "FK_5d8cdc5489d6759d1dca6206194"`);
    await q.query(`ALTER TABLE "share_change" DROP CONSTRAINT "FK_406f74f5d7a17d1ab50e35c6f20"`);
    await q.query(`ALTER TABLE "share_change" DROP CONSTRAINT "FK_88e92910481f44af3e6b278a451"`);
    await q.query(`ALTER TABLE "inventory_lot" DROP CONSTRAINT "FK_a3a55bf2e97047832abd7e100d8"`);
    await q.query(`ALTER TABLE "market" DROP CONSTRAINT "FK_a11011edba54f2665ca070cd001"`);
    await q.query(`ALTER TABLE "market" DROP CONSTRAINT "FK_ae0e8ef5a4d9bac2518347654ae"`);
    await q.query(`DROP TABLE "share_override"`);
    await q.query(`DROP TABLE "share_change"`);
    await q.query(`DROP INDEX "public"."inventory_lot_fifo"`);
    await q.query(`DROP TABLE "inventory_lot"`);
    await q.query(`DROP TABLE "market"`);
    await q.query(`DROP TABLE "global_share"`);
    await q.query(`DROP TABLE "sku"`);
    await q.query(`DROP TABLE "region"`);
  }
}
