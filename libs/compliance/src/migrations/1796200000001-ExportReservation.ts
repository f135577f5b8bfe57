import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Export control in the database, where placeOrder's one statement can call it:
 * - `export_facts(partner, sku, country)`: the rule for exports of the SKU to the country
 *   (ALLOWED where none is set) and the partner's unexpired licensed units of the SKU;
 * - `reserve_export_units(partner, sku, country, units)`: counts `units` of a new order against the
 *   partner's usage of the SKU if the facts allow them (one upsert that checks the licensed total
 *   under the usage row's lock), or raises SQLSTATE GPE01 with the facts in its DETAIL (JSON),
 *   which `exportRefusal` turns into EXPORT_PROHIBITED or EXPORT_LICENSE_REQUIRED.
 */
export class ExportReservation1796200000001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION export_facts(p_partner uuid, p_sku text, p_country bpchar)
      RETURNS TABLE (rule text, licensed bigint) LANGUAGE sql STABLE AS $$
        SELECT COALESCE((SELECT r.rule FROM export_rule r WHERE r.sku_code = p_sku AND r.country_code = p_country), 'ALLOWED'),
               (SELECT COALESCE(sum(l.quantity), 0)::bigint FROM export_license l
                 WHERE l.partner_id = p_partner AND l.sku_code = p_sku AND l.valid_until > now())
      $$`);
    await q.query(`CREATE FUNCTION reserve_export_units(p_partner uuid, p_sku text, p_country bpchar, p_units bigint)
      RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        v_rule text;
        v_licensed bigint;
        v_used bigint;
      BEGIN
        SELECT f.rule, f.licensed INTO v_rule, v_licensed FROM export_facts(p_partner, p_sku, p_country) f;
        IF v_rule = 'ALLOWED' OR (v_rule = 'LICENSE_REQUIRED' AND v_licensed >= p_units) THEN
          INSERT INTO export_usage AS u (partner_id, sku_code, used_units) VALUES (p_partner, p_sku, p_units)
          ON CONFLICT (partner_id, sku_code) DO UPDATE SET used_units = u.used_units + EXCLUDED.used_units
           WHERE v_rule = 'ALLOWED' OR u.used_units + EXCLUDED.used_units <= v_licensed;
          IF FOUND THEN RETURN; END IF;
        END IF;
        SELECT COALESCE((SELECT used_units FROM export_usage WHERE partner_id = p_partner AND sku_code = p_sku), 0) INTO v_used;
        RAISE EXCEPTION 'exports of % to % refused for partner %', p_sku, p_country, p_partner USING ERRCODE = 'GPE01',
          DETAIL = json_build_object('skuCode', p_sku, 'countryCode', p_country, 'rule', v_rule, 'licensed', v_licensed,
                                     'used', v_used, 'asked', p_units)::text;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION reserve_export_units(uuid, text, bpchar, bigint)`);
    await q.query(`DROP FUNCTION export_facts(uuid, text, bpchar)`);
  }
}
