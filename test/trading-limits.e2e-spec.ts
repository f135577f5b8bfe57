import { codesOf, GraphQLResponse } from './support/graphql-client';
import { eventually, Pool } from './support/pool';
import { startStack, TestStack } from './support/stack';
import { tradingViolations } from './support/trading-invariants';
import type { PlaceOrderInput } from './support/graphql/generated/graphql';

const H20 = { skuCode: 'H20', regionCode: 'cn-beijing' };
const H20_SCARCE = { skuCode: 'H20', regionCode: 'cn-shanghai' };
const H100 = { skuCode: 'H100', regionCode: 'ap-singapore' };
const ASCEND = { skuCode: 'ASCEND-910B', regionCode: 'cn-guangzhou' };
const GRANT = 'mutation($i: GrantExportLicenseInput!) { grantExportLicense(input: $i) { id } }';
const SET_RULE = 'mutation($i: SetExportRuleInput!) { setExportRule(input: $i) }';
const CANCEL = 'mutation($id: ID!) { cancelOrder(id: $id) { status } }';

describe('export rules, license headroom, credit and expiry, through placeOrder', () => {
  let stack: TestStack;
  let pool: Pool;
  let n = 0;

  const order = (
    market: { skuCode: string; regionCode: string },
    quantity: number,
    limitPrice: string,
    extra: Partial<PlaceOrderInput> = {},
  ): PlaceOrderInput => ({
    clientOrderId: `limits-${++n}`,
    ...market,
    quantity,
    limitPrice,
    ...extra,
  });
  const placed = async (who: { key: string }, input: PlaceOrderInput) => {
    const res = await pool.place(who.key, input);
    expect(res.errors).toBeUndefined();
    return res.data!.placeOrder;
  };
  const books = async (partnerId: string) => {
    const [row] = await stack.dataSource.query(
      `SELECT (SELECT count(*)::int FROM orders WHERE partner_id = $1) AS orders,
              (SELECT credit_held FROM partner WHERE id = $1) AS held,
              (SELECT string_agg(sku_code || '=' || used_units, ',' ORDER BY sku_code) FROM export_usage WHERE partner_id = $1) AS usage,
              (SELECT count(*)::int FROM audit_event) AS audits`,
      [partnerId],
    );
    return row;
  };
  const expectRefused = async (who: { id: string; key: string }, input: PlaceOrderInput, code: string, message: RegExp) => {
    const before = await books(who.id);
    const res: GraphQLResponse = await pool.place(who.key, input);
    expect(codesOf(res)).toEqual([code]);
    expect(res.errors![0]!.message).toMatch(message);
    expect(await books(who.id)).toEqual(before);
  };
  const used = async (partnerId: string, skuCode: string) =>
    Number(
      (await stack.dataSource.query('SELECT used_units FROM export_usage WHERE partner_id = $1 AND sku_code = $2', [partnerId, skuCode]))[0]
        ?.used_units ?? 0,
    );
  const grant = (partnerId: string, skuCode: string, quantity: number) =>
    pool.ok(stack.adminKey, GRANT, {
      i: {
        partnerId,
        skuCode,
        quantity,
        validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        reference: `EAR-${partnerId.slice(0, 8)}`,
      },
    });

  beforeAll(async () => {
    stack = await startStack({ worker: true, env: { SWEEP_INTERVAL_MS: '1000' } });
    pool = new Pool(stack);
    await pool.receive(H20.skuCode, H20.regionCode, 1000);
    await pool.receive(H20_SCARCE.skuCode, H20_SCARCE.regionCode, 100);
    await pool.receive(H100.skuCode, H100.regionCode, 1000);
    await pool.receive(ASCEND.skuCode, ASCEND.regionCode, 10_000);
    await pool.share('1.00'); // caps: H20 Beijing 10, H20 Shanghai 1, H100 10, Ascend 100
    await pool.ask(H20.skuCode, H20.regionCode, '100000.00');
    await pool.ask(H20_SCARCE.skuCode, H20_SCARCE.regionCode, '100000.00');
    await pool.ask(H100.skuCode, H100.regionCode, '250000.00');
    await pool.ask(ASCEND.skuCode, ASCEND.regionCode, '130000.00');
  });
  afterAll(async () => {
    expect(await tradingViolations(stack.dataSource)).toEqual({});
    await stack?.close();
  });

  describe('export control', () => {
    it('refuses H100 to a CN partner as EXPORT_PROHIBITED and sells it to an SG partner', async () => {
      const cn = await pool.partner('Prohibited Shenzhen', 'CN');
      const sg = await pool.partner('Allowed Singapore', 'SG');
      await expectRefused(cn, order(H100, 1, '260000.00'), 'EXPORT_PROHIBITED', /H100 exports to CN are prohibited/);
      const bought = await placed(sg, order(H100, 2, '260000.00'));
      expect((await pool.until(sg.key, bought.id, (o) => o.status === 'FILLED')).averageFillPrice).toBe('250000.00');
    });

    it('refuses H20 to a CN partner without a license as EXPORT_LICENSE_REQUIRED', async () => {
      const cn = await pool.partner('Unlicensed Shenzhen', 'CN');
      await expectRefused(cn, order(H20, 1, '90000.00'), 'EXPORT_LICENSE_REQUIRED', /0 units are licensed.*none can be ordered/);
    });

    it('lets a license of 10 cover 10 units across orders; the 11th is refused; cancelling frees the unfilled units', async () => {
      const cn = await pool.partner('Licensed Shenzhen', 'CN');
      await grant(cn.id, 'H20', 10);
      const four = await placed(cn, order(H20, 4, '90000.00')); // below the ask: rests
      await placed(cn, order(H20, 6, '90000.00'));
      await expectRefused(
        cn,
        order(H20, 1, '90000.00'),
        'EXPORT_LICENSE_REQUIRED',
        /10 units are licensed.*10 are in open orders.*asks for 1 more/,
      );
      expect(await used(cn.id, 'H20')).toBe(10);
      expect((await stack.gql(cn.key, CANCEL, { id: four.id })).data!.cancelOrder.status).toBe('CANCELLED');
      expect(await used(cn.id, 'H20')).toBe(6);
      await expectRefused(cn, order(H20, 5, '90000.00'), 'EXPORT_LICENSE_REQUIRED', /only 4 can be ordered/);
      await placed(cn, order(H20, 4, '90000.00'));
      expect(await used(cn.id, 'H20')).toBe(10);
    });

    it('lets exactly the licensed units through when a partner sends 15 one-unit orders at once', async () => {
      const cn = await pool.partner('Concurrent Shenzhen', 'CN');
      await grant(cn.id, 'H20', 10);
      const responses = await Promise.all(Array.from({ length: 15 }, () => pool.place(cn.key, order(H20, 1, '90000.00'))));
      const codes = responses.map((r) => codesOf(r)[0] ?? 'OK').sort();
      expect(codes).toEqual([...Array(5).fill('EXPORT_LICENSE_REQUIRED'), ...Array(10).fill('OK')]);
      expect(await used(cn.id, 'H20')).toBe(10);
    });

    it('keeps filled units counted: cancelling a partly filled order frees only its remainder', async () => {
      const cn = await pool.partner('Filled Shenzhen', 'CN');
      await grant(cn.id, 'H20', 20);
      const market = await pool.market(H20.skuCode, H20.regionCode);
      expect(market.availableUnits).toBe(10);
      const big = await placed(cn, order(H20, 13, '100000.00'));
      await pool.until(cn.key, big.id, (o) => o.filledQuantity === 10 && o.statusReason !== null);
      expect((await stack.gql(cn.key, CANCEL, { id: big.id })).data!.cancelOrder.status).toBe('CANCELLED');
      expect(await used(cn.id, 'H20')).toBe(10);
      // The fills settled (their hold parts became a receivable), so the books hold still while the refusal is checked.
      await eventually(
        () => stack.dataSource.query('SELECT credit_held, receivable FROM partner WHERE id = $1', [cn.id]),
        ([row]) => row.credit_held === '0.00' && row.receivable === '1130000.00',
      );
      await expectRefused(cn, order(H20, 11, '90000.00'), 'EXPORT_LICENSE_REQUIRED', /only 10 can be ordered/);
    });
  });

  describe('credit', () => {
    it('holds quantity × limit × (1 + 13 % VAT) for a CN partner, rounded up to the fen', async () => {
      const cn = await pool.partner('Taxed Guangzhou', 'CN', '1000000.00');
      const one = await placed(cn, order(ASCEND, 1, '0.01'));
      const [{ hold_amount }] = await stack.dataSource.query('SELECT hold_amount FROM orders WHERE id = $1', [one.id]);
      expect(hold_amount).toBe('0.02'); // 0.0113 rounded up
      await placed(cn, order(ASCEND, 3, '100000.01'));
      const partner = await pool.ok(cn.key, '{ partners { creditUsed creditAvailable } }');
      expect(partner.partners[0]).toEqual({ creditUsed: '339000.06', creditAvailable: '660999.94' }); // 0.02 + 339,000.0339 rounded up
    });

    it('refuses an order whose hold with tax passes the credit limit, although the net amount fits, writing nothing', async () => {
      const cn = await pool.partner('Tight Guangzhou', 'CN', '100000.00');
      await expectRefused(
        cn,
        order(ASCEND, 1, '100000.00'),
        'INSUFFICIENT_CREDIT',
        /100,?000\.00 is available and 113,?000\.00 was asked for/,
      );
      await expectRefused(cn, order(ASCEND, 1, '88495.58'), 'INSUFFICIENT_CREDIT', /100000\.01|100,000\.01/); // 100,000.0054 rounds up
      await placed(cn, order(ASCEND, 1, '88495.57')); // 99,999.9941 → 100,000.00: exactly the limit
    });

    it('accepts exactly 7 of 30 concurrent orders when the limit covers 7 holds', async () => {
      const cn = await pool.partner('Concurrent Guangzhou', 'CN', '791000.00'); // 7 × 113,000.00
      const responses = await Promise.all(Array.from({ length: 30 }, () => pool.place(cn.key, order(ASCEND, 1, '100000.00'))));
      const codes = responses.map((r) => codesOf(r)[0] ?? 'OK');
      expect(codes.filter((c) => c === 'OK')).toHaveLength(7);
      expect(codes.filter((c) => c === 'INSUFFICIENT_CREDIT')).toHaveLength(23);
      const [{ orders, held }] = await stack.dataSource.query(
        'SELECT (SELECT count(*)::int FROM orders WHERE partner_id = $1) AS orders, credit_held AS held FROM partner WHERE id = $1',
        [cn.id],
      );
      expect({ orders, held }).toEqual({ orders: 7, held: '791000.00' });
      const partner = await pool.ok(cn.key, '{ partners { creditAvailable } }');
      expect(partner.partners[0].creditAvailable).toBe('0.00');
    });
  });

  describe('expiry', () => {
    it('expires a resting order once its expiresAt passes, releasing its hold and export units', async () => {
      const cn = await pool.partner('Expiring Beijing', 'CN', '10000000.00');
      await grant(cn.id, 'H20', 5);
      const before = await books(cn.id);
      const expiring = await placed(cn, order(H20, 5, '90000.00', { expiresAt: new Date(Date.now() + 2_000).toISOString() }));
      await pool.until(cn.key, expiring.id, (o) => o.statusReason !== null); // resting below the ask
      expect(await used(cn.id, 'H20')).toBe(5);
      const ended = await pool.until(cn.key, expiring.id, (o) => o.status === 'EXPIRED', 10_000);
      expect(ended.statusReason).toMatch(/^expired at \d{4}-/);
      expect(ended.filledQuantity).toBe(0);
      const after = await books(cn.id);
      expect({ held: after.held, usage: after.usage }).toEqual({ held: before.held, usage: 'H20=0' });
    });
  });

  describe('a rule or license that changes under resting orders', () => {
    it('cancels every resting order of a partner at its next match once its license has expired', async () => {
      const cn = await pool.partner('Lapsed Beijing', 'CN');
      await grant(cn.id, 'H20', 3);
      const resting = await placed(cn, order(H20, 3, '90000.00'));
      await pool.until(cn.key, resting.id, (o) => o.statusReason !== null);
      await stack.dataSource.query(`UPDATE export_license SET valid_until = now() - interval '1 second' WHERE partner_id = $1`, [cn.id]);
      const bystander = await pool.partner('Bystander Singapore', 'SG');
      await placed(bystander, order(H20, 1, '1.00')); // any order asks for a match run of the market
      const ended = await pool.until(cn.key, resting.id, (o) => o.status === 'CANCELLED');
      expect(ended.statusReason).toMatch(/need an export license: 0 units are licensed and unexpired, 3 are in open orders and fills/);
      expect(await used(cn.id, 'H20')).toBe(0);
    });

    it('cancels resting orders at their next match when the rule becomes PROHIBITED, whatever their price or the supply', async () => {
      const cn = await pool.partner('Embargoed Shanghai', 'CN');
      await grant(cn.id, 'H20', 10);
      const capped = await placed(cn, order(H20_SCARCE, 3, '100000.00')); // cap 1: fills 1, rests 2
      await pool.until(cn.key, capped.id, (o) => o.filledQuantity === 1 && o.statusReason !== null);
      const low = await placed(cn, order(H20_SCARCE, 2, '50000.00')); // below the ask
      await pool.until(cn.key, low.id, (o) => o.statusReason !== null);
      expect((await pool.market(H20_SCARCE.skuCode, H20_SCARCE.regionCode)).availableUnits).toBe(0);

      await pool.ok(stack.adminKey, SET_RULE, { i: { skuCode: 'H20', countryCode: 'CN', rule: 'PROHIBITED' } });
      for (const id of [capped.id, low.id]) {
        const ended = await pool.until(cn.key, id, (o) => o.status === 'CANCELLED');
        expect(ended.statusReason).toBe('H20 exports to CN are prohibited');
      }
      expect((await pool.order(cn.key, capped.id)).filledQuantity).toBe(1);
      expect(await used(cn.id, 'H20')).toBe(1); // the filled unit stays counted
      await pool.ok(stack.adminKey, SET_RULE, { i: { skuCode: 'H20', countryCode: 'CN', rule: 'LICENSE_REQUIRED' } });
      await eventually(
        () => tradingViolations(stack.dataSource),
        (v) => Object.keys(v).length === 0,
      );
    });
  });
});
