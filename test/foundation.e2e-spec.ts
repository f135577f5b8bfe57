import { codesOf } from './support/graphql-client';
import { startStack, TestStack } from './support/stack';

const ISSUE_KEY = `mutation($input: IssueApiKeyInput!) { issueApiKey(input: $input) { id key role partnerId } }`;
const CREATE_PARTNER = `mutation($input: CreatePartnerInput!) {
  createPartner(input: $input) { id name countryCode creditLimit creditUsed creditAvailable taxRatePercent } }`;

describe('foundation: identity, roles, audit, errors', () => {
  let stack: TestStack;
  let partnerId: string;
  let partnerKey: string;
  let operatorKey: string;
  let financeKey: string;

  const issue = async (role: string, extra: Record<string, unknown> = {}) => {
    const res = await stack.gql(stack.adminKey, ISSUE_KEY, { input: { role, label: `${role} key`, ...extra } });
    expect(res.errors).toBeUndefined();
    return res.data!.issueApiKey as { id: string; key: string };
  };
  const count = async (table: string) => Number((await stack.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    stack = await startStack();
    const created = await stack.gql(stack.adminKey, CREATE_PARTNER, {
      input: { name: 'Shanghai AI Lab', countryCode: 'CN', creditLimit: '1000000000000.00' },
    });
    expect(created.errors).toBeUndefined();
    partnerId = created.data!.createPartner.id;
    partnerKey = (await issue('PARTNER', { partnerId })).key;
    operatorKey = (await issue('OPERATOR')).key;
    financeKey = (await issue('FINANCE')).key;
  });
  afterAll(() => stack.close());

  describe('authentication', () => {
    it('answers me with ADMIN for the bootstrap key', async () => {
      const res = await stack.gql(stack.adminKey, '{ me { role name partner { id } } }');
      expect(res.data).toEqual({ me: { role: 'ADMIN', name: 'bootstrap admin', partner: null } });
    });

    it.each([
      ['no key', undefined],
      ['a wrong key', 'gpk_not-a-real-key'],
      ['an empty key', ''],
    ])('refuses %s with UNAUTHENTICATED', async (_case, key) => {
      const res = await stack.gql(key, '{ me { role } }');
      expect(res.status).toBe(401);
      expect(codesOf(res)).toEqual(['UNAUTHENTICATED']);
      expect(res.data).toBeUndefined();
    });

    it('shows a partner key its partner', async () => {
      const res = await stack.gql(partnerKey, '{ me { role partner { id name creditLimit } } }');
      expect(res.data!.me).toEqual({
        role: 'PARTNER',
        partner: { id: partnerId, name: 'Shanghai AI Lab', creditLimit: '1000000000000.00' },
      });
    });

    it('stores only the SHA-256 of a key, and the key is shown once', async () => {
      const issued = await issue('FINANCE');
      const rows = await stack.dataSource.query('SELECT * FROM api_key WHERE id = $1', [issued.id]);
      expect(JSON.stringify(rows)).not.toContain(issued.key);
      expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
      const listed = await stack.gql(stack.adminKey, '{ apiKeys { id label } }');
      expect(JSON.stringify(listed)).not.toContain(issued.key);
    });

    it('stops accepting a revoked key', async () => {
      const issued = await issue('OPERATOR');
      expect((await stack.gql(issued.key, '{ me { role } }')).data).toEqual({ me: { role: 'OPERATOR' } });
      const revoke = await stack.gql(
        stack.adminKey,
        'mutation($id: ID!) { revokeApiKey(id: $id, reason: "left the company") { revokedAt } }',
        {
          id: issued.id,
        },
      );
      expect(revoke.data!.revokeApiKey.revokedAt).toEqual(expect.any(String));
      expect(codesOf(await stack.gql(issued.key, '{ me { role } }'))).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('role boundaries', () => {
    it.each(['PARTNER', 'OPERATOR', 'FINANCE'])('refuses issueApiKey to %s with FORBIDDEN and writes nothing', async (role) => {
      const key = { PARTNER: partnerKey, OPERATOR: operatorKey, FINANCE: financeKey }[role];
      const before = await count('api_key');
      const res = await stack.gql(key, ISSUE_KEY, { input: { role: 'ADMIN', label: 'escalation' } });
      expect(codesOf(res)).toEqual(['FORBIDDEN']);
      expect(await count('api_key')).toBe(before);
    });

    it('refuses a PARTNER key without a partner, partnerId absent or null, with BAD_USER_INPUT and writes nothing (found by the fuzz test)', async () => {
      const before = await count('api_key');
      for (const input of [
        { role: 'PARTNER', label: 'no partner' },
        { role: 'PARTNER', label: 'null partner', partnerId: null },
      ]) {
        expect(codesOf(await stack.gql(stack.adminKey, ISSUE_KEY, { input }))).toEqual(['BAD_USER_INPUT']);
      }
      expect(await count('api_key')).toBe(before);
      const operator = await stack.gql(stack.adminKey, ISSUE_KEY, { input: { role: 'OPERATOR', label: 'null partner', partnerId: null } });
      expect(operator.data!.issueApiKey).toMatchObject({ role: 'OPERATOR', partnerId: null });
    });

    it.each(['PARTNER', 'FINANCE'])('refuses createPartner to %s', async (role) => {
      const key = role === 'PARTNER' ? partnerKey : financeKey;
      const res = await stack.gql(key, CREATE_PARTNER, { input: { name: `x-${role}`, countryCode: 'SG', creditLimit: '1.00' } });
      expect(codesOf(res)).toEqual(['FORBIDDEN']);
    });

    it('lets an operator create a partner, with the default tax rate by country', async () => {
      const sg = await stack.gql(operatorKey, CREATE_PARTNER, { input: { name: 'Sea AI', countryCode: 'SG', creditLimit: '5000000.00' } });
      expect(sg.data!.createPartner).toMatchObject({ taxRatePercent: '0.00', creditUsed: '0.00', creditAvailable: '5000000.00' });
      const res = await stack.gql(stack.adminKey, '{ partners { name taxRatePercent } }');
      expect(res.data!.partners).toEqual(
        expect.arrayContaining([
          { name: 'Shanghai AI Lab', taxRatePercent: '13.00' },
          { name: 'Sea AI', taxRatePercent: '0.00' },
        ]),
      );
    });

    it('shows a partner only itself', async () => {
      const res = await stack.gql(partnerKey, '{ partners { id } }');
      expect(res.data!.partners).toEqual([{ id: partnerId }]);
    });

    it.each([
      ['auditEvents', '{ auditEvents { totalCount } }'],
      ['apiKeys', '{ apiKeys { id } }'],
    ])('keeps %s for ADMIN only', async (_name, query) => {
      for (const key of [partnerKey, operatorKey, financeKey]) expect(codesOf(await stack.gql(key, query))).toEqual(['FORBIDDEN']);
      expect((await stack.gql(stack.adminKey, query)).errors).toBeUndefined();
    });
  });

  describe('bad input writes nothing', () => {
    it.each([
      ['a JSON number as Decimal', { name: 'A', countryCode: 'CN', creditLimit: 1000 }],
      ['an exponent', { name: 'A', countryCode: 'CN', creditLimit: '1e3' }],
      ['a blank Decimal', { name: 'A', countryCode: 'CN', creditLimit: '' }],
      ['NaN', { name: 'A', countryCode: 'CN', creditLimit: 'NaN' }],
      ['three decimals', { name: 'A', countryCode: 'CN', creditLimit: '1.005' }],
      ['a negative limit', { name: 'A', countryCode: 'CN', creditLimit: '-1.00' }],
      ['a lower-case country', { name: 'A', countryCode: 'cn', creditLimit: '1.00' }],
      ['an unknown country', { name: 'A', countryCode: 'XX', creditLimit: '1.00' }],
      ['a blank name', { name: '  ', countryCode: 'CN', creditLimit: '1.00' }],
      ['a tax rate over 100', { name: 'A', countryCode: 'CN', creditLimit: '1.00', taxRatePercent: '100.01' }],
      ['an unknown field', { name: 'A', countryCode: 'CN', creditLimit: '1.00', creditUsed: '0' }],
    ])('refuses %s with BAD_USER_INPUT', async (_case, input) => {
      const [partners, audits] = [await count('partner'), await count('audit_event')];
      const res = await stack.gql(stack.adminKey, CREATE_PARTNER, { input });
      expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].message.length).toBeGreaterThan(10);
      expect([await count('partner'), await count('audit_event')]).toEqual([partners, audits]);
    });

    it('refuses a Decimal literal written as a number with BAD_USER_INPUT', async () => {
      const res = await stack.gql(
        stack.adminKey,
        'mutation { createPartner(input: {name: "L", countryCode: "CN", creditLimit: 5}) { id } }',
      );
      expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    });

    it('refuses a duplicate partner name', async () => {
      const res = await stack.gql(stack.adminKey, CREATE_PARTNER, {
        input: { name: 'Shanghai AI Lab', countryCode: 'CN', creditLimit: '1.00' },
      });
      expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].message).toMatch(/already exists/);
    });

    it('refuses a PARTNER key without a partner, and a partner id that does not exist', async () => {
      expect(codesOf(await stack.gql(stack.adminKey, ISSUE_KEY, { input: { role: 'PARTNER', label: 'x' } }))).toEqual(['BAD_USER_INPUT']);
      const res = await stack.gql(stack.adminKey, ISSUE_KEY, {
        input: { role: 'PARTNER', label: 'x', partnerId: '00000000-0000-4000-8000-000000000000' },
      });
      expect(codesOf(res)).toEqual(['NOT_FOUND']);
    });

    it('answers a malformed document with GRAPHQL_PARSE_FAILED and an unknown field with GRAPHQL_VALIDATION_FAILED', async () => {
      expect(codesOf(await stack.gql(stack.adminKey, '{ me { role '))).toEqual(['GRAPHQL_PARSE_FAILED']);
      expect(codesOf(await stack.gql(stack.adminKey, '{ me { nope } }'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    });
  });

  describe('audit log', () => {
    it('records every admin change with actor, before/after, newest first', async () => {
      await issue('FINANCE', { label: 'audit log key' }); // a fifth change, whatever ran before
      const res = await stack.gql(
        stack.adminKey,
        '{ auditEvents(first: 3) { totalCount edges { node { action entity entityId after actor { role name } at } } pageInfo { hasNextPage endCursor } } }',
      );
      const events = res.data!.auditEvents;
      expect(events.totalCount).toBeGreaterThanOrEqual(5);
      expect(events.edges).toHaveLength(3);
      const times = events.edges.map((e: any) => Date.parse(e.node.at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      const partnerEvent = await stack.gql(
        stack.adminKey,
        '{ auditEvents(entity: "Partner", first: 500) { edges { node { action entityId after actor { name } } } } }',
      );
      expect(partnerEvent.data!.auditEvents.edges).toContainEqual({
        node: {
          action: 'partner.create',
          entityId: partnerId,
          after: JSON.stringify({ name: 'Shanghai AI Lab', countryCode: 'CN', creditLimit: '1000000000000', taxRatePercent: '13' }),
          actor: { name: 'bootstrap admin' },
        },
      });
    });

    it('pages through every event exactly once', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const res: any = await stack.gql(
          stack.adminKey,
          'query($after: String) { auditEvents(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
          { after },
        );
        seen.push(...res.data.auditEvents.edges.map((e: any) => e.node.id));
        if (!res.data.auditEvents.pageInfo.hasNextPage) break;
        after = res.data.auditEvents.pageInfo.endCursor;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(await count('audit_event'));
    });

    it('refuses first > 500 and a forged cursor', async () => {
      expect(codesOf(await stack.gql(stack.adminKey, '{ auditEvents(first: 501) { totalCount } }'))).toEqual(['BAD_USER_INPUT']);
      expect(codesOf(await stack.gql(stack.adminKey, '{ auditEvents(after: "bm9wZQ") { totalCount } }'))).toEqual(['BAD_USER_INPUT']);
    });

    it('is append-only in the database', async () => {
      await expect(stack.dataSource.query(`UPDATE audit_event SET reason = 'tampered'`)).rejects.toThrow(/append-only/);
      await expect(stack.dataSource.query('DELETE FROM audit_event')).rejects.toThrow(/append-only/);
      await expect(stack.dataSource.query('TRUNCATE audit_event CASCADE')).rejects.toThrow(/append-only/);
      expect(await count('audit_event')).toBeGreaterThan(0);
    });
  });

  describe('GraphQL guard rails', () => {
    it('masks an internal error: a correlation id, no SQL, no stack', async () => {
      await stack.dataSource.query('ALTER TABLE partner RENAME TO partner_moved');
      try {
        const res = await stack.gql(stack.adminKey, '{ partners { id } }');
        expect(codesOf(res)).toEqual(['INTERNAL_SERVER_ERROR']);
        const [error] = res.errors!;
        expect(Object.keys(error.extensions!).sort()).toEqual(['code', 'correlationId']);
        expect(error.message).toContain(String(error.extensions!.correlationId));
        expect(error.message).not.toMatch(/partner|\brelation\b|SELECT|stack|\.ts:|\bat \S+:\d+/i);
      } finally {
        await stack.dataSource.query('ALTER TABLE partner_moved RENAME TO partner');
      }
    });

    it('refuses a query over the complexity limit with QUERY_TOO_COMPLEX', async () => {
      const fields = Array.from({ length: 60 }, (_, i) => `a${i}: auditEvents(first: 500) { edges { node { id action } } }`).join(' ');
      const res = await stack.gql(stack.adminKey, `{ ${fields} }`);
      expect([...new Set(codesOf(res))]).toEqual(['QUERY_TOO_COMPLEX']);
    });

    it('keeps CSRF prevention on and batching off', async () => {
      const plain = await fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', authorization: `Bearer ${stack.adminKey}` },
        body: JSON.stringify({ query: '{ me { role } }' }),
      });
      expect(plain.status).toBe(400);
      const batch = await fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.adminKey}` },
        body: JSON.stringify([{ query: '{ me { role } }' }, { query: '{ me { role } }' }]),
      });
      expect(batch.status).toBe(400);
    });
  });
});
