import { codesOf } from './support/graphql-client';
import { eventually, Pool } from './support/pool';
import { startStack, TestStack } from './support/stack';

/** What the console needs from the api: its routes and headers, and the queries added for it. */
describe('console api: routes, report history, queue counts, sales over time', () => {
  let stack: TestStack;
  let pool: Pool;
  let financeKey: string;
  let operatorKey: string;
  let partner: { id: string; key: string };
  let other: { id: string; key: string };

  const issue = async (role: string) =>
    (await pool.ok(stack.adminKey, 'mutation($i: IssueApiKeyInput!) { issueApiKey(input: $i) { key } }', { i: { role, label: role } }))
      .issueApiKey.key as string;
  const buy = async (
    who: { key: string },
    clientOrderId: string,
    skuCode: string,
    regionCode: string,
    quantity: number,
    limitPrice: string,
  ) => {
    const { placeOrder } = await pool.ok(who.key, 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }', {
      i: { clientOrderId, skuCode, regionCode, quantity, limitPrice, timeInForce: 'IOC' },
    });
    await pool.until(who.key, placeOrder.id, (o) => o.status === 'FILLED');
  };

  beforeAll(async () => {
    stack = await startStack({ worker: true });
    pool = new Pool(stack);
    financeKey = await issue('FINANCE');
    operatorKey = await issue('OPERATOR');
    partner = await pool.partner('Shanghai AI Lab', 'SG');
    other = await pool.partner('Sea AI Compute', 'SG');
    await pool.receive('H20', 'cn-beijing', 10_000);
    await pool.receive('A100', 'ap-singapore', 10_000);
    await pool.share('9.99');
    await pool.ask('H20', 'cn-beijing', '112000.33');
    await pool.ask('A100', 'ap-singapore', '99999999.99');
    await buy(partner, 'a', 'H20', 'cn-beijing', 7, '112000.33');
    await buy(partner, 'b', 'A100', 'ap-singapore', 3, '99999999.99');
    await buy(other, 'c', 'H20', 'cn-beijing', 11, '112000.33');
    await eventually(
      () => pool.ok(financeKey, '{ settlements(first: 10) { totalCount } }'),
      (d) => d.settlements.totalCount === 3,
    );
  }, 60_000);

  afterAll(() => stack?.close());

  describe('routes', () => {
    it('leads GET / to the console and a browser GET /graphql to the explorer; API GETs are not redirected', async () => {
      const root = await fetch(`${stack.url}/`, { redirect: 'manual' });
      expect([root.status, root.headers.get('location')]).toEqual([302, '/console/']);
      const browser = await fetch(`${stack.url}/graphql`, {
        redirect: 'manual',
        headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      });
      expect([browser.status, browser.headers.get('location')]).toEqual([302, '/console/explorer']);
      const api = await fetch(`${stack.url}/graphql?query=%7B__typename%7D`, {
        redirect: 'manual',
        headers: { accept: 'application/json' },
      });
      expect(api.status).not.toBe(302);
    });

    it('serves the console with a strict CSP, and a missing asset as 404 rather than the page', async () => {
      const page = await fetch(`${stack.url}/console/orders`);
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(await page.text()).toContain('<div id="root">');
      expect((await fetch(`${stack.url}/console/assets/missing-0000.js`)).status).toBe(404);
    });
  });

  describe('settlementReports', () => {
    it('lists reports newest first in keyset pages, for ADMIN and FINANCE only', async () => {
      const COUNT = '{ settlementReports { totalCount } }';
      const before: number = (await pool.ok(financeKey, COUNT)).settlementReports.totalCount;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { requestSettlementReport } = await pool.ok(
          financeKey,
          'mutation($i: RequestSettlementReportInput!) { requestSettlementReport(input: $i) { id } }',
          {
            i: {
              from: '2026-01-01T00:00:00Z',
              to: '2027-01-01T00:00:00Z',
              format: i % 2 ? 'XLSX' : 'CSV',
              partnerId: i === 4 ? partner.id : null,
            },
          },
        );
        ids.push(requestSettlementReport.id);
      }
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const { settlementReports }: any = await pool.ok(
          financeKey,
          'query($a: String) { settlementReports(first: 2, after: $a) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }',
          { a: after },
        );
        expect(settlementReports.totalCount).toBe(before + 5);
        seen.push(...settlementReports.edges.map((e: any) => e.node.id));
        if (!settlementReports.pageInfo.hasNextPage) break;
        after = settlementReports.pageInfo.endCursor;
      }
      expect(seen).toHaveLength(before + 5);
      expect(seen.slice(0, 5)).toEqual([...ids].reverse());
      const mine = await pool.ok(
        stack.adminKey,
        'query($p: ID) { settlementReports(partnerId: $p) { totalCount edges { node { id partnerId } } } }',
        { p: partner.id },
      );
      expect(mine.settlementReports.edges.map((e: any) => e.node.id)).toEqual([ids[4]]);

      for (const key of [operatorKey, partner.key]) expect(codesOf(await stack.gql(key, COUNT))).toEqual(['FORBIDDEN']);
      expect(codesOf(await stack.gql(financeKey, '{ settlementReports(after: "bm9wZQ") { totalCount } }'))).toEqual(['BAD_USER_INPUT']);
      expect(codesOf(await stack.gql(financeKey, '{ settlementReports(first: 501) { totalCount } }'))).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('queueCounts', () => {
    it('gives staff every queue by state and refuses partners', async () => {
      const { queueCounts } = await pool.ok(operatorKey, '{ queueCounts { name waiting active delayed failed completed paused } }');
      expect(queueCounts.map((q: any) => q.name)).toEqual(['matching', 'settlement', 'reports', 'sweeps']);
      const matching = queueCounts.find((q: any) => q.name === 'matching');
      expect(matching.completed).toBeGreaterThanOrEqual(1); // the orders' match jobs
      for (const q of queueCounts)
        for (const n of [q.waiting, q.active, q.delayed, q.failed, q.completed]) expect(n).toBeGreaterThanOrEqual(0);
      expect(codesOf(await stack.gql(partner.key, '{ queueCounts { name } }'))).toEqual(['FORBIDDEN']);
    });
  });

  describe('salesOverTime', () => {
    const SALES =
      'query($f: DateTime!, $t: DateTime!, $i: SalesInterval!, $g: SalesGroupBy!, $n: Int!) { salesOverTime(from: $f, to: $t, interval: $i, groupBy: $g, top: $n) { key label units revenue points { at units revenue } } }';
    const today = () => new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00Z');
    const vars = (extra: Record<string, unknown> = {}) => ({
      f: new Date(today().getTime() - 6 * 86_400_000).toISOString(),
      t: new Date(today().getTime() + 86_400_000).toISOString(),
      i: 'DAY',
      g: 'SKU',
      n: 10,
      ...extra,
    });

    it('sums units and net revenue exactly per SKU, region and partner, every bucket of the period', async () => {
      const bySku = (await pool.ok(financeKey, SALES, vars())).salesOverTime;
      expect(bySku.map((s: any) => [s.key, s.units, s.revenue])).toEqual([
        ['A100', 3, '299999999.97'],
        ['H20', 18, '2016005.94'],
      ]);
      for (const s of bySku) {
        expect(s.points).toHaveLength(7);
        expect(s.points.at(-1).at).toBe(today().toISOString());
        expect(s.points.at(-1).revenue).toBe(s.revenue);
        expect(s.points.slice(0, -1).every((p: any) => p.units === 0 && p.revenue === '0.00')).toBe(true);
      }
      const byPartner = (await pool.ok(stack.adminKey, SALES, vars({ g: 'PARTNER' }))).salesOverTime;
      expect(byPartner.map((s: any) => [s.label, s.units, s.revenue])).toEqual([
        ['Shanghai AI Lab', 10, '300784002.28'],
        ['Sea AI Compute', 11, '1232003.63'],
      ]);
      const top1 = (await pool.ok(operatorKey, SALES, vars({ g: 'REGION', n: 1 }))).salesOverTime;
      expect(top1.map((s: any) => [s.key, s.units, s.revenue])).toEqual([
        ['ap-singapore', 3, '299999999.97'],
        ['OTHER', 18, '2016005.94'],
      ]);
    });

    it('refuses bad periods and sizes with a code, and prices the query before it runs', async () => {
      const code = async (extra: Record<string, unknown>, key = financeKey) => codesOf(await stack.gql(key, SALES, vars(extra)));
      expect(await code({ f: vars().t })).toEqual(['BAD_USER_INPUT']); // from = to
      expect(await code({ i: 'HOUR', f: '2026-01-01T00:00:00Z', t: '2026-02-01T00:00:00Z' })).toEqual(['BAD_USER_INPUT']); // 744 buckets
      expect(await code({ n: 0 })).toEqual(['BAD_USER_INPUT']);
      expect(await code({ n: 51 })).toEqual(['BAD_USER_INPUT']);
      expect(await code({ n: 50, f: '2026-01-01T00:00:00Z', t: '2026-12-31T00:00:00Z' })).toEqual(['QUERY_TOO_COMPLEX']);
      expect(await code({}, partner.key)).toEqual(['FORBIDDEN']);
    });
  });

  describe('auditEvents', () => {
    it('filters by the actor that made the change', async () => {
      const deskKey = await issue('FINANCE');
      const { me } = await pool.ok(deskKey, '{ me { id } }');
      await pool.ok(deskKey, 'mutation($i: RequestSettlementReportInput!) { requestSettlementReport(input: $i) { id } }', {
        i: { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z', format: 'CSV' },
      });
      const { auditEvents } = await pool.ok(
        stack.adminKey,
        'query($a: ID) { auditEvents(actorId: $a, first: 100) { totalCount edges { node { action actor { id } } } } }',
        { a: me.id },
      );
      expect(auditEvents.totalCount).toBeGreaterThan(0);
      expect(auditEvents.edges.every((e: any) => e.node.actor.id === me.id && e.node.action === 'settlement-report.request')).toBe(true);
      const none = await pool.ok(stack.adminKey, '{ auditEvents(actorId: "not-a-uuid") { totalCount } }');
      expect(none.auditEvents.totalCount).toBe(0);
    });
  });
});
