import { MigrationInterface, QueryRunner } from 'typeorm';

/** Partial indexes over open orders only, so match runs and the sweep cost what is open, not the history. */
export class OpenOrderIndexes1795930000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "orders_open_partner" ON "orders"  ("market_id", "partner_id") WHERE status IN ('OPEN', 'PARTIALLY_FILLED')`,
    );
    await q.query(
      `CREATE INDEX "orders_open_expiry" ON "orders"  ("market_id", "expires_at") WHERE status IN ('OPEN', 'PARTIALLY_FILLED')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."orders_open_expiry"`);
    await q.query(`DROP INDEX "public"."orders_open_partner"`);
  }
}
