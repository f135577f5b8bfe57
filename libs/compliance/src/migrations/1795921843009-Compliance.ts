import { MigrationInterface, QueryRunner } from 'typeorm';

export class Compliance1795921843009 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "export_license" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "partner_id" uuid NOT NULL, "sku_code" text NOT NULL, "quantity" integer NOT NULL, "valid_until" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "reference" text NOT NULL, "granted_by" uuid NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "export_license_reference" CHECK (char_length(reference) BETWEEN 1 AND 200), CONSTRAINT "export_license_quantity" CHECK (quantity BETWEEN 1 AND 1000000), CONSTRAINT "PK_d05a380f8286c2883519e0e4d7d" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "export_license_headroom" ON "export_license"  ("partner_id", "sku_code", "valid_until") `);
    await q.query(
      `CREATE TABLE "export_rule" ("sku_code" text NOT NULL, "country_code" character(2) NOT NULL, "rule" text NOT NULL, "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "export_rule_rule" CHECK (rule IN ('ALLOWED', 'LICENSE_REQUIRED', 'PROHIBITED')), CONSTRAINT "export_rule_country_code" CHECK (country_code ~ '^[A-Z]{2}$'), CONSTRAINT "PK_1768a0195603f9c0d8ae363c79d" PRIMARY KEY ("sku_code", "country_code"))`,
    );
    await q.query(
      `CREATE TABLE "export_usage" ("partner_id" uuid NOT NULL, "sku_code" text NOT NULL, "used_units" bigint NOT NULL DEFAULT '0', CONSTRAINT "export_usage_used_units" CHECK (used_units >= 0), CONSTRAINT "PK_fde084cb3e5bc20e26c714c42e4" PRIMARY KEY ("partner_id", "sku_code"))`,
    );
    await q.query(
      `ALTER TABLE "export_license" ADD CONSTRAINT "FK_770cb82e82d8261a364c6c7a0bc" FOREIGN KEY ("partner_id") REFERENCES "partner"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "export_license" ADD CONSTRAINT "FK_b62a3a8f8df7cba8bd121f96362" FOREIGN KEY ("sku_code") REFERENCES "sku"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "export_license" ADD CONSTRAINT "FK_16d965764521258140f8282e6c6" FOREIGN KEY ("granted_by") REFERENCES "api_key"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "export_rule" ADD CONSTRAINT "FK_8fc49f75e8f7e864754b307b3d7" FOREIGN KEY ("sku_code") REFERENCES "sku"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "export_usage" ADD CONSTRAINT "FK_b29b92831c5e28de6384143e20f" FOREIGN KEY ("partner_id") REFERENCES "partner"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "export_usage" ADD CONSTRAINT "FK_4eb871b37ddc9aa33297801a7c2" FOREIGN KEY ("sku_code") REFERENCES "sku"("code") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    // Since April 2025 the H20 needs a US export license for China; H100, H800 and A100 may not go there.
    // Huawei Ascend and Cambricon have no rule: ALLOWED.
    await q.query(`INSERT INTO export_rule (sku_code, country_code, rule) VALUES
      ('H20', 'CN', 'LICENSE_REQUIRED'),
      ('H100', 'CN', 'PROHIBITED'),
      ('H800', 'CN', 'PROHIBITED'),
      ('A100', 'CN', 'PROHIBITED')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "export_usage" DROP CONSTRAINT "FK_4eb871b37ddc9aa33297801a7c2"`);
    await q.query(`ALTER TABLE "export_usage" DROP CONSTRAINT "FK_b29b92831c5e28de6384143e20f"`);
    await q.query(`ALTER TABLE "export_rule" DROP CONSTRAINT "FK_8fc49f75e8f7e864754b307b3d7"`);
    await q.query(`ALTER TABLE "export_license" DROP CONSTRAINT "FK_16d965764521258140f8282e6c6"`);
    await q.query(`ALTER TABLE "export_license" DROP CONSTRAINT "FK_b62a3a8f8df7cba8bd121f96362"`);
    await q.query(`ALTER TABLE "export_license" DROP CONSTRAINT "FK_770cb82e82d8261a364c6c7a0bc"`);
    await q.query(`DROP TABLE "export_usage"`);
    await q.query(`DROP TABLE "export_rule"`);
    await q.query(`DROP INDEX "public"."export_license_headroom"`);
    await q.query(`DROP TABLE "export_license"`);
  }
}
