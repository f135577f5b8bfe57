import { Queue } from 'bullmq';
import { EntityManager } from 'typeorm';
import { ComplianceError, ComplianceErrorCode, ComplianceService, ExportDestination, ExportRule } from '@gpupool/compliance';
import { codesOf, Gql, okClient, Operation } from './support/graphql-client';
import { startStack, TestStack } from './support/stack';
import { CreatePartnerDocument, IssueApiKeyDocument, ReceiveInventoryDocument } from './support/graphql/generated/graphql';

const MARKETS = `query($skuCode: String) { markets(skuCode: $skuCode) { id region { code } } }`;
const SET_RULE = `mutation($input: SetExportRuleInput!) { setExportRule(input: $input) }`;
const RULES = `{ exportRules { skuCode countryCode rule updatedAt } }`;
const GRANT = `mutation($input: GrantExportLicenseInput!) {
  grantExportLicense(input: $input) { id partnerId skuCode quantity usedQuantity validUntil reference } }`;
const LICENSES = `query($partnerId: ID) { exportLicenses(partnerId: $partnerId) { id partnerId skuCode quantity usedQuantity validUntil reference } }`;

type Role = 'ADMIN' | 'OPERATOR' | 'FINANCE' | 'PARTNER';

interface License {
  id: string;
  partnerId: string;
  skuCode: string;
  quantity: number;
  usedQuantity: number;
  validUntil: string;
  reference: string;
}

const DAY = 24 * 3600 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

