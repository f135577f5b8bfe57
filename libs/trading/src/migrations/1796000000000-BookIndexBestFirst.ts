import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The book index in the order a match run reads it (highest limit first, then earliest), so a run
 * reads the few bids its available units can fill, not every marketable bid sorted.
 */
export class BookIndexBestFirst1796000000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."orders_book"`);
    await q.query(
      `CREATE INDEX "orders_book" ON "orders" ("market_id", "resting", "limit_price" DESC, "seq") WHERE status IN ('OPEN', 'PARTIALLY_FILLED')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."orders_book"`);
    await q.query(
      `CREATE INDEX "orders_book" ON "orders" ("market_id", "resting", "limit_price", "seq") WHERE status IN ('OPEN', 'PARTIALLY_FILLED')`,
    );
  }
}
