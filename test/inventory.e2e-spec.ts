import { Queue } from 'bullmq';
import { codesOf, Gql, GraphQLResponse, okClient, Operation } from './support/graphql-client';
import { startStack, TestStack } from './support/stack';
import { CreatePartnerDocument, IssueApiKeyDocument } from './support/graphql/generated/graphql';

const UPSERT_SKU = `mutation($input: UpsertSkuInput!) { upsertSku(input: $input) { code vendor name memoryGb } }`;
const UPSERT_REGION = `mutation($input: UpsertRegionInput!) { upsertRegion(input: $input) { code name countryCode } }`;
const RECEIVE = `mutation($input: ReceiveInventoryInput!) {
  receiveInventory(input: $input) { id skuCode regionCode quantity remainingQuantity unitCost receivedAt reference } }`;
const SET_ASK = `mutation($input: SetAskPriceInput!) {
  setAskPrice(input: $input) { id sku { code } region { code } currency askPrice availableUnits totalUnits capUnits committedUnits } }`;
const SET_SHARE = `mutation($input: SetSellableShareInput!) {
  setSellableShare(input: $input) { globalPercent overrides { skuCode percent } } }`;
const CLEAR_OVERRIDE = `mutation($skuCode: String!, $reason: String!) {
  clearShareOverride(skuCode: $skuCode, reason: $reason) { globalPercent overrides { skuCode percent } } }`;
const MARKET = `query($skuCode: String, $regionCode: String) {
  markets(skuCode: $skuCode, regionCode: $regionCode) {
    id sku { code } region { code } currency askPrice availableUnits totalUnits capUnits committedUnits effectiveSharePercent } }`;
const HISTORY = `query($first: Int) { sellableShare { history(first: $first) {
  skuCode oldPercent newPercent reason at actor { id role name } } } }`;

type Key = 'ADMIN' | 'OPERATOR' | 'FINANCE' | 'PARTNER';

interface MarketData {
  id: string;
  askPrice: string | null;
  availableUnits: number;
  totalUnits: number;
  capUnits: number;
  committedUnits: number;
  effectiveSharePercent: string;
}

