import { randomUUID } from 'node:crypto';
import { IdentityErrorCode, InsufficientCreditError, PartnerCreditService } from '@gpupool/identity';
import { Account, LedgerService } from '@gpupool/ledger';
import { Decimal, ErrorCode, NotFoundError } from '@gpupool/platform';
import { codesOf } from './support/graphql-client';
import { startStack, TestStack } from './support/stack';
import { CreatePartnerDocument, IssueApiKeyDocument, Role } from './support/graphql/generated/graphql';

const RECORD_PAYMENT = `mutation($input: RecordPaymentInput!) {
  recordPayment(input: $input) { id partnerId amount reference receivedAt journalEntryId } }`;
const PARTNERS = '{ partners { id creditLimit creditUsed creditAvailable } }';
const TRIAL_BALANCE = '{ trialBalance { account currency debit credit balance } }';

describe('partner credit and payments', () => {
  let stack: TestStack;
  let credit: PartnerCreditService;
  let ledger: LedgerService;
  let financeKey: { id: string; key: string };
  let operatorKey: string;

  const createPartner = async (name: string, creditLimit: string, countryCode = 'CN') => {
    const res = await stack.gql(stack.adminKey, CreatePartnerDocument, { input: { name, countryCode, creditLimit } });
    expect(res.errors).toBeUndefined();
    return res.data!.createPartner.id;
  };
  const issue = async (role: Role, extra: { partnerId?: string } = {}) => {
    const res = await stack.gql(stack.adminKey, IssueApiKeyDocument, { input: { role, label: `${role} key`, ...extra } });
    expect(res.errors).toBeUndefined();
    return res.data!.issueApiKey;
  };
  const row = async (partnerId: string) => {
    const [p] = await stack.dataSource.query('SELECT credit_limit, credit_held, receivable FROM partner WHERE id = $1', [partnerId]);
    return p as { credit_limit: string; credit_held: string; receivable: string };
  };
  const inTx = <T>(work: (em: import('typeorm').EntityManager) => Promise<T>) => stack.dataSource.transaction(work);
  /** What settlement will do for a fill: the hold becomes a receivable, booked Dr RECEIVABLE / Cr SALES_REVENUE. */
  const giveReceivable = (partnerId: string, gross: string) =>
    inTx(async (em) => {
      const amount = new Decimal(gross);
      await credit.hold(em, partnerId, amount);
      await credit.holdsToReceivables(em, [{ partnerId, holdAmount: amount, grossAmount: amount }]);
      const account = await ledger.receivableAccount(em, partnerId);
      await ledger.post(em, {
        description: 'test sale',
        sourceType: 'test-sale',
        sourceId: randomUUID(),
        currency: 'CNY',
        lines: [
          { account: account.code, amount },
          { account: Account.SALES_REVENUE, amount: amount.neg() },
        ],
      });
    });
  /** Everything a payment writes, to show that a refused one wrote nothing. */
  const footprint = async (partnerId: string) => {
    const [counts] = await stack.dataSource.query(`SELECT
      (SELECT count(*) FROM payment) AS payments, (SELECT count(*) FROM journal_entry) AS entries,
      (SELECT count(*) FROM posting) AS postings, (SELECT count(*) FROM audit_event) AS audits,
      (SELECT count(*) FROM ledger_account) AS accounts`);
    return { ...counts, ...(await row(partnerId)) };
  };

  beforeAll(async () => {
    stack = await startStack();
    credit = stack.get(PartnerCreditService);
    ledger = stack.get(LedgerService);
    financeKey = await issue('FINANCE');
    operatorKey = (await issue('OPERATOR')).key;
  });
  afterAll(() => stack.close());

  describe('PartnerCreditService', () => {
    it('lets exactly N of 50 concurrent holds through a limit that allows N', async () => {
      const amount = new Decimal('1234567.89');
      const allowed = 17;
      // Room for 17 holds and one fen short of an 18th.
      const limit = amount.times(allowed + 1).minus('0.01');
      const partnerId = await createPartner('Concurrent Holds Ltd', limit.toFixed(2));
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => inTx((em) => credit.hold(em, partnerId, amount))));
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(allowed);
      expect(refused).toHaveLength(50 - allowed);
      for (const error of refused) {
        expect(error).toBeInstanceOf(InsufficientCreditError);
        expect(error.code).toBe(IdentityErrorCode.INSUFFICIENT_CREDIT);
        expect(error.message).toBe('Insufficient credit: 1234567.88 is available and 1234567.89 was asked for');
      }
      expect(await row(partnerId)).toEqual({
        credit_limit: limit.toFixed(2),
        credit_held: amount.times(allowed).toFixed(2),
        receivable: '0.00',
      });
    });

    it('holds, settles part into a receivable, releases the rest, and shows it as creditUsed', async () => {
      const partnerId = await createPartner('Arithmetic Co', '200000.00');
      const partnerKey = (await issue('PARTNER', { partnerId })).key;
      // An order of 1,000 at a limit of 100 with 13 % VAT holds 113,000.00.
      await inTx((em) => credit.hold(em, partnerId, new Decimal('113000.00')));
      expect(await row(partnerId)).toMatchObject({ credit_held: '113000.00', receivable: '0.00' });
      // 400 filled at 95: the fill's part of the hold (400 × 100 × 1.13) leaves, its gross (400 × 95 × 1.13) is owed.
      await inTx((em) =>
        credit.holdsToReceivables(em, [{ partnerId, holdAmount: new Decimal('45200.00'), grossAmount: new Decimal('42940.00') }]),
      );
      expect(await row(partnerId)).toMatchObject({ credit_held: '67800.00', receivable: '42940.00' });
      const seen = (await stack.gql(partnerKey, PARTNERS)).data!.partners;
      expect(seen).toEqual([{ id: partnerId, creditLimit: '200000.00', creditUsed: '110740.00', creditAvailable: '89260.00' }]);
      // The order is cancelled: the unused rest is released.
      await inTx((em) => credit.release(em, partnerId, new Decimal('67800.00')));
      expect(await row(partnerId)).toMatchObject({ credit_held: '0.00', receivable: '42940.00' });
      await expect(inTx((em) => credit.hold(em, partnerId, new Decimal('157060.01')))).rejects.toThrow(
        'Insufficient credit: 157060.00 is available and 157060.01 was asked for',
      );
    });

    it('refuses to release or settle more than is held, changing nothing', async () => {
      const partnerId = await createPartner('Over Release Inc', '1000.00');
      await inTx((em) => credit.hold(em, partnerId, new Decimal('100.00')));
      await expect(inTx((em) => credit.release(em, partnerId, new Decimal('100.01')))).rejects.toThrow(/only 100.00 is held/);
      await expect(
        inTx((em) => credit.holdsToReceivables(em, [{ partnerId, holdAmount: new Decimal('100.01'), grossAmount: new Decimal('1.00') }])),
      ).rejects.toThrow(/only 100.00 is held/);
      await expect(inTx((em) => credit.hold(em, partnerId, new Decimal('1.005')))).rejects.toThrow(/at most two decimals/);
      await expect(inTx((em) => credit.hold(em, partnerId, new Decimal('-1.00')))).rejects.toThrow(/≥ 0/);
      expect(await row(partnerId)).toMatchObject({ credit_held: '100.00', receivable: '0.00' });
    });

    it('applies a payment up to the receivable and refuses more with BAD_USER_INPUT', async () => {
      const partnerId = await createPartner('Payer Ltd', '1000000.00');
      await giveReceivable(partnerId, '500.00');
      await expect(inTx((em) => credit.applyPayment(em, partnerId, new Decimal('500.01')))).rejects.toMatchObject({
        code: ErrorCode.BAD_USER_INPUT,
        message: "A payment of 500.01 exceeds the partner's settled, unpaid receivable of 500.00",
      });
      await inTx((em) => credit.applyPayment(em, partnerId, new Decimal('499.99')));
      expect(await row(partnerId)).toMatchObject({ credit_held: '0.00', receivable: '0.01' });
    });

    it('finds a partner by id, and answers NOT_FOUND for an unknown or malformed id', async () => {
      const partnerId = await createPartner('Lockable Ltd', '1.00');
      expect((await inTx((em) => credit.partner(em, partnerId))).id).toBe(partnerId);
      for (const id of [randomUUID(), 'not-a-uuid']) {
        await expect(inTx((em) => credit.partner(em, id))).rejects.toBeInstanceOf(NotFoundError);
        await expect(inTx((em) => credit.applyPayment(em, id, new Decimal('1.00')))).rejects.toBeInstanceOf(NotFoundError);
        await expect(inTx((em) => credit.hold(em, id, new Decimal('1.00')))).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      }
    });
  });

  describe('recordPayment', () => {
    const GROSS = '16949999435.00';
    let partnerId: string;
    let partnerKey: string;
    let otherPartnerId: string;
    let otherPartnerKey: string;
    let firms = 0;
    const pay = (input: Record<string, unknown>, key = financeKey.key) =>
      stack.gql(key, RECORD_PAYMENT, { input: { partnerId, ...input } });
    /** The payment of the ICBC transfer of 2026-10-30. */
    const RECEIVED_AT = '2026-10-30T08:15:00.123Z';
    const payIcbc = () => pay({ amount: '10000000000.01', reference: 'ICBC 2026-10-30 000123', receivedAt: RECEIVED_AT });

    // Payments move the partners' receivables: each test pays two partners of its own.
    beforeEach(async () => {
      firms++;
      partnerId = await createPartner(`Hangzhou Model Works ${firms}`, '20000000000.00');
      partnerKey = (await issue('PARTNER', { partnerId })).key;
      otherPartnerId = await createPartner(`Singapore Inference ${firms}`, '5000.00', 'SG');
      otherPartnerKey = (await issue('PARTNER', { partnerId: otherPartnerId })).key;
      await giveReceivable(partnerId, GROSS);
      await giveReceivable(otherPartnerId, '1000.00');
    });

    it.each(['PARTNER', 'OPERATOR'])('is FORBIDDEN to %s, writing nothing', async (role) => {
      const before = await footprint(partnerId);
      const res = await pay({ amount: '1.00', reference: `forbidden-${role}` }, role === 'PARTNER' ? partnerKey : operatorKey);
      expect(codesOf(res)).toEqual(['FORBIDDEN']);
      expect(await footprint(partnerId)).toEqual(before);
    });

    it('refuses a payment above the settled, unpaid receivable, writing nothing', async () => {
      const before = await footprint(partnerId);
      const res = await pay({ amount: '16949999435.01', reference: 'too-much' });
      expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].message).toBe("A payment of 16949999435.01 exceeds the partner's settled, unpaid receivable of 16949999435.00");
      expect(await footprint(partnerId)).toEqual(before);
    });

    it.each([
      ['a JSON number as amount', { amount: 1000, reference: 'r1' }, /Decimal must be a decimal number written as a string/],
      ['three decimals', { amount: '1000.001', reference: 'r2' }, /amount must be a decimal > 0, ≤ 1000000000000000, at most 2 decimals/],
      ['a negative amount', { amount: '-5.00', reference: 'r3' }, /amount must be a decimal > 0/],
      ['a zero amount', { amount: '0.00', reference: 'r4' }, /amount must be a decimal > 0/],
      ['an amount over 10^15', { amount: '1000000000000000.01', reference: 'r5' }, /≤ 1000000000000000/],
      ['an exponent', { amount: '1e3', reference: 'r6' }, /Decimal must be/],
      [
        'a receivedAt in the future',
        { amount: '1.00', reference: 'r7', receivedAt: new Date(Date.now() + 3_600_000).toISOString() },
        /receivedAt must not be in the future/,
      ],
      ['a receivedAt without a time zone', { amount: '1.00', reference: 'r8', receivedAt: '2026-01-01T00:00:00' }, /DateTime must be/],
      ['a blank reference', { amount: '1.00', reference: '' }, /reference must be 1-200 printable characters/],
      ['a padded reference', { amount: '1.00', reference: ' r9 ' }, /reference must be/],
      ['a reference of 201 characters', { amount: '1.00', reference: 'x'.repeat(201) }, /reference must be/],
      ['a control character in the reference', { amount: '1.00', reference: 'r\u0007' }, /reference must be/],
      ['a malformed partner id', { partnerId: 'partner-1', amount: '1.00', reference: 'r10' }, /partnerId must be a partner id/],
      ['an unknown field', { amount: '1.00', reference: 'r11', currency: 'CNY' }, /currency/],
    ])('refuses %s with BAD_USER_INPUT, writing nothing', async (_case, input, message) => {
      const before = await footprint(partnerId);
      const res = await pay(input);
      expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].message).toMatch(message);
      expect(await footprint(partnerId)).toEqual(before);
    });

    it('answers NOT_FOUND for a partner that does not exist, writing nothing', async () => {
      const before = await footprint(partnerId);
      const missing = randomUUID();
      const res = await pay({ partnerId: missing, amount: '1.00', reference: 'nobody' });
      expect(codesOf(res)).toEqual(['NOT_FOUND']);
      expect(res.errors![0].message).toBe(`Partner ${missing} was not found`);
      expect(await footprint(partnerId)).toEqual(before);
    });

    it('records a payment: receivable and credit move, Dr CASH / Cr RECEIVABLE is posted, the change is audited', async () => {
      const receivedAt = RECEIVED_AT;
      const res = await payIcbc();
      expect(res.errors).toBeUndefined();
      const payment = res.data!.recordPayment;
      expect(payment).toMatchObject({ partnerId, amount: '10000000000.01', reference: 'ICBC 2026-10-30 000123', receivedAt });

      expect(await row(partnerId)).toMatchObject({ credit_held: '0.00', receivable: '6949999434.99' });
      const partners = (await stack.gql(financeKey.key, PARTNERS)).data!.partners;
      expect(partners.find((p: { id: string }) => p.id === partnerId)).toEqual({
        id: partnerId,
        creditLimit: '20000000000.00',
        creditUsed: '6949999434.99',
        creditAvailable: '13050000565.01',
      });

      const entry = await ledger.entryBySource('payment', payment.id);
      expect(entry!.id).toBe(payment.journalEntryId);
      expect(entry!.postings.map((p) => [p.account.code, p.amount.toFixed(2)]).sort()).toEqual([
        [Account.CASH, '10000000000.01'],
        [`RECEIVABLE:${partnerId}`, '-10000000000.01'],
      ]);
      const [stored] = await stack.dataSource.query('SELECT recorded_by, amount FROM payment WHERE id = $1', [payment.id]);
      expect(stored).toEqual({ recorded_by: financeKey.id, amount: '10000000000.01' });

      const audit = await stack.dataSource.query(
        `SELECT actor_id, action, before, after FROM audit_event WHERE entity = 'Payment' AND entity_id = $1`,
        [payment.id],
      );
      expect(audit).toEqual([
        {
          actor_id: financeKey.id,
          action: 'payment.record',
          before: { receivable: '16949999435' },
          after: {
            partnerId,
            amount: '10000000000.01',
            reference: 'ICBC 2026-10-30 000123',
            receivedAt,
            journalEntryId: payment.journalEntryId,
            receivable: '6949999434.99',
          },
        },
      ]);
    });

    it('shows payments in the trial balance, and the receivable account agrees with the partner', async () => {
      type Row = { account: string; debit: string; credit: string; balance: string };
      const trialBalance = async () => (await stack.gql(financeKey.key, TRIAL_BALANCE)).data!.trialBalance as Row[];
      const cashBefore = (await trialBalance()).find((r) => r.account === Account.CASH) ?? { debit: '0', balance: '0' };
      expect((await payIcbc()).errors).toBeUndefined();
      const rows = await trialBalance();
      const of = (account: string) => rows.find((r) => r.account === account);
      // Nothing in this file credits CASH; the payment debits it by its amount.
      expect(of(Account.CASH)).toMatchObject({ credit: '0.00' });
      expect(new Decimal(of(Account.CASH)!.debit).minus(cashBefore.debit).toFixed(2)).toBe('10000000000.01');
      expect(new Decimal(of(Account.CASH)!.balance).minus(cashBefore.balance).toFixed(2)).toBe('10000000000.01');
      expect(of(`RECEIVABLE:${partnerId}`)).toMatchObject({
        debit: GROSS,
        credit: '10000000000.01',
        balance: (await row(partnerId)).receivable,
      });
      expect(rows.reduce((sum, r) => sum.plus(r.balance), new Decimal(0)).toFixed(2)).toBe('0.00');
    });

    it('refuses a bank reference recorded before for the partner, writing nothing', async () => {
      expect((await payIcbc()).errors).toBeUndefined();
      const before = await footprint(partnerId);
      const res = await pay({ amount: '1.00', reference: 'ICBC 2026-10-30 000123' });
      expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].message).toMatch(/reference "ICBC 2026-10-30 000123" is already recorded for this partner/);
      expect(await footprint(partnerId)).toEqual(before);
      // The same reference from another partner is another transfer.
      const other = await pay({ partnerId: otherPartnerId, amount: '1.00', reference: 'ICBC 2026-10-30 000123' });
      expect(other.errors).toBeUndefined();
    });

    it('defaults receivedAt to now', async () => {
      const res = await pay({ partnerId: otherPartnerId, amount: '2.00', reference: 'no date given' });
      expect(res.errors).toBeUndefined();
      expect(Math.abs(Date.parse(res.data!.recordPayment.receivedAt) - Date.now())).toBeLessThan(10_000);
    });

    it('records one of two concurrent payments that would together overpay', async () => {
      const left = new Decimal((await row(partnerId)).receivable);
      const amount = left.times('0.6').toDecimalPlaces(2);
      const results = await Promise.all([
        pay({ amount: amount.toFixed(2), reference: 'race-a' }),
        pay({ amount: amount.toFixed(2), reference: 'race-b' }),
      ]);
      expect(results.map((r) => codesOf(r)[0] ?? 'OK').sort()).toEqual(['BAD_USER_INPUT', 'OK']);
      expect((await row(partnerId)).receivable).toBe(left.minus(amount).toFixed(2));
    });

    it('records a bank reference once when it arrives many times at once', async () => {
      const before = Number((await stack.dataSource.query('SELECT count(*) AS n FROM payment'))[0].n);
      const results = await Promise.all(Array.from({ length: 8 }, () => pay({ amount: '0.01', reference: 'duplicated transfer' })));
      const codes = results.map((r) => codesOf(r)[0] ?? 'OK');
      expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
      expect(codes.filter((c) => c === 'BAD_USER_INPUT')).toHaveLength(7);
      expect(Number((await stack.dataSource.query('SELECT count(*) AS n FROM payment'))[0].n)).toBe(before + 1);
    });

    it('pays the receivable down to zero, freeing the whole limit', async () => {
      const left = (await row(partnerId)).receivable;
      const res = await pay({ amount: left, reference: 'final settlement' });
      expect(res.errors).toBeUndefined();
      const me = (await stack.gql(partnerKey, PARTNERS)).data!.partners;
      expect(me).toEqual([{ id: partnerId, creditLimit: '20000000000.00', creditUsed: '0.00', creditAvailable: '20000000000.00' }]);
      expect(codesOf(await pay({ amount: '0.01', reference: 'one fen more' }))).toEqual(['BAD_USER_INPUT']);
    });

    it('lists payments newest first: staff see all or one partner, a partner only its own', async () => {
      for (const input of [
        { amount: '1.00', reference: 'listed-a', receivedAt: '2026-10-01T00:00:00.000Z' },
        { amount: '2.00', reference: 'listed-b' },
        { partnerId: otherPartnerId, amount: '3.00', reference: 'listed-c', receivedAt: '2026-10-15T00:00:00.000Z' },
      ]) {
        expect((await pay(input)).errors).toBeUndefined();
      }
      const all = await stack.gql(financeKey.key, '{ payments(first: 500) { id partnerId receivedAt } }');
      const payments = all.data!.payments as { id: string; partnerId: string; receivedAt: string }[];
      const stored = await stack.dataSource.query('SELECT id, partner_id FROM payment');
      expect(payments.map((p) => p.id).sort()).toEqual(stored.map((p: { id: string }) => p.id).sort());
      expect(new Set(payments.map((p) => p.partnerId))).toEqual(new Set(stored.map((p: { partner_id: string }) => p.partner_id)));
      expect(payments.map((p) => p.partnerId)).toEqual(expect.arrayContaining([partnerId, otherPartnerId]));
      const times = payments.map((p) => Date.parse(p.receivedAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);

      const own = (await stack.gql(otherPartnerKey, '{ payments { partnerId } }')).data!.payments as { partnerId: string }[];
      expect(own.length).toBeGreaterThan(0);
      expect(own.every((p) => p.partnerId === otherPartnerId)).toBe(true);
      const snooping = await stack.gql(otherPartnerKey, 'query($id: ID) { payments(partnerId: $id) { id } }', { id: partnerId });
      expect(snooping.data!.payments).toEqual([]);
      const filtered = await stack.gql(stack.adminKey, 'query($id: ID) { payments(partnerId: $id, first: 2) { partnerId } }', {
        id: partnerId,
      });
      expect(filtered.data!.payments).toEqual([{ partnerId }, { partnerId }]);
      expect(codesOf(await stack.gql(operatorKey, '{ payments { id } }'))).toEqual(['FORBIDDEN']);
      expect(codesOf(await stack.gql(financeKey.key, '{ payments(first: 501) { id } }'))).toEqual(['BAD_USER_INPUT']);
    });

    it('keeps payments append-only in the database', async () => {
      expect((await pay({ amount: '1.00', reference: 'kept' })).errors).toBeUndefined();
      await expect(stack.dataSource.query(`UPDATE payment SET amount = amount + 1`)).rejects.toThrow(/append-only/);
      await expect(stack.dataSource.query('DELETE FROM payment')).rejects.toThrow(/append-only/);
    });
  });
});
