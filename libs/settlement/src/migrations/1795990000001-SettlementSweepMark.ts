import { MigrationInterface, QueryRunner } from 'typeorm';

/** The settlement sweep's watermark: one row, every fill executed before it is settled. */
export class SettlementSweepMark1795990000001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "settlement_sweep_mark" ("id" boolean NOT NULL DEFAULT true, "settled_before" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "settlement_sweep_mark_one_row" CHECK (id), CONSTRAINT "PK_settlement_sweep_mark" PRIMARY KEY ("id"))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "settlement_sweep_mark"`);
  }
}
