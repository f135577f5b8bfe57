import { Pool } from './support/pool';
import { AppProcess, startApiProcess } from './support/processes';
import { postGraphQL, codesOf } from './support/graphql-client';
import { startStack, TestStack } from './support/stack';

const ME = '{ me { id role } }';

describe('API keys across api processes: cached lookups, revocation honoured everywhere within a second', () => {
  let stack: TestStack;
  let apis: (AppProcess & { url: string })[];

  beforeAll(async () => {
    stack = await startStack();
    apis = await Promise.all([startApiProcess(stack.env), startApiProcess(stack.env)]);
  });
  afterAll(async () => {
    await Promise.all((apis ?? []).map((api) => api.stop()));
    await stack?.close();
  });

  it('stops every api process accepting a key within a second of its revocation through any one of them', async () => {
    const pool = new Pool(stack);
    const { key } = await pool.partner('Revoked Desk Co');
    const { apiKeys } = await pool.ok(stack.adminKey, '{ apiKeys { id label } }');
    const id = (apiKeys as { id: string; label: string }[]).find((k) => k.label === 'Revoked Desk Co desk')!.id;
    // Both processes have looked the key up (and cached it).
    for (const api of apis) {
      for (let i = 0; i < 3; i++) expect((await postGraphQL(api.url, key, ME)).data?.me.role).toBe('PARTNER');
    }
    const revoked = await postGraphQL(
      apis[0]!.url,
      stack.adminKey,
      'mutation($id: ID!) { revokeApiKey(id: $id, reason: "test") { revokedAt } }',
      {
        id,
      },
    );
    expect(revoked.errors).toBeUndefined();
    const at = Date.now();
    for (const api of apis) {
      for (;;) {
        const res = await postGraphQL(api.url, key, ME);
        if (codesOf(res).includes('UNAUTHENTICATED')) break;
        expect(Date.now() - at).toBeLessThan(1000);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    expect(Date.now() - at).toBeLessThan(1000);
    // The in-process api, which also shares the database, refuses it too.
    expect(codesOf(await stack.gql(key, ME))).toEqual(['UNAUTHENTICATED']);
  });
});
