import { MigrationInterface, QueryRunner } from 'typeorm';

/** `place_order` (1796200000002-PlaceOrder) with the expression of its order's hold given. */
const placeOrder = (hold: string) => `CREATE OR REPLACE FUNCTION place_order(p_partner uuid, p_client_order_id text, p_sku text,
                                               p_region text, p_quantity int, p_limit_price numeric, p_time_in_force text,
                                               p_expires_at timestamptz)
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
                p_expires_at, v_tax, ${hold})
        ON CONFLICT ON CONSTRAINT orders_partner_client_order_id DO NOTHING
        RETURNING * INTO v_order;
        IF NOT FOUND THEN RETURN; END IF;
        PERFORM reserve_export_units(p_partner, p_sku, v_country, p_quantity);
        PERFORM hold_credit(p_partner, v_order.hold_amount);
        RETURN NEXT v_order;
      END $$`;

/**
 * `order_hold(quantity, limit, tax)`: the credit `quantity` units at `limit` hold, quantity × limit ×
 * (1 + tax / 100) rounded up to the fen, written once for Postgres: `place_order` holds an order's
 * with it, and a match run's phase 1 the part of a partial fill (RestingFills). Node's is `holdFor`
 * (credit-hold.ts), which a test holds to it. A plain SQL expression, so the planner inlines it.
 */
export class OrderHold1796600000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION order_hold(quantity numeric, limit_price numeric, tax_rate_percent numeric)
      RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT ceil(quantity * limit_price * (1 + tax_rate_percent / 100) * 100) / 100 $$`);
    await q.query(placeOrder('order_hold(p_quantity, p_limit_price, v_tax)'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(placeOrder('ceil(p_quantity * p_limit_price * (1 + v_tax / 100) * 100) / 100'));
    await q.query(`DROP FUNCTION order_hold(numeric, numeric, numeric)`);
  }
}
