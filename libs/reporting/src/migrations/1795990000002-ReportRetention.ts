import { MigrationInterface, QueryRunner } from 'typeorm';

/** When a report's file was removed after REPORTS_RETENTION_DAYS, and the partial index the removal reads through. */
export class ReportRetention1795990000002 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "settlement_report" ADD "file_deleted_at" TIMESTAMP(3) WITH TIME ZONE`);
    await q.query(
      `CREATE INDEX "settlement_report_kept" ON "settlement_report"  ("finished_at") WHERE status = 'SUCCEEDED' AND file_deleted_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."settlement_report_kept"`);
    await q.query(`ALTER TABLE "settlement_report" DROP COLUMN "file_deleted_at"`);
  }
}
