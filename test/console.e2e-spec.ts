import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Browser, Page } from 'playwright-core';
import { browserAvailable, launchChromium, shows, signedIn } from './support/browser';
import { eventually, Pool } from './support/pool';
import { startStack, TestStack } from './support/stack';

const describeBrowser = browserAvailable() ? describe : describe.skip;

/**
 * The console in Debian's Chromium against an api + worker on a fresh database, driven by role
 * and accessible name as a person with a screen reader would.
 */
describeBrowser('console: the operators, finance and partners web console', () => {
  let stack: TestStack;
  let pool: Pool;
  let browser: Browser;
  let keys: Record<'operator' | 'finance', string>;
  let sail: { id: string; key: string };
  let sea: { id: string; key: string };
  const pages: Page[] = [];
  const open = async (key: string, path = '') => {
    const page = await signedIn(browser, stack.url, key, path);
    pages.push(page);
    return page;
  };
  const issue = async (role: string) =>
    (
      await pool.ok(stack.adminKey, 'mutation($i: IssueApiKeyInput!) { issueApiKey(input: $i) { key } }', {
        i: { role, label: `${role} desk` },
      })
    ).issueApiKey.key as string;
  const globalShare = async () => (await pool.ok(stack.adminKey, '{ sellableShare { globalPercent history { id } } }')).sellableShare;
  const menu = async (page: Page) => (await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).sort();

  beforeAll(async () => {
    stack = await startStack({ worker: true });
    pool = new Pool(stack);
    browser = await launchChromium();
    keys = { operator: await issue('OPERATOR'), finance: await issue('FINANCE') };
    sail = await pool.partner('Shanghai AI Lab', 'SG');
    sea = await pool.partner('Sea AI Compute', 'SG');
    await pool.receive('H20', 'cn-beijing', 10_000);
    await pool.receive('A100', 'ap-singapore', 4_000);
    await pool.share('5.00');
    await pool.ask('H20', 'cn-beijing', '112000.00');
    await pool.ask('A100', 'ap-singapore', '106000.00');
  }, 60_000);

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((p) => p.context().close()));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('signs in per role and shows each role only its pages; a bad key is refused beside the form', async () => {
    expect(await menu(await open(stack.adminKey))).toEqual([
      'Audit',
      'Explorer',
      'Finance',
      'Markets',
      'Orders',
      'Partners',
      'Pool',
      'Queues',
      'Reports',
    ]);
    expect(await menu(await open(keys.operator))).toEqual(['Explorer', 'Markets', 'Orders', 'Partners', 'Pool', 'Queues']);
    expect(await menu(await open(keys.finance))).toEqual(['Explorer', 'Finance', 'Markets', 'Orders', 'Queues', 'Reports']);
    expect(await menu(await open(sail.key))).toEqual(['Orders']);

    const page = await browser.newPage();
    pages.push(page);
    await page.goto(`${stack.url}/`);
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.getByLabel('API key').fill('not-a-key-of-this-pool');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await shows(page.getByRole('alert'), 'UNAUTHENTICATED');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    const signedInPage = await open(keys.operator);
    await signedInPage.getByRole('button', { name: 'Sign out' }).click();
    await shows(signedInPage.getByLabel('API key'));
    expect(await signedInPage.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await signedInPage.context().cookies()).toEqual([]);
  });

  it('draws the pool chart and lists every market with its cap', async () => {
    const page = await open(keys.operator, 'pool');
    await shows(page.getByRole('heading', { name: 'Fleet by market' }));
    const chart = page.getByRole('img', { name: /Fleet by market/ });
    await shows(page.locator('[role=img][data-rendered=true]', { has: page.locator('canvas') }));
    expect(await chart.getAttribute('data-rendered')).toBe('true');
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    const h20 = page.getByRole('table', { name: 'Markets' }).getByRole('row').filter({ hasText: 'cn-beijing' });
    const h20Text = await (await shows(h20)).textContent();
    expect(h20Text).toContain('10,000');
    expect(h20Text).toContain('500'); // 5 % of 10,000
  });

  it('saves a share through the form; it appears in the share history and in the audit log with its reason', async () => {
    const page = await open(stack.adminKey, 'pool');
    const form = page.getByRole('form', { name: 'Sellable share' });
    await form.getByLabel('Sellable share (%)').fill('7.25');
    await form.getByLabel('SKU').selectOption('MLU370');
    await form.getByLabel('Reason').fill('Q4 partner demand for MLU370');
    await form.getByRole('button', { name: 'Save share' }).click();
    const history = page.getByRole('table', { name: 'Share history' });
    expect(await (await shows(history.getByRole('row'), 'Q4 partner demand for MLU370')).textContent()).toContain('— → 7.25 %');
    expect(await form.getByRole('alert').count()).toBe(0);

    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByLabel('Entity').selectOption('SharePolicy');
    const event = page.getByRole('table', { name: 'Audit events' }).getByRole('row').filter({ hasText: 'Q4 partner demand for MLU370' });
    const eventText = await (await shows(event)).textContent();
    expect(eventText).toContain('7.25');
    expect(eventText).toContain('bootstrap admin');
  });

  it('refuses a share of 10 beside the form with SHARE_CAP_EXCEEDED and changes nothing', async () => {
    const before = await globalShare();
    const page = await open(keys.operator, 'pool');
    const form = page.getByRole('form', { name: 'Sellable share' });
    await form.getByLabel('Sellable share (%)').fill('10');
    await form.getByLabel('Reason').fill('sell everything');
    await form.getByRole('button', { name: 'Save share' }).click();
    await shows(form.getByRole('alert'), 'SHARE_CAP_EXCEEDED');
    expect(await globalShare()).toEqual(before);
    expect(await page.getByRole('table', { name: 'Share history' }).textContent()).not.toContain('sell everything');
  });

  it('shows an order placed through the API in "Live orders" within seconds', async () => {
    const page = await open(keys.operator, 'orders');
    const live = page.getByRole('list', { name: 'Live orders' });
    await shows(live);
    await page.waitForTimeout(500); // the subscription connects lazily
    const placed = await pool.place(sail.key, {
      clientOrderId: 'console-live-1',
      skuCode: 'H20',
      regionCode: 'cn-beijing',
      quantity: 40,
      limitPrice: '112000.00',
      timeInForce: 'GTC',
    });
    expect(placed.errors).toBeUndefined();
    await shows(live.getByText('console-live-1'), undefined, 5_000);
  });

  it('builds a report requested through the form; the downloaded file has the SHA-256 shown', async () => {
    const { placeOrder } = await pool.ok(sea.key, 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }', {
      i: {
        clientOrderId: 'console-report-1',
        skuCode: 'A100',
        regionCode: 'ap-singapore',
        quantity: 25,
        limitPrice: '106000.00',
        timeInForce: 'IOC',
      },
    });
    await pool.until(sea.key, placeOrder.id, (o) => o.status === 'FILLED');
    await eventually(
      () => pool.ok(keys.finance, '{ settlements(first: 5) { totalCount } }'),
      (d) => d.settlements.totalCount >= 1,
    );

    const page = await open(keys.finance, 'reports');
    const form = page.getByRole('form', { name: 'Request report' });
    await form.getByLabel('Format').selectOption('CSV');
    await form.getByRole('button', { name: 'Request report' }).click();
    const row = page.getByRole('table', { name: 'Report history' }).getByRole('row').filter({ hasText: 'SUCCEEDED' }).first();
    await shows(row, undefined, 20_000);
    const shown = (await row.locator('code').textContent())!.trim();
    expect(shown).toMatch(/^[0-9a-f]{64}$/);
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download' }).click()]);
    const file = readFileSync((await download.path())!);
    expect(createHash('sha256').update(file).digest('hex')).toBe(shown);
    expect(file.toString('utf8')).toContain('Sea AI Compute');
  });

  it('gives a partner key no staff page and no other partner’s data', async () => {
    await pool.ok(sea.key, 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }', {
      i: {
        clientOrderId: 'sea-private-7',
        skuCode: 'H20',
        regionCode: 'cn-beijing',
        quantity: 5,
        limitPrice: '90000.00',
        timeInForce: 'GTC',
      },
    });
    await pool.ok(sail.key, 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }', {
      i: { clientOrderId: 'sail-own-8', skuCode: 'H20', regionCode: 'cn-beijing', quantity: 5, limitPrice: '90000.00', timeInForce: 'GTC' },
    });
    const page = await open(sail.key);
    for (const path of ['pool', 'partners', 'finance', 'reports', 'audit', 'queues', 'explorer', 'markets']) {
      await page.goto(`${stack.url}/console/${path}`);
      await shows(page.getByRole('heading', { level: 1, name: 'My orders' }));
      await shows(page.getByRole('table', { name: 'Orders' }), 'sail-own-8');
      const text = await page.locator('main').textContent();
      expect(text).not.toContain('sea-private-7');
      expect(text).not.toContain('Sea AI Compute');
      expect(text).not.toContain('Fleet by market');
    }
    expect(await menu(page)).toEqual(['Orders']);
  });

  it('runs a query in the explorer with no request leaving this origin', async () => {
    const page = await open(keys.operator);
    const origin = new URL(stack.url).origin;
    const foreign: string[] = [];
    await page.context().route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
      foreign.push(url);
      return route.abort('internetdisconnected');
    });
    await page.goto(`${stack.url}/graphql`, { waitUntil: 'load' });
    expect(new URL(page.url()).pathname).toBe('/console/explorer');
    await shows(page.locator('.graphiql-query-editor'), 'query Me', 15_000);
    const response = page.locator('.graphiql-response').filter({ hasText: '"OPERATOR"' });
    // GraphiQL ignores a run while it still loads the schema: press again until the answer shows.
    for (let attempt = 0; attempt < 10 && (await response.count()) === 0; attempt++) {
      await page.getByRole('button', { name: /Execute query/ }).click();
      await response.waitFor({ timeout: 1_500 }).catch(() => undefined);
    }
    await shows(response);
    expect(foreign).toEqual([]);
  });
});
