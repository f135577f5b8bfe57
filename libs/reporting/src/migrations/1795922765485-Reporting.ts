import { MigrationInterface, QueryRunner } from 'typeorm';

export class Reporting1795922765485 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "settlement_report" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "status" text NOT NULL DEFAULT 'QUEUED', "format" text NOT NULL, "period_from" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "period_to" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "partner_id" uuid, "requested_by" uuid NOT NULL, "progress_percent" integer NOT NULL DEFAULT '0', "row_count" integer, "total_quantity" bigint, "total_net_amount" numeric(24,2), "total_tax_amount" numeric(24,2), "total_gross_amount" numeric(24,2), "total_cost_amount" numeric(24,2), "sha256" character(64), "file_name" text, "error" text, "attempts" integer NOT NULL DEFAULT '0', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP(3) WITH TIME ZONE, "finished_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "settlement_report_succeeded" CHECK (status <> 'SUCCEEDED' OR (row_count IS NOT NULL AND total_quantity IS NOT NULL AND total_net_amount IS NOT NULL AND total_tax_amount IS NOT NULL AND total_gross_amount IS NOT NULL AND total_cost_amount IS NOT NULL AND sha256 IS NOT NULL AND file_name IS NOT NULL AND finished_at IS NOT NULL)), CONSTRAINT "settlement_report_attempts" CHECK (attempts >= 0), CONSTRAINT "settlement_report_progress" CHECK (progress_percent BETWEEN 0 AND 100), CONSTRAINT "settlement_report_period" CHECK (period_from < period_to), CONSTRAINT "settlement_report_format" CHECK (format IN ('CSV', 'XLSX')), CONSTRAINT "settlement_report_status" CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')), CONSTRAINT "PK_dd25156a5ccd3637a81699b0a42" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "settlement_report_pending" ON "settlement_report"  ("created_at") WHERE status IN ('QUEUED', 'RUNNING')`);
    await q.query(
      `ALTER TABLE "settlement_report" ADD CONSTRAINT "FK_ac6369d697b7fe36f58725d3c14" FOREIGN KEY ("partner_id") REFERENCES "partner"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "settlement_report" ADD CONSTRAINT "FK_987fa9aaad6d63c3fa3bd433c2b" FOREIGN KEY ("requested_by") REFERENCES "api_key"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "settlement_report" DROP CONSTRAINT "FK_987fa9aaad6d63c3fa3bd433c2b"`);
    await q.query(`ALTER TABLE "settlement_report" DROP CONSTRAINT "FK_ac6369d697b7fe36f58725d3c14"`);
    await q.query(`DROP INDEX "public"."settlement_report_pending"`);
    await q.query(`DROP TABLE "settlement_report"`);
  }
}
