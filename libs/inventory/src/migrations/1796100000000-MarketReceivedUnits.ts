import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A market's fleet of record kept on its row: `received_units`, the sum of its lots' quantities,
 * raised by a trigger in the transaction that inserts each lot (lots are append-only and keep what
 * was received), so reading a market's totals costs one row however many lots it received.
 */
export class MarketReceivedUnits1796100000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "market" ADD "received_units" bigint NOT NULL DEFAULT '0'`);
    await q.query(`ALTER TABLE "market" ADD CONSTRAINT "market_received_units" CHECK (received_units >= 0)`);
    await q.query(
      `UPDATE market m SET received_units = (SELECT COALESCE(sum(l.quantity), 0) FROM inventory_lot l WHERE l.market_id = m.id)`,
    );
    await q.query(`CREATE FUNCTION market_receive_lot() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE market SET received_units = received_units + NEW.quantity WHERE id = NEW.market_id;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER inventory_lot_received AFTER INSERT ON inventory_lot
      FOR EACH ROW EXECUTE FUNCTION market_receive_lot()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER inventory_lot_received ON inventory_lot`);
    await q.query(`DROP FUNCTION market_receive_lot()`);
    await q.query(`ALTER TABLE "market" DROP CONSTRAINT "market_received_units"`);
    await q.query(`ALTER TABLE "market" DROP COLUMN "received_units"`);
  }
}
