import { codesOf } from './support/graphql-client';
import { startStack, TestStack } from './support/stack';

describe('rate limit and queue dashboard', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ env: { RATE_LIMIT_PER_SECOND: '5' } });
  });
  afterAll(() => stack.close());

  it('answers RATE_LIMITED (429) past the per-key rate, and other keys are unaffected', async () => {
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 40 }, () => stack.gql(stack.adminKey, '{ me { role } }')));
    const seconds = (performance.now() - started) / 1000;
    const limited = results.filter((r) => codesOf(r).includes('RATE_LIMITED'));
    // 5 in each one-second window the burst touched.
    expect(results.length - limited.length).toBeLessThanOrEqual(5 * (Math.ceil(seconds) + 1));
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].status).toBe(429);
    const stranger = await stack.gql('gpk_unknown', '{ me { role } }');
    expect(codesOf(stranger)).toEqual(['UNAUTHENTICATED']);
  });

  it('serves the queue dashboard to ADMIN and OPERATOR keys: 401 without a key, 403 for FINANCE and PARTNER', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const issue = async (role: string, partnerId?: string) => {
      const res = await stack.gql(stack.adminKey, 'mutation($i: IssueApiKeyInput!) { issueApiKey(input: $i) { key } }', {
        i: { role, label: `dashboard ${role}`, partnerId },
      });
      return (res.data as { issueApiKey: { key: string } }).issueApiKey.key;
    };
    const partner = await stack.gql(stack.adminKey, 'mutation($i: CreatePartnerInput!) { createPartner(input: $i) { id } }', {
      i: { name: 'Dashboard Peeker Ltd', countryCode: 'SG', creditLimit: '1000.00' },
    });
    const keys = {
      OPERATOR: await issue('OPERATOR'),
      FINANCE: await issue('FINANCE'),
      PARTNER: await issue('PARTNER', (partner.data as { createPartner: { id: string } }).createPartner.id),
    };
    await new Promise((r) => setTimeout(r, 1100));
    const status = async (key?: string) =>
      (await fetch(`${stack.url}/queues/api/queues`, { headers: key ? { authorization: `Bearer ${key}` } : {} })).status;
    expect(await status()).toBe(401);
    expect(await status(keys.FINANCE)).toBe(403);
    expect(await status(keys.PARTNER)).toBe(403);
    expect(await status(keys.OPERATOR)).toBe(200);
    const admin = await fetch(`${stack.url}/queues/api/queues`, { headers: { authorization: `Bearer ${stack.adminKey}` } });
    expect(admin.status).toBe(200);
    const body = (await admin.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['matching', 'reports', 'settlement', 'sweeps']);
  });
});