describe('inventory: catalog, lots, sellable share, markets', () => {
  let stack: TestStack;
  let keys: Record<Key, string>;

  const ok: Gql = (key, operation, variables) => okClient(stack.url)(key, operation, variables);
  const admin = <T = Record<string, any>, V = Record<string, unknown>>(operation: Operation<T, V>, variables?: V) =>
    ok(stack.adminKey, operation, variables);
  const receive = (skuCode: string, regionCode: string, quantity: number, unitCost = '1000.00') =>
    admin(RECEIVE, { input: { skuCode, regionCode, quantity, unitCost } }).then((d) => d.receiveInventory);
  const setShare = (percent: string, skuCode?: string, reason = 'test') =>
    admin(SET_SHARE, { input: { percent, reason, ...(skuCode ? { skuCode } : {}) } }).then((d) => d.setSellableShare);
  const market = async (skuCode: string, regionCode: string, key = stack.adminKey): Promise<MarketData> => {
    const data = await ok<{ markets: MarketData[] }>(key, MARKET, { skuCode, regionCode });
    expect(data.markets).toHaveLength(1);
    return data.markets[0]!;
  };
  const addSku = (code: string) => admin(UPSERT_SKU, { input: { code, vendor: 'Test', name: code, memoryGb: 80 } });

  /** Everything an inventory change could write, to prove a refused one wrote nothing. */
  const state = async () => {
    const [row] = await stack.dataSource.query(`SELECT
      (SELECT count(*) FROM inventory_lot) AS lots, (SELECT count(*) FROM market) AS markets,
      (SELECT count(*) FROM audit_event) AS audits, (SELECT count(*) FROM share_change) AS changes,
      (SELECT count(*) FROM sku) AS skus, (SELECT count(*) FROM region) AS regions,
      (SELECT percent FROM global_share) AS global_percent,
      (SELECT string_agg(sku_id || '=' || percent, ',' ORDER BY sku_id) FROM share_override) AS overrides,
      (SELECT string_agg(id || '=' || coalesce(ask_price::text, '-') || '/' || committed_units, ',' ORDER BY id) FROM market) AS asks,
      (SELECT string_agg(code || vendor || name || memory_gb, ',' ORDER BY code) FROM sku) AS sku_rows,
      (SELECT string_agg(code || name || country_code, ',' ORDER BY code) FROM region) AS region_rows`);
    return row;
  };
  const expectRefused = async (key: string, query: string, variables: Record<string, unknown>, code: string, message?: RegExp) => {
    const before = await state();
    const res = await stack.gql(key, query, variables);
    expect(codesOf(res)).toEqual([code]);
    expect(res.errors![0]!.message.length).toBeGreaterThan(15);
    if (message) expect(res.errors![0]!.message).toMatch(message);
    expect(await state()).toEqual(before);
    return res;
  };

  /** Gives the tests of the calling describe a stack (database, keys) of their own, so no other block's data reaches them. */
  const ownStack = () => {
    beforeAll(async () => {
      stack = await startStack();
      const partnerId = (
        await admin(CreatePartnerDocument, { input: { name: 'Shenzhen Compute', countryCode: 'CN', creditLimit: '1000000.00' } })
      ).createPartner.id;
      const issue = async (role: Key, extra: Record<string, unknown> = {}) =>
        (await admin(IssueApiKeyDocument, { input: { role, label: `${role.toLowerCase()} desk`, ...extra } })).issueApiKey.key;
      keys = {
        ADMIN: stack.adminKey,
        OPERATOR: await issue('OPERATOR'),
        FINANCE: await issue('FINANCE'),
        PARTNER: await issue('PARTNER', { partnerId }),
      };
    });
    afterAll(async () => {
      await stack?.close();
    });
  };

  describe('a new database', () => {
    ownStack();

    it('has the seeded catalog, shown to every role', async () => {
      for (const key of Object.values(keys)) {
        const data = await ok(key, '{ skus { code vendor name memoryGb } regions { code name countryCode } }');
        expect(data.skus).toEqual([
          { code: 'A100', vendor: 'NVIDIA', name: 'A100', memoryGb: 80 },
          { code: 'ASCEND-910B', vendor: 'Huawei', name: 'Ascend 910B', memoryGb: 64 },
          { code: 'ASCEND-910C', vendor: 'Huawei', name: 'Ascend 910C', memoryGb: 128 },
          { code: 'H100', vendor: 'NVIDIA', name: 'H100', memoryGb: 80 },
          { code: 'H20', vendor: 'NVIDIA', name: 'H20', memoryGb: 96 },
          { code: 'H800', vendor: 'NVIDIA', name: 'H800', memoryGb: 80 },
          { code: 'MLU370', vendor: 'Cambricon', name: 'MLU370', memoryGb: 48 },
        ]);
        expect(data.regions.map((r: { code: string; countryCode: string }) => `${r.code}/${r.countryCode}`)).toEqual([
          'ap-singapore/SG',
          'cn-beijing/CN',
          'cn-guangzhou/CN',
          'cn-shanghai/CN',
          'cn-wulanchabu/CN',
        ]);
      }
    });

    it('has a global share of 0, no overrides, no history and no markets', async () => {
      expect(await admin(`{ sellableShare { globalPercent overrides { skuCode } history { id } } markets { id } }`)).toEqual({
        sellableShare: { globalPercent: '0.00', overrides: [], history: [] },
        markets: [],
      });
    });
  });

  describe('catalog', () => {
    ownStack();

    it('adds and updates a SKU and a region, audited with before and after', async () => {
      expect(
        (await ok(keys.OPERATOR, UPSERT_SKU, { input: { code: 'B200', vendor: 'NVIDIA', name: 'B200', memoryGb: 192 } })).upsertSku,
      ).toEqual({
        code: 'B200',
        vendor: 'NVIDIA',
        name: 'B200',
        memoryGb: 192,
      });
      await ok(keys.OPERATOR, UPSERT_SKU, { input: { code: 'B200', vendor: 'NVIDIA', name: 'B200 SXM', memoryGb: 180 } });
      await ok(keys.OPERATOR, UPSERT_REGION, { input: { code: 'cn-hangzhou', name: 'China East 1 (Hangzhou)', countryCode: 'CN' } });
      const skus = (await admin('{ skus { code name memoryGb } }')).skus;
      expect(skus).toContainEqual({ code: 'B200', name: 'B200 SXM', memoryGb: 180 });
      expect(skus.filter((s: { code: string }) => s.code === 'B200')).toHaveLength(1);
      const events = await stack.dataSource.query(
        `SELECT action, before, after, k.role FROM audit_event e JOIN api_key k ON k.id = e.actor_id
          WHERE entity IN ('Sku', 'Region') ORDER BY e.at, e.action`,
      );
      expect(events).toEqual([
        { action: 'sku.create', before: null, after: { code: 'B200', vendor: 'NVIDIA', name: 'B200', memoryGb: 192 }, role: 'OPERATOR' },
        {
          action: 'sku.update',
          before: { code: 'B200', vendor: 'NVIDIA', name: 'B200', memoryGb: 192 },
          after: { code: 'B200', vendor: 'NVIDIA', name: 'B200 SXM', memoryGb: 180 },
          role: 'OPERATOR',
        },
        {
          action: 'region.create',
          before: null,
          after: { code: 'cn-hangzhou', name: 'China East 1 (Hangzhou)', countryCode: 'CN' },
          role: 'OPERATOR',
        },
      ]);
    });

    it.each([
      ['a lower-case code', { code: 'h20', vendor: 'NVIDIA', name: 'x', memoryGb: 96 }],
      ['a code with a space', { code: 'H 20', vendor: 'NVIDIA', name: 'x', memoryGb: 96 }],
      ['a code of 33 characters', { code: 'A'.repeat(33), vendor: 'NVIDIA', name: 'x', memoryGb: 96 }],
      ['a code starting with -', { code: '-H20', vendor: 'NVIDIA', name: 'x', memoryGb: 96 }],
      ['memoryGb 0', { code: 'X1', vendor: 'NVIDIA', name: 'x', memoryGb: 0 }],
      ['memoryGb 4097', { code: 'X1', vendor: 'NVIDIA', name: 'x', memoryGb: 4097 }],
      ['a blank vendor', { code: 'X1', vendor: '  ', name: 'x', memoryGb: 96 }],
      ['an unknown field', { code: 'X1', vendor: 'NVIDIA', name: 'x', memoryGb: 96, price: '1' }],
    ])('refuses a SKU with %s and writes nothing', async (_case, input) => {
      await expectRefused(stack.adminKey, UPSERT_SKU, { input }, 'BAD_USER_INPUT');
    });

    it.each([
      ['an upper-case code', { code: 'CN-X', name: 'x', countryCode: 'CN' }],
      ['a one-letter code', { code: 'x', name: 'x', countryCode: 'CN' }],
      ['an unknown country', { code: 'xx-1', name: 'x', countryCode: 'XX' }],
      ['a lower-case country', { code: 'xx-1', name: 'x', countryCode: 'cn' }],
      ['a blank name', { code: 'xx-1', name: '', countryCode: 'CN' }],
    ])('refuses a region with %s and writes nothing', async (_case, input) => {
      await expectRefused(stack.adminKey, UPSERT_REGION, { input }, 'BAD_USER_INPUT');
    });

    it.each(['FINANCE', 'PARTNER'] as const)('refuses catalog changes to %s', async (role) => {
      await expectRefused(keys[role], UPSERT_SKU, { input: { code: 'H20', vendor: 'x', name: 'x', memoryGb: 1 } }, 'FORBIDDEN');
      await expectRefused(keys[role], UPSERT_REGION, { input: { code: 'cn-beijing', name: 'x', countryCode: 'SG' } }, 'FORBIDDEN');
    });
  });

  describe('receiving inventory', () => {
    ownStack();

    it('receives a lot, opening the market on the first one, audited', async () => {
      const marketCount = async () => Number((await stack.dataSource.query(`SELECT count(*) AS n FROM market`))[0].n);
      const marketsBefore = await marketCount();
      const lot = await receive('H20', 'cn-beijing', 1200, '95000.00');
      expect(lot).toMatchObject({
        skuCode: 'H20',
        regionCode: 'cn-beijing',
        quantity: 1200,
        remainingQuantity: 1200,
        unitCost: '95000.00',
        reference: null,
      });
      const withRef = await ok(keys.OPERATOR, RECEIVE, {
        input: { skuCode: 'H20', regionCode: 'cn-beijing', quantity: 800, unitCost: '94000.50', reference: 'PO-2025-0042' },
      });
      expect(withRef.receiveInventory).toMatchObject({ quantity: 800, unitCost: '94000.50', reference: 'PO-2025-0042' });
      const opened = await market('H20', 'cn-beijing');
      expect(opened).toMatchObject({
        totalUnits: 2000,
        capUnits: 0,
        committedUnits: 0,
        availableUnits: 0,
        askPrice: null,
      });
      expect(await marketCount()).toBe(marketsBefore + 1);
      const audits = await stack.dataSource.query(
        `SELECT action, entity_id, after FROM audit_event
          WHERE entity IN ('Market', 'InventoryLot') AND entity_id = ANY($1::text[]) ORDER BY at, entity DESC`,
        [[opened.id, lot.id, withRef.receiveInventory.id]],
      );
      expect(audits.map((a: { action: string }) => a.action)).toEqual(['market.open', 'inventory.receive', 'inventory.receive']);
      expect(audits[2].after).toMatchObject({
        skuCode: 'H20',
        regionCode: 'cn-beijing',
        quantity: 800,
        unitCost: '94000.5',
        reference: 'PO-2025-0042',
      });
      expect(audits[2].entity_id).toBe(withRef.receiveInventory.id);
    });

    it('lists lots to staff in FIFO order and refuses them to partners', async () => {
      await receive('H800', 'cn-beijing', 1200, '95000.00');
      await receive('H800', 'cn-beijing', 800, '94000.50');
      for (const key of [keys.ADMIN, keys.OPERATOR, keys.FINANCE]) {
        const lots = (await ok(key, '{ inventoryLots(skuCode: "H800") { quantity unitCost regionCode } }')).inventoryLots;
        expect(lots).toEqual([
          { quantity: 1200, unitCost: '95000.00', regionCode: 'cn-beijing' },
          { quantity: 800, unitCost: '94000.50', regionCode: 'cn-beijing' },
        ]);
      }
      const res = await stack.gql(keys.PARTNER, '{ inventoryLots { quantity unitCost } }');
      expect(codesOf(res)).toEqual(['FORBIDDEN']);
      expect(res.data).toBeNull();
    });

    it.each([
      ['quantity 0', { quantity: 0 }, 'BAD_USER_INPUT', /quantity/],
      ['quantity -5', { quantity: -5 }, 'BAD_USER_INPUT', /quantity/],
      ['quantity 10,000,001', { quantity: 10_000_001 }, 'BAD_USER_INPUT', /quantity/],
      ['quantity beyond Int', { quantity: 3_000_000_000 }, 'BAD_USER_INPUT', /Int/],
      ['a fractional quantity', { quantity: 1.5 }, 'BAD_USER_INPUT', /Int/],
      ['unit cost 0', { unitCost: '0.00' }, 'BAD_USER_INPUT', /unitCost/],
      ['a negative unit cost', { unitCost: '-1.00' }, 'BAD_USER_INPUT', /unitCost/],
      ['a unit cost with three decimals', { unitCost: '95000.005' }, 'BAD_USER_INPUT', /unitCost/],
      ['a unit cost over 100,000,000.00', { unitCost: '100000000.01' }, 'BAD_USER_INPUT', /unitCost/],
      ['a unit cost as a JSON number', { unitCost: 95000 }, 'BAD_USER_INPUT', /string/],
      ['a unit cost in exponent form', { unitCost: '9.5e4' }, 'BAD_USER_INPUT', /Decimal/],
      ['a reference of 201 characters', { reference: 'r'.repeat(201) }, 'BAD_USER_INPUT', /reference/],
      ['a malformed SKU code', { skuCode: 'h20' }, 'BAD_USER_INPUT', /skuCode/],
      ['an unknown SKU', { skuCode: 'H999' }, 'NOT_FOUND', /SKU H999/],
      ['an unknown region', { regionCode: 'eu-frankfurt' }, 'NOT_FOUND', /Region eu-frankfurt/],
    ])('refuses %s and writes nothing', async (_case, change, code, message) => {
      const input = { skuCode: 'H20', regionCode: 'cn-shanghai', quantity: 10, unitCost: '95000.00', ...change };
      await expectRefused(stack.adminKey, RECEIVE, { input }, code, message);
    });

    it('takes a unit cost of exactly 100,000,000.00 and a reference of 200 characters', async () => {
      const lot = await receive('H100', 'ap-singapore', 1, '100000000.00');
      expect(lot.unitCost).toBe('100000000.00');
      const input = { skuCode: 'H100', regionCode: 'ap-singapore', quantity: 10_000_000, unitCost: '0.01', reference: 'r'.repeat(200) };
      expect((await admin(RECEIVE, { input })).receiveInventory.quantity).toBe(10_000_000);
    });

    it('opens one market when the first lots of a (SKU, region) arrive at the same time', async () => {
      const lots = await Promise.all(Array.from({ length: 12 }, () => receive('MLU370', 'cn-guangzhou', 10)));
      expect(new Set(lots.map((l) => l.id)).size).toBe(12);
      const markets = await stack.dataSource.query(
        `SELECT m.id FROM market m JOIN sku s ON s.id = m.sku_id JOIN region r ON r.id = m.region_id WHERE s.code = 'MLU370' AND r.code = 'cn-guangzhou'`,
      );
      expect(markets).toHaveLength(1);
      expect((await market('MLU370', 'cn-guangzhou')).totalUnits).toBe(120);
      const opened = await stack.dataSource.query(`SELECT count(*) AS n FROM audit_event WHERE action = 'market.open' AND entity_id = $1`, [
        markets[0].id,
      ]);
      expect(opened).toEqual([{ n: '1' }]);
    });

    it('refuses a lot that would take a market past 2,147,483,647 units, and writes nothing', async () => {
      await addSku('BIG-1');
      const { id } = await receive('BIG-1', 'cn-wulanchabu', 10_000_000).then(() => market('BIG-1', 'cn-wulanchabu'));
      await stack.dataSource.query(
        `INSERT INTO inventory_lot (market_id, quantity, remaining_quantity, unit_cost) SELECT $1, 10000000, 10000000, 1 FROM generate_series(1, 213)`,
        [id],
      );
      expect((await market('BIG-1', 'cn-wulanchabu')).totalUnits).toBe(2_140_000_000);
      const input = { skuCode: 'BIG-1', regionCode: 'cn-wulanchabu', quantity: 7_483_648, unitCost: '1.00' };
      await expectRefused(stack.adminKey, RECEIVE, { input }, 'BAD_USER_INPUT', /at most 2147483647/);
      expect((await admin(RECEIVE, { input: { ...input, quantity: 7_483_647 } })).receiveInventory.quantity).toBe(7_483_647);
      expect((await market('BIG-1', 'cn-wulanchabu')).totalUnits).toBe(2_147_483_647);
    });

    it.each(['FINANCE', 'PARTNER'] as const)('refuses receiving to %s', async (role) => {
      await expectRefused(
        keys[role],
        RECEIVE,
        { input: { skuCode: 'H20', regionCode: 'cn-beijing', quantity: 1, unitCost: '1.00' } },
        'FORBIDDEN',
      );
    });
  });

  describe('caps', () => {
    ownStack();

    /** Two new SKUs of 12,345 units in cn-beijing, the first with an override of 9.99 %. */
    const overrideBesideGlobal = async (withOverride: string, without: string) => {
      for (const code of [withOverride, without]) {
        await addSku(code);
        await receive(code, 'cn-beijing', 12_345);
      }
      await setShare('9.99', withOverride);
    };
    /** A new SKU with 40 lots, 28,900 units in all, in cn-wulanchabu, at an override of 9.99 %; returns the units received. */
    const manyLots = async (code: string) => {
      await addSku(code);
      let total = 0;
      for (let i = 0; i < 40; i++) {
        const quantity = 37 * i + 1;
        total += quantity;
        await receive(code, 'cn-wulanchabu', quantity, `${1000 + i}.${String(i).padStart(2, '0')}`);
      }
      await setShare('9.99', code);
      return total;
    };

    it('is floor(12,345 × 9.99 %) = 1,233 with a SKU override beside a global share of 0', async () => {
      await setShare('0');
      await overrideBesideGlobal('CAP-A', 'CAP-B');
      expect(await market('CAP-A', 'cn-beijing')).toMatchObject({
        totalUnits: 12_345,
        capUnits: 1_233,
        committedUnits: 0,
        availableUnits: 1_233,
        effectiveSharePercent: '9.99',
      });
      expect(await market('CAP-B', 'cn-beijing')).toMatchObject({
        totalUnits: 12_345,
        capUnits: 0,
        availableUnits: 0,
        effectiveSharePercent: '0.00',
      });
    });

    it('applies the global share where there is no override, and the global share again once it is cleared', async () => {
      await overrideBesideGlobal('GLOBAL-A', 'GLOBAL-B');
      await setShare('5');
      expect(await market('GLOBAL-A', 'cn-beijing')).toMatchObject({ capUnits: 1_233, effectiveSharePercent: '9.99' });
      expect(await market('GLOBAL-B', 'cn-beijing')).toMatchObject({ capUnits: 617, effectiveSharePercent: '5.00' });
      await setShare('0', 'GLOBAL-B');
      expect(await market('GLOBAL-B', 'cn-beijing')).toMatchObject({ capUnits: 0, availableUnits: 0, effectiveSharePercent: '0.00' });
      await admin(CLEAR_OVERRIDE, { skuCode: 'GLOBAL-A', reason: 'back to the global share' });
      expect(await market('GLOBAL-A', 'cn-beijing')).toMatchObject({ capUnits: 617, effectiveSharePercent: '5.00' });
    });

    it('is exact where floating point is not: 10,000 units at 0.57 % is 57; 7 units at 9.99 % is 0', async () => {
      await addSku('CAP-D');
      await receive('CAP-D', 'cn-shanghai', 10_000);
      await receive('CAP-D', 'cn-guangzhou', 7);
      await setShare('0.57', 'CAP-D');
      expect((await market('CAP-D', 'cn-shanghai')).capUnits).toBe(57);
      await setShare('9.99', 'CAP-D');
      expect((await market('CAP-D', 'cn-guangzhou')).capUnits).toBe(0);
      expect((await market('CAP-D', 'cn-shanghai')).capUnits).toBe(999);
    });

    it('sums many lots as received', async () => {
      expect(await manyLots('CAP-C')).toBe(28_900);
      expect(await market('CAP-C', 'cn-wulanchabu')).toMatchObject({ totalUnits: 28_900, capUnits: 2_887, availableUnits: 2_887 });
    });

    it('keeps each market’s received units equal to a re-sum of its lots, through concurrent receipts and lots written by SQL', async () => {
      await addSku('SUM-A');
      await Promise.all(Array.from({ length: 12 }, (_, i) => receive('SUM-A', i % 2 ? 'cn-beijing' : 'cn-shanghai', 100 + i)));
      const { id } = await market('SUM-A', 'cn-beijing');
      await stack.dataSource.query(
        'INSERT INTO inventory_lot (market_id, quantity, remaining_quantity, unit_cost) VALUES ($1, 7, 7, 1), ($1, 5, 5, 1)',
        [id],
      );
      const drift = await stack.dataSource.query(
        `SELECT m.id FROM market m WHERE m.received_units <> (SELECT COALESCE(sum(l.quantity), 0) FROM inventory_lot l WHERE l.market_id = m.id)`,
      );
      expect(drift).toEqual([]);
      expect((await market('SUM-A', 'cn-beijing')).totalUnits).toBe(101 + 103 + 105 + 107 + 109 + 111 + 7 + 5);
    });

    it('takes away nothing already committed when the share is lowered, and never shows negative availability', async () => {
      await manyLots('CAP-E');
      const { id } = await market('CAP-E', 'cn-wulanchabu');
      await stack.dataSource.query('UPDATE market SET committed_units = 2000 WHERE id = $1', [id]);
      expect(await market('CAP-E', 'cn-wulanchabu')).toMatchObject({ capUnits: 2_887, committedUnits: 2_000, availableUnits: 887 });
      await setShare('1', 'CAP-E');
      expect(await market('CAP-E', 'cn-wulanchabu')).toMatchObject({ capUnits: 289, committedUnits: 2_000, availableUnits: 0 });
    });
  });

  describe('sellable share', () => {
    ownStack();

    /** The policy every test here starts from: 5 % globally, overrides for CAP-B, CAP-C and CAP-D only. */
    const policy: Record<string, string> = { 'CAP-B': '0.00', 'CAP-C': '1.00', 'CAP-D': '9.99' };
    beforeAll(async () => {
      for (const code of ['CAP-A', 'CAP-B', 'CAP-C', 'CAP-D']) await addSku(code);
      // The oldest change in the history: an override set and cleared again by the bootstrap admin.
      await setShare('9.99', 'CAP-A');
      await admin(CLEAR_OVERRIDE, { skuCode: 'CAP-A', reason: 'back to the global share' });
    });
    beforeEach(async () => {
      const current = (await admin('{ sellableShare { globalPercent overrides { skuCode percent } } }')).sellableShare;
      const overrides = new Map<string, string>(current.overrides.map((o: { skuCode: string; percent: string }) => [o.skuCode, o.percent]));
      if (current.globalPercent !== '5.00') await setShare('5');
      for (const skuCode of overrides.keys()) {
        if (!(skuCode in policy)) await admin(CLEAR_OVERRIDE, { skuCode, reason: 'back to the global share' });
      }
      for (const [skuCode, percent] of Object.entries(policy)) {
        if (overrides.get(skuCode) !== percent) await setShare(percent, skuCode);
      }
    });

    it.each([
      ['10', 'SHARE_CAP_EXCEEDED'],
      ['10.00', 'SHARE_CAP_EXCEEDED'],
      ['10.01', 'SHARE_CAP_EXCEEDED'],
      ['99.99', 'SHARE_CAP_EXCEEDED'],
      ['100000', 'SHARE_CAP_EXCEEDED'],
      ['-0.01', 'BAD_USER_INPUT'],
      ['9.999', 'BAD_USER_INPUT'],
      ['abc', 'BAD_USER_INPUT'],
      ['', 'BAD_USER_INPUT'],
      [5, 'BAD_USER_INPUT'],
    ])('refuses a global share of %j with %s and writes nothing', async (percent, code) => {
      await expectRefused(stack.adminKey, SET_SHARE, { input: { percent, reason: 'raise it' } }, code);
    });

    it('refuses 10 for a SKU override too, and writes nothing', async () => {
      await expectRefused(
        stack.adminKey,
        SET_SHARE,
        { input: { percent: '10.00', skuCode: 'H20', reason: 'raise it' } },
        'SHARE_CAP_EXCEEDED',
        /under 10/,
      );
    });

    it.each([
      ['a blank reason', { percent: '5', reason: '   ' }, 'BAD_USER_INPUT'],
      ['an empty reason', { percent: '5', reason: '' }, 'BAD_USER_INPUT'],
      ['no reason', { percent: '5' }, 'BAD_USER_INPUT'],
      ['an unknown SKU', { percent: '5', skuCode: 'H999', reason: 'x' }, 'NOT_FOUND'],
      ['a malformed SKU code', { percent: '5', skuCode: 'h20', reason: 'x' }, 'BAD_USER_INPUT'],
    ])('refuses %s and writes nothing', async (_case, input, code) => {
      await expectRefused(stack.adminKey, SET_SHARE, { input }, code);
    });

    it('refuses to clear an override that does not exist, or without a reason, and writes nothing', async () => {
      await expectRefused(stack.adminKey, CLEAR_OVERRIDE, { skuCode: 'H20', reason: 'x' }, 'BAD_USER_INPUT', /no share override/);
      await expectRefused(stack.adminKey, CLEAR_OVERRIDE, { skuCode: 'CAP-C', reason: ' ' }, 'BAD_USER_INPUT', /reason/);
      await expectRefused(stack.adminKey, CLEAR_OVERRIDE, { skuCode: 'NOPE', reason: 'x' }, 'NOT_FOUND');
    });

    it.each(['FINANCE', 'PARTNER'] as const)('refuses share changes to %s', async (role) => {
      await expectRefused(keys[role], SET_SHARE, { input: { percent: '1', reason: 'x' } }, 'FORBIDDEN');
      await expectRefused(keys[role], CLEAR_OVERRIDE, { skuCode: 'CAP-C', reason: 'x' }, 'FORBIDDEN');
    });

    it('shows the policy to ADMIN, OPERATOR and FINANCE, never to a partner', async () => {
      for (const key of [keys.ADMIN, keys.OPERATOR, keys.FINANCE]) {
        const policy = (await ok(key, '{ sellableShare { globalPercent overrides { skuCode percent } } }')).sellableShare;
        expect(policy.globalPercent).toBe('5.00');
        expect(policy.overrides).toEqual([
          { skuCode: 'CAP-B', percent: '0.00' },
          { skuCode: 'CAP-C', percent: '1.00' },
          { skuCode: 'CAP-D', percent: '9.99' },
        ]);
      }
      const res = await stack.gql(keys.PARTNER, '{ sellableShare { globalPercent } }');
      expect(codesOf(res)).toEqual(['FORBIDDEN']);
      expect(res.data).toBeNull();
    });

    it('is refused by the database at 10.00 whatever the code does', async () => {
      await expect(stack.dataSource.query('UPDATE global_share SET percent = 10.00')).rejects.toThrow(/global_share_percent/);
      await expect(stack.dataSource.query('UPDATE global_share SET percent = -0.01')).rejects.toThrow(/global_share_percent/);
      await expect(
        stack.dataSource.query(`INSERT INTO share_override (sku_id, percent) SELECT id, 10.00 FROM sku WHERE code = 'H20'`),
      ).rejects.toThrow(/share_override_percent/);
      await expect(stack.dataSource.query(`UPDATE share_override SET percent = 10.00`)).rejects.toThrow(/share_override_percent/);
      await expect(stack.dataSource.query(`INSERT INTO global_share (id, percent) VALUES (false, 1)`)).rejects.toThrow(
        /global_share_single_row/,
      );
      await expect(stack.dataSource.query(`INSERT INTO global_share (id, percent) VALUES (true, 1)`)).rejects.toThrow(/duplicate key/);
      expect(await stack.dataSource.query('SELECT percent FROM global_share')).toEqual([{ percent: '5.00' }]);
    });

    it('keeps its history append-only', async () => {
      await expect(stack.dataSource.query(`UPDATE share_change SET reason = 'rewritten'`)).rejects.toThrow(/append-only/);
      await expect(stack.dataSource.query('DELETE FROM share_change')).rejects.toThrow(/append-only/);
    });

    it('records every change with actor, old, new and reason, newest first', async () => {
      await ok(keys.OPERATOR, SET_SHARE, { input: { percent: '7.25', reason: 'Q3 partner demand' } });
      await ok(keys.OPERATOR, SET_SHARE, { input: { percent: '9.5', skuCode: 'H20', reason: 'H20 backlog' } });
      await ok(keys.OPERATOR, SET_SHARE, { input: { percent: '8.75', skuCode: 'H20', reason: 'H20 trimmed' } });
      await ok(keys.OPERATOR, CLEAR_OVERRIDE, { skuCode: 'H20', reason: 'H20 back to global' });
      const history = (await ok(keys.FINANCE, HISTORY, { first: 4 })).sellableShare.history;
      const operator = { role: 'OPERATOR', name: 'operator desk' };
      expect(history).toEqual([
        {
          skuCode: 'H20',
          oldPercent: '8.75',
          newPercent: null,
          reason: 'H20 back to global',
          at: expect.any(String),
          actor: expect.objectContaining(operator),
        },
        {
          skuCode: 'H20',
          oldPercent: '9.50',
          newPercent: '8.75',
          reason: 'H20 trimmed',
          at: expect.any(String),
          actor: expect.objectContaining(operator),
        },
        {
          skuCode: 'H20',
          oldPercent: null,
          newPercent: '9.50',
          reason: 'H20 backlog',
          at: expect.any(String),
          actor: expect.objectContaining(operator),
        },
        {
          skuCode: null,
          oldPercent: '5.00',
          newPercent: '7.25',
          reason: 'Q3 partner demand',
          at: expect.any(String),
          actor: expect.objectContaining(operator),
        },
      ]);
      const times = history.map((h: { at: string }) => Date.parse(h.at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);

      const all = (await admin(HISTORY, { first: 500 })).sellableShare.history;
      expect(all).toHaveLength(Number((await stack.dataSource.query('SELECT count(*) AS n FROM share_change'))[0].n));
      expect(all.at(-1)).toMatchObject({
        skuCode: 'CAP-A',
        oldPercent: null,
        newPercent: '9.99',
        actor: { role: 'ADMIN', name: 'bootstrap admin' },
      });
      expect((await admin('{ sellableShare { history { reason } } }')).sellableShare.history).toHaveLength(Math.min(20, all.length));

      const audit = await stack.dataSource.query(
        `SELECT action, entity_id, before, after, reason FROM audit_event WHERE entity = 'SharePolicy' ORDER BY at DESC LIMIT 2`,
      );
      expect(audit).toEqual([
        {
          action: 'share.clear-override',
          entity_id: 'H20',
          before: { skuCode: 'H20', percent: '8.75' },
          after: null,
          reason: 'H20 back to global',
        },
        {
          action: 'share.set-override',
          entity_id: 'H20',
          before: { skuCode: 'H20', percent: '9.5' },
          after: { skuCode: 'H20', percent: '8.75' },
          reason: 'H20 trimmed',
        },
      ]);
    });

    it.each([0, 501, -1])('refuses history(first: %i)', async (first) => {
      expect(codesOf(await stack.gql(stack.adminKey, HISTORY, { first }))).toEqual(['BAD_USER_INPUT']);
    });
  });

  /** A global share of 8 %; ASCEND-910B in cn-wulanchabu (50,000 units) and H20 in cn-beijing (2,000) offered, CAP-A there not. */
  const offeredMarkets = () => {
    beforeAll(async () => {
      await setShare('8', undefined, 'offer test');
      await receive('ASCEND-910B', 'cn-wulanchabu', 50_000, '120000.00');
      await receive('H20', 'cn-beijing', 2_000, '95000.00');
      await addSku('CAP-A');
      await receive('CAP-A', 'cn-beijing', 12_345);
      await admin(SET_ASK, { input: { skuCode: 'ASCEND-910B', regionCode: 'cn-wulanchabu', price: '139000.00' } });
      await admin(SET_ASK, { input: { skuCode: 'H20', regionCode: 'cn-beijing', price: '112000.00' } });
    });
  };

  describe('offers and what each role sees', () => {
    ownStack();
    offeredMarkets();

    it('sets, lowers and withdraws an ask price, audited', async () => {
      const set = (await ok(keys.OPERATOR, SET_ASK, { input: { skuCode: 'ASCEND-910B', regionCode: 'cn-wulanchabu', price: '139000.00' } }))
        .setAskPrice;
      expect(set).toMatchObject({
        sku: { code: 'ASCEND-910B' },
        region: { code: 'cn-wulanchabu' },
        currency: 'CNY',
        askPrice: '139000.00',
        totalUnits: 50_000,
        capUnits: 4_000,
        availableUnits: 4_000,
      });
      await ok(keys.OPERATOR, SET_ASK, { input: { skuCode: 'H20', regionCode: 'cn-beijing', price: '112000.00' } });
      await ok(keys.OPERATOR, SET_ASK, { input: { skuCode: 'CAP-A', regionCode: 'cn-beijing', price: '1.00' } });
      const withdrawn = (await ok(keys.OPERATOR, SET_ASK, { input: { skuCode: 'CAP-A', regionCode: 'cn-beijing', price: null } }))
        .setAskPrice;
      expect(withdrawn.askPrice).toBeNull();
      const audit = await stack.dataSource.query(
        `SELECT action, before, after FROM audit_event WHERE entity = 'Market' AND action <> 'market.open' ORDER BY at DESC LIMIT 1`,
      );
      expect(audit).toEqual([
        {
          action: 'market.withdraw-offer',
          before: { skuCode: 'CAP-A', regionCode: 'cn-beijing', askPrice: '1' },
          after: { skuCode: 'CAP-A', regionCode: 'cn-beijing', askPrice: null },
        },
      ]);
    });

    it.each([
      ['price 0', { price: '0.00' }, 'BAD_USER_INPUT'],
      ['a negative price', { price: '-100.00' }, 'BAD_USER_INPUT'],
      ['a price over 100,000,000.00', { price: '100000000.01' }, 'BAD_USER_INPUT'],
      ['a price with three decimals', { price: '1.001' }, 'BAD_USER_INPUT'],
      ['a price as a JSON number', { price: 139000 }, 'BAD_USER_INPUT'],
      ['a market without lots', { regionCode: 'ap-singapore' }, 'NOT_FOUND'],
      ['an unknown SKU', { skuCode: 'H999' }, 'NOT_FOUND'],
      ['an unknown region', { regionCode: 'us-east' }, 'NOT_FOUND'],
    ])('refuses %s and writes nothing', async (_case, change, code) => {
      const input = { skuCode: 'ASCEND-910B', regionCode: 'cn-wulanchabu', price: '140000.00', ...change };
      await expectRefused(stack.adminKey, SET_ASK, { input }, code);
    });

    it.each(['FINANCE', 'PARTNER'] as const)('refuses setAskPrice to %s', async (role) => {
      await expectRefused(keys[role], SET_ASK, { input: { skuCode: 'H20', regionCode: 'cn-beijing', price: '1.00' } }, 'FORBIDDEN');
    });

    it.each(['ADMIN', 'OPERATOR', 'FINANCE'] as const)('shows %s every market with its fleet numbers', async (role) => {
      const markets = (await ok<{ markets: MarketData[] }>(keys[role], MARKET)).markets;
      expect(markets.length).toBe(Number((await stack.dataSource.query('SELECT count(*) AS n FROM market'))[0].n));
      expect(markets.some((m) => m.askPrice === null)).toBe(true);
      const ascend = markets.find((m) => m.id && m.askPrice === '139000.00')!;
      expect(ascend).toMatchObject({
        totalUnits: 50_000,
        capUnits: 4_000,
        committedUnits: 0,
        availableUnits: 4_000,
        effectiveSharePercent: '8.00',
      });
    });

    it('shows a partner only offered markets, with their ask and availability', async () => {
      const res = await stack.gql(keys.PARTNER, '{ markets { sku { code } region { code } currency askPrice availableUnits } }');
      expect(res.errors).toBeUndefined();
      expect(res.data!.markets).toEqual([
        { sku: { code: 'ASCEND-910B' }, region: { code: 'cn-wulanchabu' }, currency: 'CNY', askPrice: '139000.00', availableUnits: 4_000 },
        { sku: { code: 'H20' }, region: { code: 'cn-beijing' }, currency: 'CNY', askPrice: '112000.00', availableUnits: 160 },
      ]);
      const unoffered = await stack.gql(keys.PARTNER, '{ markets(skuCode: "CAP-A", regionCode: "cn-beijing") { askPrice } }');
      expect(unoffered.data).toEqual({ markets: [] });
    });

    it.each(['totalUnits', 'capUnits', 'committedUnits', 'effectiveSharePercent'])(
      'refuses %s to a partner with FORBIDDEN',
      async (field) => {
        const res: GraphQLResponse = await stack.gql(keys.PARTNER, `{ markets { askPrice availableUnits ${field} } }`);
        expect(codesOf(res)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
        expect(res.errors![0]!.path).toEqual(['markets', 0, field]);
        expect(res.data!.markets.map((m: Record<string, unknown>) => m[field])).toEqual([null, null]);
        expect(JSON.stringify(res)).not.toMatch(/50000|"4000|8\.00/);
      },
    );
  });

  describe('matching after supply changes', () => {
    ownStack();
    offeredMarkets();

    let matching: Queue;
    let marketId: string;
    const jobsFor = async (id: string) =>
      (await matching.getJobs(['waiting', 'delayed', 'prioritized', 'active'])).filter((job) => job.data.marketId === id);
    const clearJobs = async () => {
      for (const job of await matching.getJobs(['waiting', 'delayed', 'prioritized'])) await job.remove();
    };

    beforeAll(async () => {
      matching = new Queue('matching', { connection: { url: stack.env.REDIS_URL }, prefix: stack.env.QUEUE_PREFIX });
      marketId = (await market('ASCEND-910B', 'cn-wulanchabu')).id;
    });
    afterAll(async () => {
      await matching?.close();
    });
    beforeEach(async () => {
      // Every test starts from the global share of 8 % and no queued run.
      const current = (await admin('{ sellableShare { globalPercent } }')).sellableShare;
      if (current.globalPercent !== '8.00') await setShare('8');
      await clearJobs();
    });

    it('queues a match run of an offered market when inventory is received there', async () => {
      await receive('ASCEND-910B', 'cn-wulanchabu', 100);
      const jobs = await jobsFor(marketId);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.name).toBe('match-market');
      expect(jobs[0]!.data).toEqual({ marketId });
      await clearJobs();
    });

    it('queues it when the global share is raised, not when it is lowered', async () => {
      await setShare('7.5');
      expect(await jobsFor(marketId)).toHaveLength(0);
      await setShare('8');
      expect(await jobsFor(marketId)).toHaveLength(1);
      await clearJobs();
    });

    it("queues it when the SKU's override raises its share, and when clearing the override raises it", async () => {
      await setShare('9', 'ASCEND-910B');
      expect(await jobsFor(marketId)).toHaveLength(1);
      await clearJobs();
      await setShare('2', 'ASCEND-910B');
      expect(await jobsFor(marketId)).toHaveLength(0);
      await admin(CLEAR_OVERRIDE, { skuCode: 'ASCEND-910B', reason: 'back to 8' });
      expect(await jobsFor(marketId)).toHaveLength(1);
      await clearJobs();
    });

    it('queues it when the ask is lowered, not when it is raised or withdrawn', async () => {
      const ask = (price: string | null) => admin(SET_ASK, { input: { skuCode: 'ASCEND-910B', regionCode: 'cn-wulanchabu', price } });
      await ask('150000.00');
      await ask(null);
      expect(await jobsFor(marketId)).toHaveLength(0);
      await ask('149000.00');
      expect(await jobsFor(marketId)).toHaveLength(1);
      await clearJobs();
      await ask('138000.00');
      expect(await jobsFor(marketId)).toHaveLength(1);
    });

    it('queues nothing for a market that is not offered', async () => {
      await clearJobs();
      const unoffered = (await market('CAP-A', 'cn-beijing')).id;
      await receive('CAP-A', 'cn-beijing', 100);
      expect(await jobsFor(unoffered)).toHaveLength(0);
      expect(await matching.getJobs(['waiting'])).toHaveLength(0);
    });
  });
});
