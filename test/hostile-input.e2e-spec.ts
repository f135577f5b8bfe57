import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { formatGraphQLError } from '@gpupool/platform';
import { codesOf, GraphQLResponse, postGraphQL } from './support/graphql-client';
import { Pool } from './support/pool';
import { AppProcess, startApiProcess } from './support/processes';
import { startStack, TestStack } from './support/stack';
import { TcpProxy } from './support/tcp-proxy';
import { wsGraphQL } from './support/ws-client';

const SKU = 'H20';
const REGION = 'cn-beijing';

/** What a client sees of a refusal, on either transport: its codes and whether anything leaked. */
const seen = (res: GraphQLResponse) => ({
  codes: [...new Set(codesOf(res))],
  leaks: (res.errors ?? []).some((e) => e.extensions && ('http' in e.extensions || 'stacktrace' in e.extensions)),
});

describe('hostile input: limits, validation that cannot crash, the same codes on HTTP and graphql-ws', () => {
  let stack: TestStack;
  let pool: Pool;
  let partner: { id: string; key: string };

  beforeAll(async () => {
    stack = await startStack({ env: { RATE_LIMIT_PER_SECOND: '10000', DB_STATEMENT_TIMEOUT_MS: '500' } });
    pool = new Pool(stack);
    partner = await pool.partner('Hostile Input Ltd', 'SG');
    await pool.receive(SKU, REGION, 1000);
    await pool.share('5.00');
    await pool.ask(SKU, REGION, '110000.00');
  });
  afterAll(() => stack.close());

  it('refuses the 2,000-alias markets request up front with QUERY_TOO_COMPLEX, and the pool stays healthy', async () => {
    const query = `{ ${Array.from({ length: 2000 }, (_, i) => `m${i}: markets { id }`).join(' ')} }`;
    expect(query.length).toBeGreaterThan(40_000);
    const res = await stack.gql(partner.key, query);
    expect(res.status).toBe(400);
    expect(seen(res)).toEqual({ codes: ['QUERY_TOO_COMPLEX'], leaks: false });
    expect(res.data).toBeUndefined();
    const health = await fetch(`${stack.url}/health`);
    expect(health.status).toBe(200);
  });

  it.each([
    ['aliases past the alias cap', `{ ${Array.from({ length: 31 }, (_, i) => `r${i}: regions { code }`).join(' ')} }`],
    [
      'lists without first, priced by their bound',
      `{ ${Array.from({ length: 5 }, (_, i) => `m${i}: markets { id askPrice availableUnits sku { code name vendor memoryGb } region { code name countryCode } }`).join(' ')} }`,
    ],
    ['a document past the token cap', `{ ${'me { id } '.repeat(800)} }`],
  ])('refuses %s with QUERY_TOO_COMPLEX on HTTP and graphql-ws alike', async (_name, query) => {
    const http = await stack.gql(partner.key, query);
    const ws = await wsGraphQL(stack.url, partner.key, { query });
    expect(http.status).toBe(400);
    expect(seen(http)).toEqual({ codes: ['QUERY_TOO_COMPLEX'], leaks: false });
    expect(seen(ws)).toEqual(seen(http));
  });

  it('refuses a document past the depth limit with QUERY_TOO_COMPLEX on both transports', async () => {
    const query = `{ me { partner { ${'a { '.repeat(20)}b${' }'.repeat(20)} } } }`;
    const http = await stack.gql(partner.key, query);
    const ws = await wsGraphQL(stack.url, partner.key, { query });
    expect(http.status).toBe(400);
    expect(codesOf(http)).toContain('QUERY_TOO_COMPLEX');
    expect(seen(ws)).toEqual(seen(http));
  });

  it('prices aliased or repeated root fields one by one', async () => {
    const one = `{ markets { id askPrice availableUnits sku { code name vendor memoryGb } region { code name countryCode } } }`;
    expect(codesOf(await stack.gql(partner.key, one))).toEqual([]);
    const twice = one
      .replace('{ markets', '{ a: markets')
      .replace(
        / }$/,
        ` b: markets { id askPrice availableUnits sku { code name vendor memoryGb } region { code name countryCode } } c: markets { id askPrice availableUnits sku { code name vendor memoryGb } region { code name countryCode } } d: markets { id askPrice availableUnits sku { code name vendor memoryGb } region { code name countryCode } } e: markets { id askPrice availableUnits sku { code name vendor memoryGb } region { code name countryCode } } }`,
      );
    expect(codesOf(await stack.gql(partner.key, twice))).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('prices a document again for each request whose variables move its cost (first, @include), though it keeps fixed costs', async () => {
    const paged = 'query($n: Int!) { orders(first: $n) { edges { node { id fills { id quantity price } } } } }';
    const included = 'query($x: Boolean!) { me { id } orders(first: 500) @include(if: $x) { edges { node { id fills { id } } } } }';
    for (let round = 0; round < 2; round++) {
      expect(codesOf(await stack.gql(partner.key, paged, { n: 1 }))).toEqual([]);
      expect(codesOf(await stack.gql(partner.key, paged, { n: 500 }))).toEqual(['QUERY_TOO_COMPLEX']);
      expect(codesOf(await stack.gql(partner.key, included, { x: false }))).toEqual([]);
      expect(codesOf(await stack.gql(partner.key, included, { x: true }))).toEqual(['QUERY_TOO_COMPLEX']);
    }
  });

  const cycle = '{ me { ...A } } fragment A on Principal { id ...B } fragment B on Principal { name ...A }';
  it.each([
    ['a fragment cycle', { query: cycle }, ['GRAPHQL_VALIDATION_FAILED']],
    ['a fragment spreading itself', { query: '{ me { ...A } } fragment A on Principal { ...A }' }, ['GRAPHQL_VALIDATION_FAILED']],
    [
      'a long fragment chain',
      {
        query: `{ me { ...F0 } } ${Array.from({ length: 40 }, (_, i) => `fragment F${i} on Principal { partner { id } ${i < 39 ? `...F${i + 1}` : ''} }`).join(' ')}`,
      },
      [],
    ],
    ['a parse error', { query: '{ me { id ' }, ['GRAPHQL_PARSE_FAILED']],
    ['an unknown field', { query: '{ me { nope } }' }, ['GRAPHQL_VALIDATION_FAILED']],
    [
      'a variable of the wrong type',
      { query: 'query($id: ID!) { order(id: $id) { id } }', variables: { id: { not: 'an id' } } },
      ['BAD_USER_INPUT'],
    ],
    ['a missing variable', { query: 'query($id: ID!) { order(id: $id) { id } }', variables: {} }, ['BAD_USER_INPUT']],
    ['variables that are not an object', { query: '{ me { id } }', variables: [1, 2] }, ['BAD_REQUEST']],
    ['an unknown operation name', { query: 'query A { me { id } }', operationName: 'B' }, ['OPERATION_RESOLUTION_FAILURE']],
  ])('answers %s with a code, never 5xx, the same on both transports', async (_name, payload, codes) => {
    const httpRes = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${partner.key}` },
      body: JSON.stringify(payload),
    });
    const http = { status: httpRes.status, ...((await httpRes.json()) as Omit<GraphQLResponse, 'status'>) };
    expect(http.status).toBeLessThan(500);
    expect(seen(http)).toEqual({ codes, leaks: false });
    // graphql-ws clients refuse to send non-object variables (the protocol forbids them).
    if (Array.isArray((payload as { variables?: unknown }).variables)) return;
    const ws = await wsGraphQL(stack.url, partner.key, payload);
    expect(seen(ws)).toEqual(seen(http));
  });

  it('gives errors over graphql-ws their code and no extensions.http (cancelOrder of an unknown id, a revoked key)', async () => {
    const cancel = 'mutation($id: ID!) { cancelOrder(id: $id) { id } }';
    const ws = await wsGraphQL(stack.url, partner.key, { query: cancel, variables: { id: randomUUID() } });
    const http = await stack.gql(partner.key, cancel, { id: randomUUID() });
    expect(seen(ws)).toEqual({ codes: ['NOT_FOUND'], leaks: false });
    expect(seen(http)).toEqual(seen(ws));
    const forbidden = await wsGraphQL(stack.url, partner.key, { query: '{ apiKeys { id } }' });
    expect(seen(forbidden)).toEqual({ codes: ['FORBIDDEN'], leaks: false });
  });

  it('cancels a statement past DB_STATEMENT_TIMEOUT_MS, and the client sees QUERY_TIMEOUT', async () => {
    const error = await stack.dataSource.query('SELECT pg_sleep(2)').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '57014' });
    const wrapped = new GraphQLError((error as Error).message, { originalError: error as Error, path: ['markets'] });
    expect(formatGraphQLError(wrapped.toJSON(), wrapped).extensions).toEqual({ code: 'QUERY_TIMEOUT' });
  });

  it('answers text with a NUL character as BAD_USER_INPUT (found by the fuzz test)', async () => {
    const res = await stack.gql(partner.key, 'query($s: String!) { orderBook(skuCode: $s, regionCode: "cn-beijing") { askPrice } }', {
      s: 'H\u0000',
    });
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
  });

  it.each(['', 'not-a-uuid', ' ', '0'])('answers revokeApiKey(id: %j) with NOT_FOUND, not INTERNAL_SERVER_ERROR', async (id) => {
    const res = await stack.gql(stack.adminKey, 'mutation($id: ID!) { revokeApiKey(id: $id, reason: "r") { id } }', { id });
    expect(codesOf(res)).toEqual(['NOT_FOUND']);
  });
});

describe('fair use across keys and api processes', () => {
  let stack: TestStack;
  let api2: AppProcess & { url: string };

  beforeAll(async () => {
    stack = await startStack({ env: { RATE_LIMIT_PER_SECOND: '10' } });
    api2 = await startApiProcess(stack.env);
  });
  afterAll(async () => {
    await api2?.stop();
    await stack.close();
  });

  it('shares one rate limit between two api processes', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const first = await Promise.all(Array.from({ length: 10 }, () => stack.gql(stack.adminKey, '{ me { id } }')));
    expect(first.map(codesOf).flat()).toEqual([]);
    const second = await postGraphQL(api2.url, stack.adminKey, '{ me { id } }');
    expect(second.status).toBe(429);
    expect(codesOf(second)).toEqual(['RATE_LIMITED']);
    expect(second.errors![0].extensions!.retryAfterMs).toBeGreaterThan(0);
  });

  it('logs a refused request with its method and URL, never with its key or cookie', async () => {
    const key = `unknown-key-${randomUUID()}`;
    const cookie = `session=${randomUUID()}`;
    const requestId = randomUUID();
    const res = await fetch(`${api2.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, cookie, 'x-request-id': requestId },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    const line = api2
      .log()
      .split('\n')
      .find((l) => l.includes(requestId) && l.includes('"statusCode":401'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({
      level: 40,
      req: { method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' } },
    });
    expect(line).not.toContain(key);
    expect(line).not.toContain(cookie);
  });

  it('counts aliased mutations one by one', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const batch = (n: number) =>
      `mutation { ${Array.from({ length: n }, (_, i) => `k${i}: revokeApiKey(id: "${randomUUID()}", reason: "r") { id }`).join(' ')} }`;
    const eleven = await stack.gql(stack.adminKey, batch(11));
    expect(eleven.status).toBe(429);
    expect(codesOf(eleven)).toEqual(['RATE_LIMITED']);
    await new Promise((r) => setTimeout(r, 1100));
    const five = await stack.gql(stack.adminKey, batch(5));
    expect(codesOf(five)).toEqual(['NOT_FOUND']); // the first failing mutation ends the batch
    const overWs = await wsGraphQL(stack.url, stack.adminKey, { query: batch(6) });
    expect(codesOf(overWs)).toEqual(['RATE_LIMITED']);
  });

  it('puts /queues and report downloads behind the same guard as GraphQL (401, 403, 429)', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const pool = new Pool(stack);
    const partner = await pool.partner('Guarded Partner', 'SG');
    const get = (path: string, key?: string) => fetch(`${stack.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    const report = `/reports/${randomUUID()}/download`;
    for (const path of ['/queues/api/queues', report]) {
      expect((await get(path)).status).toBe(401);
      expect((await get(path, 'gpk_unknown')).status).toBe(401);
      const refused = await get(path, partner.key);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { code: string }).code).toBe('FORBIDDEN');
    }
    await new Promise((r) => setTimeout(r, 1100));
    const burst = await Promise.all(Array.from({ length: 12 }, () => get('/queues/api/queues', stack.adminKey)));
    const limited = burst.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await limited[0].json()) as { code: string }).code).toBe('RATE_LIMITED');
    expect(codesOf(await stack.gql(stack.adminKey, '{ me { id } }'))).toEqual(['RATE_LIMITED']);
  });
});

describe('one key’s flood does not delay another key’s requests', () => {
  let stack: TestStack;
  let proxy: TcpProxy;

  beforeAll(async () => {
    // Every round trip to Postgres takes 15 ms more, so a flood holds connections for a while.
    const pg = new URL(process.env.TEST_DATABASE_URL!);
    proxy = await new TcpProxy(pg.hostname, Number(pg.port || 5432), 15).open();
    stack = await startStack({
      env: { RATE_LIMIT_PER_SECOND: '100000', MAX_REQUESTS_IN_FLIGHT: '2', MAX_REQUESTS_QUEUED: '0' },
      databaseVia: (url) => proxy.via(url),
    });
  });
  afterAll(async () => {
    await stack.close();
    await proxy.cut();
  });

  it('keeps a quiet key’s latency within a small multiple of its latency alone while another key floods', async () => {
    const pool = new Pool(stack);
    const [loud, quiet] = [await pool.partner('Loud Ltd', 'SG'), await pool.partner('Quiet Ltd', 'SG')];
    const QUIET = '{ partners { id creditUsed } }';
    const FLOOD = '{ partners { id creditUsed } markets { id } exportLicenses { id } }';
    const timeQuiet = async () => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        expect(codesOf(await stack.gql(quiet.key, QUIET))).toEqual([]);
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[2];
    };
    await timeQuiet();
    const alone = await timeQuiet();
    const flood = Promise.all(Array.from({ length: 300 }, () => stack.gql(loud.key, FLOOD)));
    await new Promise((r) => setTimeout(r, 50));
    const during = await timeQuiet();
    const floodCodes = (await flood).flatMap(codesOf);
    // Generous, for a shared 2-core machine: the flood's own HTTP and parsing work still slows the
    // process; what must not happen is queueing behind the flood's 300 database round trips.
    expect(during / alone).toBeLessThan(25);
    expect(floodCodes).toContain('RATE_LIMITED');
    expect(floodCodes.filter((c) => c !== 'RATE_LIMITED')).toEqual([]);
  });
});
