import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { eventually, Pool } from './support/pool';
import { AppProcess, startApiProcess } from './support/processes';
import { startStack, TestStack } from './support/stack';

const SKU = 'MLU370';
const REGION = 'cn-wulanchabu';
const EVENTS = 'subscription { orderEvents { type at order { id status filledQuantity partner { id } } fill { id quantity price } } }';

interface Received {
  type: string;
  order: { id: string; status: string; partner: { id: string } };
  fill: { id: string; quantity: number; price: string } | null;
}

/** One graphql-ws connection and what it received: events, or the error that ended it. */
interface Listener {
  events: Received[];
  error?: unknown;
  client: Client;
}

describe('orderEvents over graphql-ws, across two api processes', () => {
  let stack: TestStack;
  let pool: Pool;
  let api2: AppProcess & { url: string };
  let alpha: { id: string; key: string };
  let beta: { id: string; key: string };
  let keys: Record<'OPERATOR' | 'FINANCE', string>;
  const clients: Client[] = [];
  let n = 0;

  const connect = (url: string, connectionParams?: Record<string, unknown>): Client => {
    const client = createClient({
      url: `${url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams,
      lazy: true,
      retryAttempts: 0,
    });
    clients.push(client);
    return client;
  };
  const listen = (url: string, key: string | undefined, query = EVENTS): Listener => {
    const client = connect(url, key === undefined ? undefined : { Authorization: `Bearer ${key}` });
    const listener: Listener = { events: [], client };
    client.subscribe<{ orderEvents: Received }>(
      { query },
      {
        next: (result) => {
          if (result.errors) listener.error = result.errors;
          else listener.events.push(result.data!.orderEvents);
        },
        error: (error) => (listener.error = error),
        complete: () => undefined,
      },
    );
    return listener;
  };
  const place = async (who: { key: string }, limitPrice: string) => {
    const res = await pool.place(who.key, { clientOrderId: `sub-${++n}`, skuCode: SKU, regionCode: REGION, quantity: 2, limitPrice });
    expect(res.errors).toBeUndefined();
    return res.data!.placeOrder.id as string;
  };
  const eventsOf = (listener: Listener, orderId: string) => listener.events.filter((e) => e.order.id === orderId).map((e) => e.type);

  beforeAll(async () => {
    stack = await startStack({ worker: true, env: { GRAPHQL_MAX_COMPLEXITY: '300' } });
    api2 = await startApiProcess(stack.env);
    pool = new Pool(stack);
    alpha = await pool.partner('Alpha Subscriber', 'CN');
    beta = await pool.partner('Beta Subscriber', 'SG');
    const issue = async (role: string) =>
      (await pool.ok(stack.adminKey, 'mutation($i: IssueApiKeyInput!) { issueApiKey(input: $i) { key } }', { i: { role, label: role } }))
        .issueApiKey.key as string;
    keys = { OPERATOR: await issue('OPERATOR'), FINANCE: await issue('FINANCE') };
    await pool.receive(SKU, REGION, 1000);
    await pool.share('1.00', SKU);
    await pool.ask(SKU, REGION, '60000.00');
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await api2?.stop();
    await stack?.close();
  });

  it('delivers a partner’s own PLACED and FILLED events on api #2 for an order placed through api #1; others see nothing of it; staff see all', async () => {
    const alphaSub = listen(api2.url, alpha.key);
    const betaSub = listen(api2.url, beta.key);
    const adminSub = listen(api2.url, stack.adminKey);
    const operatorSub = listen(api2.url, keys.OPERATOR);
    const financeSub = listen(api2.url, keys.FINANCE);
    // Each subscription is live once it has seen an event; warm-up orders below the ask rest quietly.
    const alphaWarm = await eventually(
      () => place(alpha, '10000.00'),
      (id) =>
        alphaSub.events.some((e) => e.order.id === id) &&
        adminSub.events.some((e) => e.order.id === id) &&
        operatorSub.events.some((e) => e.order.id === id),
    );
    const betaWarm = await eventually(
      () => place(beta, '10000.00'),
      (id) => betaSub.events.some((e) => e.order.id === id),
    );
    for (const listener of [alphaSub, betaSub, adminSub, operatorSub]) listener.events.length = 0;

    const orderId = await place(alpha, '61000.00'); // at or above the ask: fills at once
    await eventually(
      async () => [eventsOf(alphaSub, orderId), eventsOf(adminSub, orderId), eventsOf(operatorSub, orderId)],
      (seen) => seen.every((types) => types.includes('FILLED')),
    );
    await new Promise((r) => setTimeout(r, 500)); // time for anything that should not arrive

    expect(alphaSub.events.map((e) => e.type)).toEqual(['PLACED', 'FILLED']);
    const [placed, filled] = alphaSub.events;
    expect(placed).toMatchObject({ order: { id: orderId, partner: { id: alpha.id } }, fill: null });
    expect(filled).toMatchObject({ order: { id: orderId, status: 'FILLED', filledQuantity: 2 }, fill: { quantity: 2, price: '60000.00' } });
    expect(eventsOf(adminSub, orderId)).toEqual(['PLACED', 'FILLED']);
    expect(eventsOf(operatorSub, orderId)).toEqual(['PLACED', 'FILLED']);
    expect(betaSub.events).toEqual([]);
    expect(financeSub.events).toEqual([]);
    for (const listener of [alphaSub, betaSub, adminSub, operatorSub, financeSub]) expect(listener.error).toBeUndefined();

    // A cancel through api #1 reaches its owner on api #2, and only its owner among partners.
    alphaSub.events.length = 0;
    await pool.ok(alpha.key, 'mutation($id: ID!) { cancelOrder(id: $id) { status } }', { id: alphaWarm });
    await eventually(
      async () => eventsOf(alphaSub, alphaWarm),
      (types) => types.includes('CANCELLED'),
    );
    expect(betaSub.events).toEqual([]);
    expect(betaWarm).toBeDefined();

    // A resting bid filled by a later run (phase 1, whose events are built from Postgres's text)
    // reaches its owner, and no other partner.
    for (const listener of [alphaSub, betaSub]) listener.events.length = 0;
    const restingId = await place(beta, '30000.00'); // below the ask: a run sees it, and it rests
    await eventually(
      async () => (await stack.dataSource.query(`SELECT resting FROM orders WHERE id = $1`, [restingId]))[0].resting,
      (resting) => resting === true,
    );
    await pool.ask(SKU, REGION, '30000.00');
    await eventually(
      async () => eventsOf(betaSub, restingId),
      (types) => types.includes('FILLED'),
    );
    await new Promise((r) => setTimeout(r, 500)); // time for anything that should not arrive
    expect(eventsOf(betaSub, restingId)).toEqual(['PLACED', 'FILLED']);
    expect(betaSub.events.find((e) => e.type === 'FILLED')).toMatchObject({
      order: { id: restingId, partner: { id: beta.id }, status: 'FILLED', filledQuantity: 2 },
      fill: { quantity: 2, price: '30000.00' },
    });
    expect(alphaSub.events).toEqual([]);
  });

  it('refuses a connection without a key or with an unknown key (close 4403)', async () => {
    for (const params of [undefined, { Authorization: 'Bearer gpk_no_such_key_0000000000' }, { Authorization: stack.adminKey }]) {
      const client = connect(api2.url, params);
      const closed = new Promise<number>((resolve) => client.on('closed', (event) => resolve((event as { code: number }).code)));
      const listener: Listener = { events: [], client };
      client.subscribe({ query: EVENTS }, { next: () => undefined, error: (e) => (listener.error = e), complete: () => undefined });
      expect(await closed).toBe(4403);
      await eventually(
        async () => listener.error,
        (error) => error !== undefined,
      );
      expect(listener.events).toEqual([]);
    }
  });

  it('refuses a subscription over the complexity limit and one over the depth limit', async () => {
    const aliases = Array.from({ length: 310 }, (_, i) => `a${i}: at`).join(' ');
    const tooComplex = listen(api2.url, alpha.key, `subscription { orderEvents { ${aliases} } }`);
    const deep = 'a { b { c { d { e { f { g { h { i { j { k { l } } } } } } } } } } }';
    const tooDeep = listen(api2.url, alpha.key, `subscription { orderEvents { order { partner { ${deep} } } } }`);
    await eventually(
      async () => [tooComplex.error, tooDeep.error],
      (errors) => errors.every((e) => e !== undefined),
    );
    expect(JSON.stringify(tooComplex.error)).toMatch(/"code":"QUERY_TOO_COMPLEX"/);
    expect(JSON.stringify(tooDeep.error)).toMatch(/"code":"QUERY_TOO_COMPLEX"/);
    expect(JSON.stringify([tooComplex.error, tooDeep.error])).not.toMatch(/"http"/);
    // The same limits hold for a document within them.
    const fine = listen(api2.url, alpha.key);
    const id = await eventually(
      () => place(alpha, '10000.00'),
      (orderId) => fine.events.some((e) => e.order.id === orderId),
    );
    expect(fine.error).toBeUndefined();
    expect(id).toBeDefined();
  });
});
