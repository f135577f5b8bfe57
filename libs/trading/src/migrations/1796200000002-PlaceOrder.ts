import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `place_order(…)`: placeOrder in one autocommit statement. It reads the market (offered?) and the
 * partner's tax rate and country, inserts the order with its hold computed exactly (quantity ×
 * limit × (1 + tax), rounded up to the fen) unless the partner's clientOrderId is taken, then
 * reserves export headroom (compliance's `reserve_export_units`) and holds credit (identity's
 * `hold_credit`), which raise when they refuse, undoing the whole statement. No row back means
 * nothing was written: the key's order exists, or the market or expiry is refused.
 * Locks, in the order of libs/trading/README.md: KEY SHARE on market and partner (the order's
 * foreign keys), the export usage row, then the partner's row.
 */
export class PlaceOrder1796200000002 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION place_order(p_partner uuid, p_client_order_id text, p_sku text, p_region text, p_quantity int,
                                               p_limit_price numeric, p_time_in_force text, p_expires_at timestamptz)
      RETURNS SETOF orders LANGUAGE plpgsql AS $$
      DECLARE
        v_market uuid;
        v_tax numeric;
        v_country bpchar;
        v_order orders;
      BEGIN
        SELECT m.id, p.tax_rate_percent, p.country_code INTO v_market, v_tax, v_country
          FROM market m JOIN sku s ON s.id = m.sku_id JOIN region r ON r.id = m.region_id, partner p
         WHERE s.code = p_sku AND r.code = p_region AND m.ask_price IS NOT NULL AND p.id = p_partner
           AND (p_expires_at IS NULL OR p_expires_at > now());
        IF NOT FOUND THEN RETURN; END IF;
        INSERT INTO orders AS o (partner_id, client_order_id, market_id, sku_code, region_code, quantity, limit_price,
                                 time_in_force, expires_at, tax_rate_percent, hold_amount)
        VALUES (p_partner, p_client_order_id, v_market, p_sku, p_region, p_quantity, p_limit_price, p_time_in_force,
                p_expires_at, v_tax, ceil(p_quantity * p_limit_price * (1 + v_tax / 100) * 100) / 100)
        ON CONFLICT ON CONSTRAINT orders_partner_client_order_id DO NOTHING
        RETURNING * INTO v_order;
        IF NOT FOUND THEN RETURN; END IF;
        PERFORM reserve_export_units(p_partner, p_sku, v_country, p_quantity);
        PERFORM hold_credit(p_partner, v_order.hold_amount);
        RETURN NEXT v_order;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION place_order(uuid, text, text, text, int, numeric, text, timestamptz)`);
  }
}