describe('compliance: export rules, licenses and usage', () => {
  let stack: TestStack;
  let compliance: ComplianceService;
  let keys: Record<Role, string>;
  let adminKeyId: string;
  /** A CN partner with a PARTNER key, and a second CN partner with one, for isolation. */
  let shenzhen: ExportDestination;
  let hangzhou: ExportDestination;
  let hangzhouKey: string;
  let matching: Queue;
  let partnerCount = 0;

  const ok: Gql = (key, operation, variables) => okClient(stack.url)(key, operation, variables);
  const admin = <T = Record<string, any>, V = Record<string, unknown>>(operation: Operation<T, V>, variables?: V) =>
    ok(stack.adminKey, operation, variables);
  const createPartner = async (countryCode = 'CN'): Promise<ExportDestination> => {
    const name = `Compliance Partner ${++partnerCount} (${countryCode})`;
    return (await admin(CreatePartnerDocument, { input: { name, countryCode, creditLimit: '1000000.00' } })).createPartner;
  };
  const issue = async (role: Role, partnerId?: string) =>
    (await admin(IssueApiKeyDocument, { input: { role, label: `${role.toLowerCase()} desk`, ...(partnerId ? { partnerId } : {}) } }))
      .issueApiKey.key;
  const grant = (partnerId: string, skuCode: string, quantity: number, validUntil = inDays(30), key = stack.adminKey) =>
    ok<{ grantExportLicense: License }>(key, GRANT, {
      input: { partnerId, skuCode, quantity, validUntil, reference: `EAR-${quantity}` },
    }).then((d) => d.grantExportLicense);
  const setRule = (skuCode: string, countryCode: string, rule: ExportRule, key = stack.adminKey) =>
    ok(key, SET_RULE, { input: { skuCode, countryCode, rule } }).then((d) => d.setExportRule as ExportRule);
  const insertExpiredLicense = (partnerId: string, skuCode: string, quantity: number) =>
    stack.dataSource.query(
      `INSERT INTO export_license (partner_id, sku_code, quantity, valid_until, reference, granted_by)
       VALUES ($1, $2, $3, now() - interval '1 day', 'expired licence', $4) RETURNING id`,
      [partnerId, skuCode, quantity, adminKeyId],
    ) as Promise<{ id: string }[]>;
  const inTx = <T>(work: (em: EntityManager) => Promise<T>) => stack.dataSource.transaction(work);
  const reserve = (partner: ExportDestination, skuCode: string, units: number) =>
    inTx((em) => compliance.reserve(em, partner, skuCode, units));
  const release = (partner: ExportDestination, skuCode: string, units: number) =>
    inTx((em) => compliance.release(em, partner.id, skuCode, units));
  const recheck = (partner: ExportDestination, skuCode: string) => inTx((em) => compliance.recheck(em, partner, skuCode));
  const used = async (partnerId: string, skuCode: string): Promise<number | null> => {
    const [row] = await stack.dataSource.query('SELECT used_units FROM export_usage WHERE partner_id = $1 AND sku_code = $2', [
      partnerId,
      skuCode,
    ]);
    return row ? Number(row.used_units) : null;
  };

  /** Everything compliance writes, to prove a refused change wrote nothing. */
  const footprint = async () => {
    const [row] = await stack.dataSource.query(`SELECT
      (SELECT string_agg(sku_code || '/' || country_code || '=' || rule || '@' || updated_at, ',' ORDER BY sku_code, country_code)
         FROM export_rule) AS rules,
      (SELECT string_agg(id || '=' || quantity || '/' || valid_until || '/' || reference, ',' ORDER BY id) FROM export_license) AS licenses,
      (SELECT string_agg(partner_id || '/' || sku_code || '=' || used_units, ',' ORDER BY partner_id, sku_code) FROM export_usage) AS usage,
      (SELECT count(*) FROM audit_event) AS audits`);
    return row;
  };
  const expectRefused = async (key: string, query: string, variables: Record<string, unknown>, code: string, message?: RegExp) => {
    const before = await footprint();
    const res = await stack.gql(key, query, variables);
    expect(codesOf(res)).toEqual([code]);
    expect(res.data ?? null).toBeNull();
    expect(res.errors![0]!.message.length).toBeGreaterThan(15);
    if (message) expect(res.errors![0]!.message).toMatch(message);
    expect(await footprint()).toEqual(before);
  };
  const expectRejected = async (work: Promise<unknown>, code: ComplianceErrorCode, message: string) => {
    const error = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ComplianceError);
    expect((error as ComplianceError).code).toBe(code);
    expect((error as ComplianceError).message).toBe(message);
  };
  const queuedMarkets = async () =>
    (await matching.getJobs(['waiting', 'delayed', 'prioritized', 'active'])).map((job) => job.data.marketId as string).sort();
  const clearJobs = async () => {
    for (const job of await matching.getJobs(['waiting', 'delayed', 'prioritized'])) await job.remove();
  };

  beforeAll(async () => {
    stack = await startStack();
    compliance = stack.get(ComplianceService);
    matching = new Queue('matching', { connection: { url: stack.env.REDIS_URL }, prefix: stack.env.QUEUE_PREFIX });
    adminKeyId = (await admin('{ me { id } }')).me.id;
    shenzhen = await createPartner();
    hangzhou = await createPartner();
    keys = {
      ADMIN: stack.adminKey,
      OPERATOR: await issue('OPERATOR'),
      FINANCE: await issue('FINANCE'),
      PARTNER: await issue('PARTNER', shenzhen.id),
    };
    hangzhouKey = await issue('PARTNER', hangzhou.id);
  });
  afterAll(async () => {
    await matching?.close();
    await stack?.close();
  });

  describe('the seeded rules', () => {
    it('require a license for H20 to CN and prohibit H100, H800 and A100 there', async () => {
      // The rules other tests set through setExportRule, each of them audited, are not seeded ones.
      const set = new Set(
        (await stack.dataSource.query(`SELECT DISTINCT entity_id FROM audit_event WHERE entity = 'ExportRule'`)).map(
          (e: { entity_id: string }) => e.entity_id,
        ),
      );
      for (const key of [keys.ADMIN, keys.OPERATOR, keys.FINANCE]) {
        const rules = (await ok(key, RULES)).exportRules
          .map(({ skuCode, countryCode, rule }: Record<string, string>) => ({ skuCode, countryCode, rule }))
          .filter(({ skuCode, countryCode }: Record<string, string>) => !set.has(`${skuCode}/${countryCode}`));
        expect(rules).toEqual([
          { skuCode: 'A100', countryCode: 'CN', rule: 'PROHIBITED' },
          { skuCode: 'H100', countryCode: 'CN', rule: 'PROHIBITED' },
          { skuCode: 'H20', countryCode: 'CN', rule: 'LICENSE_REQUIRED' },
          { skuCode: 'H800', countryCode: 'CN', rule: 'PROHIBITED' },
        ]);
      }
      await inTx(async (em) => {
        expect(await compliance.ruleFor(em, 'H20', 'CN')).toBe(ExportRule.LICENSE_REQUIRED);
        for (const sku of ['H100', 'H800', 'A100']) expect(await compliance.ruleFor(em, sku, 'CN')).toBe(ExportRule.PROHIBITED);
        for (const sku of ['ASCEND-910B', 'ASCEND-910C', 'MLU370'])
          expect(await compliance.ruleFor(em, sku, 'CN')).toBe(ExportRule.ALLOWED);
        for (const sku of ['H20', 'H100']) expect(await compliance.ruleFor(em, sku, 'SG')).toBe(ExportRule.ALLOWED);
      });
    });

    it('let a CN partner order Ascend and Cambricon, and a Singapore partner H100, with no license', async () => {
      const partner = await createPartner();
      for (const sku of ['ASCEND-910B', 'ASCEND-910C', 'MLU370']) await reserve(partner, sku, 500);
      const singapore = await createPartner('SG');
      await reserve(singapore, 'H100', 500);
      expect(await recheck(singapore, 'H100')).toBeNull();
      expect([await used(partner.id, 'ASCEND-910B'), await used(partner.id, 'MLU370'), await used(singapore.id, 'H100')]).toEqual([
        500, 500, 500,
      ]);
    });
  });

  describe('setExportRule', () => {
    it('adds and replaces a rule, audited with before and after, and asks for a match run of every market of the SKU', async () => {
      await admin(ReceiveInventoryDocument, {
        input: { skuCode: 'ASCEND-910C', regionCode: 'cn-beijing', quantity: 100, unitCost: '150000.00' },
      });
      await admin(ReceiveInventoryDocument, {
        input: { skuCode: 'ASCEND-910C', regionCode: 'ap-singapore', quantity: 100, unitCost: '150000.00' },
      });
      await admin(ReceiveInventoryDocument, {
        input: { skuCode: 'MLU370', regionCode: 'cn-beijing', quantity: 100, unitCost: '50000.00' },
      });
      const ascendMarkets = (await admin(MARKETS, { skuCode: 'ASCEND-910C' })).markets.map((m: { id: string }) => m.id).sort();
      expect(ascendMarkets).toHaveLength(2);
      await clearJobs();

      expect(await setRule('ASCEND-910C', 'US', ExportRule.LICENSE_REQUIRED, keys.OPERATOR)).toBe('LICENSE_REQUIRED');
      expect(await queuedMarkets()).toEqual(ascendMarkets);
      await clearJobs();
      const [first] = await stack.dataSource.query(
        `SELECT rule, updated_at FROM export_rule WHERE sku_code = 'ASCEND-910C' AND country_code = 'US'`,
      );
      expect(first.rule).toBe('LICENSE_REQUIRED');

      expect(await setRule('ASCEND-910C', 'US', ExportRule.PROHIBITED)).toBe('PROHIBITED');
      expect(await queuedMarkets()).toEqual(ascendMarkets);
      await clearJobs();
      const [second] = await stack.dataSource.query(
        `SELECT rule, updated_at FROM export_rule WHERE sku_code = 'ASCEND-910C' AND country_code = 'US'`,
      );
      expect(second.rule).toBe('PROHIBITED');
      expect(second.updated_at.getTime()).toBeGreaterThan(first.updated_at.getTime());

      // Setting the rule it already has changes nothing for orders: audited, but no match run.
      expect(await setRule('ASCEND-910C', 'US', ExportRule.PROHIBITED)).toBe('PROHIBITED');
      expect(await queuedMarkets()).toEqual([]);

      const events = await stack.dataSource.query(
        `SELECT e.action, e.entity_id, e.before, e.after, k.role FROM audit_event e JOIN api_key k ON k.id = e.actor_id
          WHERE e.entity = 'ExportRule' AND e.entity_id = 'ASCEND-910C/US' ORDER BY e.at, e.id`,
      );
      expect(events).toEqual([
        {
          action: 'export-rule.set',
          entity_id: 'ASCEND-910C/US',
          before: null,
          after: { skuCode: 'ASCEND-910C', countryCode: 'US', rule: 'LICENSE_REQUIRED' },
          role: 'OPERATOR',
        },
        {
          action: 'export-rule.set',
          entity_id: 'ASCEND-910C/US',
          before: { skuCode: 'ASCEND-910C', countryCode: 'US', rule: 'LICENSE_REQUIRED' },
          after: { skuCode: 'ASCEND-910C', countryCode: 'US', rule: 'PROHIBITED' },
          role: 'ADMIN',
        },
        {
          action: 'export-rule.set',
          entity_id: 'ASCEND-910C/US',
          before: { skuCode: 'ASCEND-910C', countryCode: 'US', rule: 'PROHIBITED' },
          after: { skuCode: 'ASCEND-910C', countryCode: 'US', rule: 'PROHIBITED' },
          role: 'ADMIN',
        },
      ]);
      expect((await admin(RULES)).exportRules).toContainEqual(
        expect.objectContaining({ skuCode: 'ASCEND-910C', countryCode: 'US', rule: 'PROHIBITED' }),
      );
    });

    it('sets a rule to ALLOWED explicitly and asks for no match run when nothing was set before', async () => {
      await clearJobs();
      expect(await setRule('MLU370', 'SG', ExportRule.ALLOWED)).toBe('ALLOWED');
      expect(await queuedMarkets()).toEqual([]);
      await inTx(async (em) => expect(await compliance.ruleFor(em, 'MLU370', 'SG')).toBe(ExportRule.ALLOWED));
    });

    it('refuses bad input with a code, writing nothing', async () => {
      const input = { skuCode: 'H20', countryCode: 'US', rule: 'PROHIBITED' };
      await expectRefused(
        stack.adminKey,
        SET_RULE,
        { input: { ...input, skuCode: 'B300' } },
        'NOT_FOUND',
        /SKU B300 is not in the catalog/,
      );
      await expectRefused(stack.adminKey, SET_RULE, { input: { ...input, skuCode: 'h20' } }, 'BAD_USER_INPUT', /skuCode/);
      await expectRefused(stack.adminKey, SET_RULE, { input: { ...input, skuCode: '' } }, 'BAD_USER_INPUT', /skuCode/);
      for (const countryCode of ['us', 'USA', 'U', '', 'XX', 'ZZ', '1A']) {
        await expectRefused(stack.adminKey, SET_RULE, { input: { ...input, countryCode } }, 'BAD_USER_INPUT', /countryCode/);
      }
      await expectRefused(stack.adminKey, SET_RULE, { input: { ...input, rule: 'MAYBE' } }, 'BAD_USER_INPUT');
      await expectRefused(stack.adminKey, SET_RULE, { input: { ...input, rule: null } }, 'BAD_USER_INPUT');
      await expectRefused(stack.adminKey, SET_RULE, { input: { ...input, extra: 1 } }, 'BAD_USER_INPUT');
    });
  });

  describe('grantExportLicense', () => {
    it('grants a license, audited, with nothing used yet', async () => {
      const partner = await createPartner();
      const validUntil = inDays(90);
      const license = await ok<{ grantExportLicense: License }>(keys.OPERATOR, GRANT, {
        input: { partnerId: partner.id, skuCode: 'H20', quantity: 1_000_000, validUntil, reference: 'BIS license D-1234567' },
      }).then((d) => d.grantExportLicense);
      expect(license).toEqual({
        id: expect.any(String),
        partnerId: partner.id,
        skuCode: 'H20',
        quantity: 1_000_000,
        usedQuantity: 0,
        validUntil,
        reference: 'BIS license D-1234567',
      });
      const [event] = await stack.dataSource.query(
        `SELECT e.action, e.before, e.after, k.role FROM audit_event e JOIN api_key k ON k.id = e.actor_id
          WHERE e.entity = 'ExportLicense' AND e.entity_id = $1`,
        [license.id],
      );
      expect(event).toEqual({
        action: 'export-license.grant',
        before: null,
        after: { partnerId: partner.id, skuCode: 'H20', quantity: 1_000_000, validUntil, reference: 'BIS license D-1234567' },
        role: 'OPERATOR',
      });
      const [row] = await stack.dataSource.query(
        'SELECT k.role FROM export_license l JOIN api_key k ON k.id = l.granted_by WHERE l.id = $1',
        [license.id],
      );
      expect(row.role).toBe('OPERATOR');
      expect((await grant(partner.id, 'H20', 1, inDays(1))).quantity).toBe(1);
    });

    it('refuses bad input with a code, writing nothing', async () => {
      const input = { partnerId: shenzhen.id, skuCode: 'H20', quantity: 10, validUntil: inDays(30), reference: 'EAR license' };
      const refuse = (change: Record<string, unknown>, code: string, message?: RegExp) =>
        expectRefused(stack.adminKey, GRANT, { input: { ...input, ...change } }, code, message);
      await refuse(
        { partnerId: '00000000-0000-4000-8000-000000000000' },
        'NOT_FOUND',
        /Partner 00000000-0000-4000-8000-000000000000 was not found/,
      );
      await refuse({ partnerId: 'shenzhen' }, 'BAD_USER_INPUT', /partnerId/);
      await refuse({ skuCode: 'B300' }, 'NOT_FOUND', /SKU B300 is not in the catalog/);
      await refuse({ skuCode: 'h20' }, 'BAD_USER_INPUT', /skuCode/);
      for (const quantity of [0, -1, 1_000_001, 2 ** 31]) await refuse({ quantity }, 'BAD_USER_INPUT', /quantity/);
      await refuse({ quantity: 1.5 }, 'BAD_USER_INPUT');
      await refuse({ quantity: '10' }, 'BAD_USER_INPUT');
      await refuse({ validUntil: inDays(-1) }, 'BAD_USER_INPUT', /validUntil must be in the future/);
      await refuse({ validUntil: new Date(Date.now() - 1000).toISOString() }, 'BAD_USER_INPUT', /validUntil must be in the future/);
      await refuse({ validUntil: 'next year' }, 'BAD_USER_INPUT', /DateTime/);
      await refuse({ validUntil: '2030-01-01' }, 'BAD_USER_INPUT', /DateTime/);
      for (const reference of ['', ' EAR', 'EAR ', 'EAR\nlicense', 'x'.repeat(201)])
        await refuse({ reference }, 'BAD_USER_INPUT', /reference/);
      await refuse({ reference: null }, 'BAD_USER_INPUT');
      await refuse({ note: 'x' }, 'BAD_USER_INPUT');
    });

    it('accepts the boundaries: quantity 1 and 1,000,000, a 200-character reference', async () => {
      const partner = await createPartner();
      const reference = 'R'.repeat(200);
      const license = await ok(stack.adminKey, GRANT, {
        input: { partnerId: partner.id, skuCode: 'H20', quantity: 1, validUntil: inDays(1), reference },
      });
      expect(license.grantExportLicense).toMatchObject({ quantity: 1, reference });
    });
  });

  describe('roles', () => {
    it('keeps setExportRule and grantExportLicense to ADMIN and OPERATOR, writing nothing for others', async () => {
      const rule = { input: { skuCode: 'MLU370', countryCode: 'CN', rule: 'PROHIBITED' } };
      const license = {
        input: { partnerId: shenzhen.id, skuCode: 'H20', quantity: 10_000, validUntil: inDays(30), reference: 'self-granted' },
      };
      for (const key of [keys.FINANCE, keys.PARTNER, hangzhouKey]) {
        await expectRefused(key, SET_RULE, rule, 'FORBIDDEN');
        await expectRefused(key, GRANT, license, 'FORBIDDEN');
      }
      await expectRefused('not-a-key', SET_RULE, rule, 'UNAUTHENTICATED');
      await expectRefused('not-a-key', GRANT, license, 'UNAUTHENTICATED');
    });

    it('shows exportRules to ADMIN, OPERATOR and FINANCE only', async () => {
      for (const key of [keys.PARTNER, hangzhouKey]) expect(codesOf(await stack.gql(key, RULES))).toEqual(['FORBIDDEN']);
      expect(codesOf(await stack.gql(undefined, RULES))).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('exportLicenses', () => {
    let shenzhenLicenses: License[];
    let hangzhouLicense: License;

    beforeAll(async () => {
      shenzhenLicenses = [await grant(shenzhen.id, 'H20', 100, inDays(30)), await grant(shenzhen.id, 'MLU370', 5, inDays(30))];
      hangzhouLicense = await grant(hangzhou.id, 'H20', 70, inDays(30));
    });

    const idsOf = (licenses: License[]) => licenses.map((l) => l.id).sort();

    it('shows staff every license, or one partner’s', async () => {
      for (const key of [keys.ADMIN, keys.OPERATOR, keys.FINANCE]) {
        const all = (await ok<{ exportLicenses: License[] }>(key, LICENSES)).exportLicenses;
        expect(all.map((l) => l.id)).toEqual(expect.arrayContaining([...idsOf(shenzhenLicenses), hangzhouLicense.id]));
        const own = (await ok<{ exportLicenses: License[] }>(key, LICENSES, { partnerId: shenzhen.id })).exportLicenses;
        expect(idsOf(own)).toEqual(idsOf(shenzhenLicenses));
        expect(own).toContainEqual(shenzhenLicenses[0]);
      }
    });

    it('shows a partner only its own, and another partner’s id answers like one that does not exist', async () => {
      const mine = (await ok<{ exportLicenses: License[] }>(keys.PARTNER, LICENSES)).exportLicenses;
      expect(idsOf(mine)).toEqual(idsOf(shenzhenLicenses));
      expect(idsOf((await ok(keys.PARTNER, LICENSES, { partnerId: shenzhen.id })).exportLicenses)).toEqual(idsOf(shenzhenLicenses));
      expect((await ok(hangzhouKey, LICENSES)).exportLicenses).toEqual([hangzhouLicense]);

      const missing = '00000000-0000-4000-8000-000000000000';
      for (const partnerId of [hangzhou.id, missing, 'not-an-id']) {
        expect(await stack.gql(keys.PARTNER, LICENSES, { partnerId })).toEqual({ status: 200, data: { exportLicenses: [] } });
      }
      expect(await stack.gql(hangzhouKey, LICENSES, { partnerId: shenzhen.id })).toEqual({ status: 200, data: { exportLicenses: [] } });
      for (const partnerId of [missing, 'not-an-id']) {
        expect(await stack.gql(stack.adminKey, LICENSES, { partnerId })).toEqual({ status: 200, data: { exportLicenses: [] } });
      }
      expect(codesOf(await stack.gql(undefined, LICENSES))).toEqual(['UNAUTHENTICATED']);
    });

    it('allocates used units across a partner’s licenses for a SKU, earliest validUntil first, each up to its quantity', async () => {
      const partner = await createPartner();
      const later = await grant(partner.id, 'H20', 100, inDays(60));
      const sooner = await grant(partner.id, 'H20', 50, inDays(10));
      const [expired] = await insertExpiredLicense(partner.id, 'H20', 500);
      const other = await grant(partner.id, 'MLU370', 40, inDays(5));
      const usedBy = async () =>
        Object.fromEntries(
          (await ok<{ exportLicenses: License[] }>(stack.adminKey, LICENSES, { partnerId: partner.id })).exportLicenses.map((l) => [
            l.id,
            l.usedQuantity,
          ]),
        );
      expect(await usedBy()).toEqual({ [later.id]: 0, [sooner.id]: 0, [expired!.id]: 0, [other.id]: 0 });

      await reserve(partner, 'H20', 30);
      expect(await usedBy()).toEqual({ [later.id]: 0, [sooner.id]: 30, [expired!.id]: 0, [other.id]: 0 });
      await reserve(partner, 'H20', 40);
      expect(await usedBy()).toEqual({ [later.id]: 20, [sooner.id]: 50, [expired!.id]: 0, [other.id]: 0 });
      await reserve(partner, 'H20', 80);
      expect(await usedBy()).toEqual({ [later.id]: 100, [sooner.id]: 50, [expired!.id]: 0, [other.id]: 0 });
      await release(partner, 'H20', 120);
      expect(await usedBy()).toEqual({ [later.id]: 0, [sooner.id]: 30, [expired!.id]: 0, [other.id]: 0 });

      // The list is ordered by SKU, then validUntil, and the expired license is shown with the rest.
      const listed = (await ok<{ exportLicenses: License[] }>(stack.adminKey, LICENSES, { partnerId: partner.id })).exportLicenses;
      expect(listed.map((l) => l.id)).toEqual([expired!.id, sooner.id, later.id, other.id]);
    });
  });

  describe('ComplianceService', () => {
    it('refuses a prohibited export with EXPORT_PROHIBITED, writing no usage', async () => {
      const partner = await createPartner();
      for (const sku of ['H100', 'H800', 'A100']) {
        await expectRejected(
          reserve(partner, sku, 1),
          ComplianceErrorCode.EXPORT_PROHIBITED,
          `${sku} exports to CN are prohibited, so partners in CN cannot order ${sku}`,
        );
        expect(await used(partner.id, sku)).toBeNull();
      }
    });

    it('refuses a licensed export without headroom with EXPORT_LICENSE_REQUIRED, and allows it exactly up to the license', async () => {
      const partner = await createPartner();
      await expectRejected(
        reserve(partner, 'H20', 1),
        ComplianceErrorCode.EXPORT_LICENSE_REQUIRED,
        'H20 exports to CN need an export license: 0 units are licensed and unexpired, 0 are in open orders and fills; ' +
          'this order asks for 1 more, and none can be ordered until an operator grants a further license',
      );
      await grant(partner.id, 'H20', 60, inDays(30));
      await grant(partner.id, 'H20', 40, inDays(3));
      await reserve(partner, 'H20', 60);
      await expectRejected(
        reserve(partner, 'H20', 41),
        ComplianceErrorCode.EXPORT_LICENSE_REQUIRED,
        'H20 exports to CN need an export license: 100 units are licensed and unexpired, 60 are in open orders and fills; ' +
          'this order asks for 41 more, and only 40 can be ordered until an operator grants a further license',
      );
      expect(await used(partner.id, 'H20')).toBe(60);
      await reserve(partner, 'H20', 40);
      expect(await used(partner.id, 'H20')).toBe(100);
      await expect(reserve(partner, 'H20', 1)).rejects.toMatchObject({ code: ComplianceErrorCode.EXPORT_LICENSE_REQUIRED });
      expect(await used(partner.id, 'H20')).toBe(100);
    });

    it('does not count an expired license', async () => {
      const partner = await createPartner();
      await insertExpiredLicense(partner.id, 'H20', 1000);
      await expect(reserve(partner, 'H20', 1)).rejects.toMatchObject({
        code: ComplianceErrorCode.EXPORT_LICENSE_REQUIRED,
        message: expect.stringContaining('0 units are licensed and unexpired'),
      });
      await grant(partner.id, 'H20', 10);
      await reserve(partner, 'H20', 10);
      await expect(reserve(partner, 'H20', 1)).rejects.toMatchObject({ code: ComplianceErrorCode.EXPORT_LICENSE_REQUIRED });
    });

    it('counts units ordered while a SKU was allowed once a license becomes required', async () => {
      const partner = await createPartner('VN');
      await reserve(partner, 'MLU370', 50);
      expect(await used(partner.id, 'MLU370')).toBe(50);
      await setRule('MLU370', 'VN', ExportRule.LICENSE_REQUIRED);
      expect(await recheck(partner, 'MLU370')).toBe(
        'MLU370 exports to VN need an export license: 0 units are licensed and unexpired, 50 are in open orders and fills',
      );
      await grant(partner.id, 'MLU370', 60);
      expect(await recheck(partner, 'MLU370')).toBeNull();
      await expect(reserve(partner, 'MLU370', 11)).rejects.toMatchObject({ code: ComplianceErrorCode.EXPORT_LICENSE_REQUIRED });
      await reserve(partner, 'MLU370', 10);
      expect(await used(partner.id, 'MLU370')).toBe(60);
    });

    it('lets exactly 10 of 20 concurrent reserves of 10 units through a license of 100', async () => {
      const partner = await createPartner();
      await grant(partner.id, 'H20', 100);
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => reserve(partner, 'H20', 10)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
      expect(refused).toHaveLength(10);
      for (const error of refused) {
        expect(error).toBeInstanceOf(ComplianceError);
        expect(error.code).toBe(ComplianceErrorCode.EXPORT_LICENSE_REQUIRED);
        expect(error.message).toContain(
          '100 units are licensed and unexpired, 100 are in open orders and fills; this order asks for 10 more',
        );
      }
      expect(await used(partner.id, 'H20')).toBe(100);
    });

    it('lets concurrent reserves of a new partner create its usage row once and count every unit', async () => {
      const partner = await createPartner();
      await Promise.all(Array.from({ length: 20 }, (_, i) => reserve(partner, 'ASCEND-910B', i + 1)));
      expect(await used(partner.id, 'ASCEND-910B')).toBe(210);
    });

    it('releases units, making room again, and refuses to release more than is used', async () => {
      const partner = await createPartner();
      await grant(partner.id, 'H20', 100);
      await reserve(partner, 'H20', 100);
      await release(partner, 'H20', 30);
      expect(await used(partner.id, 'H20')).toBe(70);
      await reserve(partner, 'H20', 30);
      await expect(release(partner, 'H20', 101)).rejects.toThrow(
        'cannot release 101 units of H20 for partner ' + partner.id + ': only 100 are in use',
      );
      await expect(release(partner, 'MLU370', 1)).rejects.toThrow(/only 0 are in use/);
      expect(await used(partner.id, 'H20')).toBe(100);
      await release(partner, 'H20', 100);
      expect(await used(partner.id, 'H20')).toBe(0);
    });

    it('refuses units that are not a positive whole number', async () => {
      for (const units of [0, -1, 1.5, Number.NaN]) {
        await expect(reserve(shenzhen, 'MLU370', units)).rejects.toThrow(RangeError);
        await expect(release(shenzhen, 'MLU370', units)).rejects.toThrow(RangeError);
      }
    });

    it('rechecks a resting order: null while it may trade, a reason once a license expires or the rule prohibits it', async () => {
      const partner = await createPartner('KR');
      await setRule('H800', 'KR', ExportRule.LICENSE_REQUIRED);
      const short = await grant(partner.id, 'H800', 40, inDays(2));
      await grant(partner.id, 'H800', 60, inDays(20));
      await reserve(partner, 'H800', 100);
      expect(await recheck(partner, 'H800')).toBeNull();

      await stack.dataSource.query(`UPDATE export_license SET valid_until = now() - interval '1 second' WHERE id = $1`, [short.id]);
      expect(await recheck(partner, 'H800')).toBe(
        'H800 exports to KR need an export license: 60 units are licensed and unexpired, 100 are in open orders and fills',
      );
      // The order ends: its remainder is released, and what is left fits the license again.
      await release(partner, 'H800', 40);
      expect(await recheck(partner, 'H800')).toBeNull();

      await setRule('H800', 'KR', ExportRule.PROHIBITED);
      expect(await recheck(partner, 'H800')).toBe('H800 exports to KR are prohibited');
      await setRule('H800', 'KR', ExportRule.ALLOWED);
      expect(await recheck(partner, 'H800')).toBeNull();
      expect(await recheck(partner, 'ASCEND-910C')).toBeNull();
      expect(await recheck(shenzhen, 'H100')).toBe('H100 exports to CN are prohibited');
    });
  });
});
