import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `hold_credit(partner, amount)`: holds `amount` of the partner's credit if that much is available
 * (check and hold in one UPDATE, under its row lock), or raises SQLSTATE GPC01 with the partner's
 * available credit in its DETAIL (JSON; `available` null when there is no such partner), which
 * `creditRefusal` turns into INSUFFICIENT_CREDIT or NOT_FOUND. The one writer of a new hold:
 * `PartnerCreditService.hold` and trading's `place_order` call it.
 */
export class CreditHold1796200000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION hold_credit(p_partner uuid, p_amount numeric) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        v_available numeric;
      BEGIN
        UPDATE partner SET credit_held = credit_held + p_amount
         WHERE id = p_partner AND credit_limit - credit_held - receivable >= p_amount;
        IF FOUND THEN RETURN; END IF;
        SELECT credit_limit - credit_held - receivable INTO v_available FROM partner WHERE id = p_partner;
        RAISE EXCEPTION 'a credit hold of % for partner % was refused', p_amount, p_partner USING ERRCODE = 'GPC01',
          DETAIL = json_build_object('partnerId', p_partner, 'available', v_available::text, 'requested', p_amount::text)::text;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION hold_credit(uuid, numeric)`);
  }
}
