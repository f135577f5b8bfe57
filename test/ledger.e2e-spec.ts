import { randomUUID } from 'node:crypto';
import { QueryRunner } from 'typeorm';
import { Account, DuplicateJournalEntryError, InvalidJournalEntryError, JournalLine, LedgerService } from '@gpupool/ledger';
import { Decimal } from '@gpupool/platform';
import { codesOf } from './support/graphql-client';
import { resummed } from './support/ledger-resum';
import { startStack, TestStack } from './support/stack';
import { IssueApiKeyDocument, Role } from './support/graphql/generated/graphql';

const TRIAL_BALANCE = '{ trialBalance { account name kind currency debit credit balance } }';

const ENTRY_SQL = `INSERT INTO journal_entry (id, description, source_type, source_id, currency) VALUES ($1::uuid, 'direct SQL', 'test-sql', $1::text, 'CNY')`;
const POSTING_SQL = `INSERT INTO posting (journal_entry_id, account_id, currency, amount)
  SELECT $1, id, $3, $4::numeric FROM ledger_account WHERE code = $2`;

interface Balance {
  account: string;
  currency: string;
  debit: string;
  credit: string;
  balance: string;
}

describe('ledger: balanced, append-only, exact', () => {
  let stack: TestStack;
  let ledger: LedgerService;
  let partnerId: string;
  let keys: Record<'OPERATOR' | 'FINANCE' | 'PARTNER', string>;
  /** What the trial balance must show: every posting this file committed, summed here with Decimal. */
  const expected = new Map<string, { debit: Decimal; credit: Decimal }>();

  const expectCommitted = (lines: { account: string; amount: string | Decimal; currency?: string }[]) => {
    for (const { account, amount, currency = 'CNY' } of lines) {
      const key = `${account}|${currency}`;
      const sums = expected.get(key) ?? { debit: new Decimal(0), credit: new Decimal(0) };
      const value = new Decimal(amount);
      if (value.isPos()) sums.debit = sums.debit.plus(value);
      else sums.credit = sums.credit.minus(value);
      expected.set(key, sums);
    }
  };
  const count = async (table: string) => Number((await stack.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  /** Runs statements in a transaction of its own and returns the outcome of COMMIT. */
  const withRunner = async (work: (runner: QueryRunner) => Promise<void>): Promise<void> => {
    const runner = stack.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await work(runner);
      await runner.commitTransaction();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
  };

  /** Commits an entry of cash against sales revenue written by direct SQL, records it, and returns its id. */
  const committedCashSale = async (amount: string): Promise<string> => {
    const id = randomUUID();
    await withRunner(async (runner) => {
      await runner.query(ENTRY_SQL, [id]);
      await runner.query(POSTING_SQL, [id, Account.CASH, 'CNY', amount]);
      await runner.query(POSTING_SQL, [id, Account.SALES_REVENUE, 'CNY', `-${amount}`]);
    });
    expectCommitted([
      { account: Account.CASH, amount },
      { account: Account.SALES_REVENUE, amount: `-${amount}` },
    ]);
    return id;
  };

  const post = (lines: JournalLine[], sourceId = randomUUID(), sourceType = 'test', currency = 'CNY') =>
    stack.dataSource.transaction((em) => ledger.post(em, { description: 'test entry', sourceType, sourceId, currency, lines }));
  /** Posts and records what it posted. */
  const postCommitted = async (lines: JournalLine[], currency = 'CNY') => {
    await post(lines, randomUUID(), 'test', currency);
    expectCommitted(lines.map(({ account, amount }) => ({ account, amount, currency })));
  };
  const trialBalance = async (key: string) => {
    const res = await stack.gql(key, TRIAL_BALANCE);
    expect(res.errors).toBeUndefined();
    return res.data!.trialBalance as (Balance & { kind: string })[];
  };
  const line = (account: string, amount: string | Decimal): JournalLine => ({ account, amount: new Decimal(amount) });

  beforeAll(async () => {
    stack = await startStack();
    ledger = stack.get(LedgerService);
    const created = await stack.gql(
      stack.adminKey,
      `mutation { createPartner(input: { name: "Beijing Compute", countryCode: "CN", creditLimit: "1000000000000.00" }) { id } }`,
    );
    partnerId = created.data!.createPartner.id;
    const issue = async (role: Role, extra: { partnerId?: string } = {}) =>
      (await stack.gql(stack.adminKey, IssueApiKeyDocument, { input: { role, label: role, ...extra } })).data!.issueApiKey.key;
    keys = { OPERATOR: await issue('OPERATOR'), FINANCE: await issue('FINANCE'), PARTNER: await issue('PARTNER', { partnerId }) };
  });
  afterAll(() => stack.close());

  describe('the database refuses what the service would never write', () => {
    it('fails an unbalanced entry at COMMIT, not before, with 23514, leaving nothing behind', async () => {
      const id = randomUUID();
      let inserted = 0;
      const outcome = withRunner(async (runner) => {
        await runner.query(ENTRY_SQL, [id]);
        await runner.query(POSTING_SQL, [id, Account.CASH, 'CNY', '100.00']);
        await runner.query(POSTING_SQL, [id, Account.SALES_REVENUE, 'CNY', '-99.99']);
        inserted = Number((await runner.query('SELECT count(*) AS n FROM posting WHERE journal_entry_id = $1', [id]))[0].n);
      });
      await expect(outcome).rejects.toMatchObject({ code: '23514', message: expect.stringMatching(/does not balance.*0\.01/) });
      expect(inserted).toBe(2);
      expect(await stack.dataSource.query('SELECT id FROM journal_entry WHERE id = $1', [id])).toEqual([]);
      expect(await stack.dataSource.query('SELECT id FROM posting WHERE journal_entry_id = $1', [id])).toEqual([]);
    });

    it('checks the balance per currency: +10 CNY and −10 USD do not balance', async () => {
      const id = randomUUID();
      const outcome = withRunner(async (runner) => {
        await runner.query(ENTRY_SQL, [id]);
        await runner.query(POSTING_SQL, [id, Account.CASH, 'CNY', '10.00']);
        await runner.query(POSTING_SQL, [id, Account.SALES_REVENUE, 'USD', '-10.00']);
      });
      await expect(outcome).rejects.toMatchObject({ code: '23514' });
      expect(await stack.dataSource.query('SELECT id FROM journal_entry WHERE id = $1', [id])).toEqual([]);
    });

    it.each([
      ['no postings', []],
      ['a single posting', [[Account.CASH, '5.00']]],
    ])('fails an entry with %s at COMMIT', async (_case, lines) => {
      const id = randomUUID();
      const outcome = withRunner(async (runner) => {
        await runner.query(ENTRY_SQL, [id]);
        for (const [account, amount] of lines) await runner.query(POSTING_SQL, [id, account, 'CNY', amount]);
      });
      await expect(outcome).rejects.toMatchObject({ code: '23514', message: expect.stringMatching(/at least two/) });
      expect(await stack.dataSource.query('SELECT id FROM journal_entry WHERE id = $1', [id])).toEqual([]);
    });

    it('commits 2,000 entries written in one statement and their postings in the next, each checked once at the commit', async () => {
      const ids = Array.from({ length: 2_000 }, () => randomUUID());
      let pending = 0;
      await withRunner(async (runner) => {
        await runner.query(
          `INSERT INTO journal_entry (id, description, source_type, source_id, currency)
           SELECT id, 'bulk', 'test-sql', id::text, 'CNY' FROM unnest($1::uuid[]) AS id`,
          [ids],
        );
        await runner.query(
          `INSERT INTO posting (journal_entry_id, account_id, currency, amount)
           SELECT e.id, a.id, 'CNY', CASE a.code WHEN 'CASH' THEN 0.01 ELSE -0.01 END
             FROM unnest($1::uuid[]) AS e(id) CROSS JOIN ledger_account a WHERE a.code IN ('CASH', 'SALES_REVENUE')`,
          [ids],
        );
        pending = Number((await runner.query('SELECT count(*) AS n FROM journal_entry_pending_check'))[0].n);
      });
      expect(pending).toBe(2_000);
      expectCommitted([
        { account: Account.CASH, amount: '20.00' },
        { account: Account.SALES_REVENUE, amount: '-20.00' },
      ]);
      expect(await count(`journal_entry WHERE source_type = 'test-sql' AND id = ANY('{${ids.join(',')}}')`)).toBe(2_000);
      expect(await count('journal_entry_pending_check')).toBe(0);
    });

    it('refuses a zero posting', async () => {
      const id = randomUUID();
      const outcome = withRunner(async (runner) => {
        await runner.query(ENTRY_SQL, [id]);
        await runner.query(POSTING_SQL, [id, Account.CASH, 'CNY', '0.00']);
      });
      await expect(outcome).rejects.toMatchObject({ code: '23514', message: expect.stringMatching(/posting_amount_nonzero/) });
    });

    it('commits a balanced entry written by direct SQL, one statement at a time, checking it once at the commit', async () => {
      const id = randomUUID();
      let pending: unknown;
      await withRunner(async (runner) => {
        await runner.query(ENTRY_SQL, [id]);
        await runner.query(POSTING_SQL, [id, Account.CASH, 'CNY', '250.00']);
        await runner.query(POSTING_SQL, [id, Account.SALES_REVENUE, 'CNY', '-200.00']);
        await runner.query(POSTING_SQL, [id, Account.VAT_PAYABLE, 'CNY', '-50.00']);
        pending = await runner.query('SELECT journal_entry_id FROM journal_entry_pending_check');
      });
      expect(pending).toEqual([{ journal_entry_id: id }]);
      expect(await stack.dataSource.query('SELECT journal_entry_id FROM journal_entry_pending_check')).toEqual([]);
      expectCommitted([
        { account: Account.CASH, amount: '250.00' },
        { account: Account.SALES_REVENUE, amount: '-200.00' },
        { account: Account.VAT_PAYABLE, amount: '-50.00' },
      ]);
      expect(await count(`posting WHERE journal_entry_id = '${id}'`)).toBe(3);
    });

    it('refuses UPDATE, DELETE and TRUNCATE of postings and entries', async () => {
      await postCommitted([line(Account.CASH, '4.00'), line(Account.SALES_REVENUE, '-4.00')]);
      const [entries, postings] = [await count('journal_entry'), await count('posting')];
      expect(entries).toBeGreaterThan(0);
      for (const sql of [
        'UPDATE posting SET amount = amount * 2',
        'DELETE FROM posting',
        'TRUNCATE posting CASCADE',
        `UPDATE journal_entry SET description = 'rewritten'`,
        'DELETE FROM journal_entry',
        'TRUNCATE journal_entry CASCADE',
      ]) {
        await expect(stack.dataSource.query(sql)).rejects.toThrow(/append-only/);
      }
      expect([await count('journal_entry'), await count('posting')]).toEqual([entries, postings]);
    });

    it('refuses a second entry for the same (source_type, source_id)', async () => {
      const sourceId = randomUUID();
      await post([line(Account.CASH, '1.00'), line(Account.SALES_REVENUE, '-1.00')], sourceId, 'fill');
      expectCommitted([
        { account: Account.CASH, amount: '1.00' },
        { account: Account.SALES_REVENUE, amount: '-1.00' },
      ]);
      await expect(
        stack.dataSource.query(
          `INSERT INTO journal_entry (description, source_type, source_id, currency) VALUES ('again', 'fill', $1, 'CNY')`,
          [sourceId],
        ),
      ).rejects.toMatchObject({ code: '23505', message: expect.stringMatching(/journal_entry_source/) });
      expect(await count(`journal_entry WHERE source_type = 'fill' AND source_id = '${sourceId}'`)).toBe(1);
    });
  });

  describe('LedgerService', () => {
    it('posts a balanced entry and finds it by source, amounts exact', async () => {
      const sourceId = randomUUID();
      const entry = await post(
        [line(Account.INVENTORY, '1000000000000.01'), line(Account.FLEET_CAPITAL, '-1000000000000.01')],
        sourceId,
        'lot',
      );
      expectCommitted([
        { account: Account.INVENTORY, amount: '1000000000000.01' },
        { account: Account.FLEET_CAPITAL, amount: '-1000000000000.01' },
      ]);
      const found = await ledger.entryBySource('lot', sourceId);
      expect(found!.id).toBe(entry.id);
      expect(found!.postings.map((p) => [p.account.code, p.amount.toFixed(2)]).sort()).toEqual([
        [Account.FLEET_CAPITAL, '-1000000000000.01'],
        [Account.INVENTORY, '1000000000000.01'],
      ]);
      expect(await ledger.entryBySource('lot', randomUUID())).toBeNull();
    });

    it('sums exactly past 2^53 fen: 90071992547409.93 + 0.01', async () => {
      const entry = await post([
        line(Account.CASH, '90071992547409.93'),
        line(Account.CASH, '0.01'),
        line(Account.SALES_REVENUE, '-90071992547409.94'),
      ]);
      expectCommitted([
        { account: Account.CASH, amount: '90071992547409.93' },
        { account: Account.CASH, amount: '0.01' },
        { account: Account.SALES_REVENUE, amount: '-90071992547409.94' },
      ]);
      const [sum] = await stack.dataSource.query(
        `SELECT sum(amount) FILTER (WHERE amount > 0) AS debit, sum(amount) AS total FROM posting WHERE journal_entry_id = $1`,
        [entry.id],
      );
      expect(sum).toEqual({ debit: '90071992547409.94', total: '0.00' });
    });

    it('posts a fill-sized settlement: 50,000 × 299,999.99 with 13 % VAT, to the fen', async () => {
      const net = new Decimal('299999.99').times(50_000);
      const tax = net.times('0.13').toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
      const gross = net.plus(tax);
      const cost = new Decimal('212345.67').times(50_000);
      const fillId = randomUUID();
      const receivable = await stack.dataSource.transaction((em) => ledger.receivableAccount(em, partnerId));
      const lines = [
        line(receivable.code, gross),
        line(Account.SALES_REVENUE, net.neg()),
        line(Account.VAT_PAYABLE, tax.neg()),
        line(Account.COGS, cost),
        line(Account.INVENTORY, cost.neg()),
      ];
      await post(lines, fillId, 'fill');
      expectCommitted(lines);
      const found = await ledger.entryBySource('fill', fillId);
      const byAccount = Object.fromEntries(found!.postings.map((p) => [p.account.code, p.amount.toFixed(2)]));
      expect(byAccount).toEqual({
        [receivable.code]: '16949999435.00',
        [Account.SALES_REVENUE]: '-14999999500.00',
        [Account.VAT_PAYABLE]: '-1949999935.00',
        [Account.COGS]: '10617283500.00',
        [Account.INVENTORY]: '-10617283500.00',
      });
    });

    it('refuses an unbalanced entry in code, writing nothing', async () => {
      const before = [await count('journal_entry'), await count('posting')];
      await expect(post([line(Account.CASH, '10.00'), line(Account.SALES_REVENUE, '-9.99')])).rejects.toThrow(InvalidJournalEntryError);
      await expect(post([line(Account.CASH, '10.00'), line(Account.SALES_REVENUE, '-9.99')])).rejects.toThrow(
        'Journal entry refused: unbalanced: debits exceed credits by 0.01',
      );
      await expect(post([line(Account.CASH, '10.00'), line('NO_SUCH_ACCOUNT', '-10.00')])).rejects.toThrow(
        /unknown account NO_SUCH_ACCOUNT/,
      );
      await expect(post([line(Account.CASH, '10.001'), line(Account.SALES_REVENUE, '-10.001')])).rejects.toThrow(/more than two decimals/);
      expect([await count('journal_entry'), await count('posting')]).toEqual(before);
    });

    it('checks what postMany wrote at the end of its statement, leaving nothing for the commit', async () => {
      const drafts = Array.from({ length: 20 }, (_, i) => ({
        description: 'checked at once',
        sourceType: 'test',
        sourceId: randomUUID(),
        currency: 'CNY',
        lines: [line(Account.CASH, `${i + 1}.00`), line(Account.SALES_REVENUE, `-${i + 1}.00`)],
      }));
      let pending: unknown;
      await withRunner(async (runner) => {
        await ledger.postMany(runner.manager, drafts);
        pending = await runner.query('SELECT journal_entry_id FROM journal_entry_pending_check');
      });
      expect(pending).toEqual([]);
      expectCommitted(drafts.flatMap((draft) => draft.lines.map(({ account, amount }) => ({ account, amount }))));
    });

    it('fails the commit when a later statement adds a posting to an entry postMany wrote and checked', async () => {
      const sourceId = randomUUID();
      const outcome = withRunner(async (runner) => {
        const [id] = await ledger.postMany(runner.manager, [
          {
            description: 'then unbalanced',
            sourceType: 'test',
            sourceId,
            currency: 'CNY',
            lines: [line(Account.CASH, '3.00'), line(Account.SALES_REVENUE, '-3.00')],
          },
        ]);
        await runner.query(POSTING_SQL, [id, Account.CASH, 'CNY', '0.01']);
      });
      await expect(outcome).rejects.toMatchObject({ code: '23514', message: expect.stringMatching(/does not balance.*0\.01/) });
      expect(await stack.dataSource.query('SELECT id FROM journal_entry WHERE source_id = $1', [sourceId])).toEqual([]);
    });

    it('adds lines to an entry posted earlier in the transaction, each addition balanced on its own; refuses one that is not, writing nothing', async () => {
      const sourceId = randomUUID();
      const sale = [line(Account.CASH, '11.30'), line(Account.SALES_REVENUE, '-10.00'), line(Account.VAT_PAYABLE, '-1.30')];
      const cost = [line(Account.COGS, '8.00'), line(Account.INVENTORY, '-8.00')];
      let pending: unknown;
      await withRunner(async (runner) => {
        const [entryId] = await ledger.postMany(runner.manager, [
          { description: 'a sale, then its cost', sourceType: 'test', sourceId, currency: 'CNY', lines: sale },
        ]);
        const postingCount = () => runner.query('SELECT count(*)::int AS n FROM posting');
        const before = await postingCount();
        const refused = (lines: JournalLine[], currency = 'CNY') =>
          ledger.addLines(runner.manager, [{ entryId: entryId!, currency, lines }]);
        await expect(refused([line(Account.COGS, '8.00'), line(Account.INVENTORY, '-7.99')])).rejects.toThrow(
          'Journal entry refused: unbalanced: debits exceed credits by 0.01',
        );
        await expect(refused([line(Account.COGS, '8.00')])).rejects.toThrow(/at least two lines/);
        await expect(refused([line(Account.COGS, '8.00'), line('NO_SUCH_ACCOUNT', '-8.00')])).rejects.toThrow(
          /unknown account NO_SUCH_ACCOUNT/,
        );
        await expect(refused(cost, 'cny')).rejects.toThrow(/not an ISO 4217 code/);
        expect(await postingCount()).toEqual(before);
        await ledger.addLines(runner.manager, [{ entryId: entryId!, currency: 'CNY', lines: cost }]);
        pending = await runner.query('SELECT journal_entry_id FROM journal_entry_pending_check');
      });
      expect(pending).toEqual([]);
      const [entry] = await stack.dataSource.query('SELECT id FROM journal_entry WHERE source_id = $1', [sourceId]);
      const written = await stack.dataSource.query(
        `SELECT a.code, p.amount FROM posting p JOIN ledger_account a ON a.id = p.account_id WHERE p.journal_entry_id = $1 ORDER BY p.amount DESC`,
        [entry.id],
      );
      expect(written.map((p: { code: string; amount: string }) => [p.code, p.amount])).toEqual([
        [Account.CASH, '11.30'],
        [Account.COGS, '8.00'],
        [Account.VAT_PAYABLE, '-1.30'],
        [Account.INVENTORY, '-8.00'],
        [Account.SALES_REVENUE, '-10.00'],
      ]);
      expectCommitted([...sale, ...cost]);
    });

    it('refuses postings added to an entry committed before, balanced or not, at their statement, writing nothing', async () => {
      const id = await committedCashSale('7.00');
      const closed = {
        code: '23514',
        message: expect.stringMatching(new RegExp(`journal entry ${id} was committed by an earlier transaction`)),
      };
      // One posting by hand; a balanced pair by hand, in one statement; a balanced addition through the service.
      await expect(withRunner((runner) => runner.query(POSTING_SQL, [id, Account.VAT_PAYABLE, 'CNY', '-1.00']))).rejects.toMatchObject(
        closed,
      );
      const pair = `INSERT INTO posting (journal_entry_id, account_id, currency, amount)
                    SELECT $1, a.id, 'CNY', CASE WHEN a.code = $2 THEN 1.00 ELSE -1.00 END FROM ledger_account a WHERE a.code IN ($2, $3)`;
      await expect(withRunner((runner) => runner.query(pair, [id, Account.CASH, Account.SALES_REVENUE]))).rejects.toMatchObject(closed);
      const addition = [line(Account.COGS, '5.00'), line(Account.INVENTORY, '-5.00')];
      await expect(
        withRunner((runner) => ledger.addLines(runner.manager, [{ entryId: id, currency: 'CNY', lines: addition }])),
      ).rejects.toMatchObject(closed);
      expect(await count(`posting WHERE journal_entry_id = '${id}'`)).toBe(2);
    });

    it('lets an entry written in a savepoint take lines later in its transaction, in another savepoint or after one rolled back', async () => {
      const sourceId = randomUUID();
      const sale = [line(Account.CASH, '20.00'), line(Account.SALES_REVENUE, '-20.00')];
      const cost = [line(Account.COGS, '12.00'), line(Account.INVENTORY, '-12.00')];
      await withRunner(async (runner) => {
        await runner.query('SAVEPOINT written');
        const [entryId] = await ledger.postMany(runner.manager, [
          { description: 'a sale in a savepoint', sourceType: 'test', sourceId, currency: 'CNY', lines: sale },
        ]);
        await runner.query('RELEASE SAVEPOINT written');
        await runner.query('SAVEPOINT undone');
        await ledger.addLines(runner.manager, [{ entryId: entryId!, currency: 'CNY', lines: cost }]);
        await runner.query('ROLLBACK TO SAVEPOINT undone');
        await runner.query('SAVEPOINT added');
        await ledger.addLines(runner.manager, [{ entryId: entryId!, currency: 'CNY', lines: cost }]);
        await runner.query('RELEASE SAVEPOINT added');
      });
      const [{ n }] = await stack.dataSource.query(
        'SELECT count(*)::int AS n FROM posting p JOIN journal_entry e ON e.id = p.journal_entry_id WHERE e.source_id = $1',
        [sourceId],
      );
      expect(n).toBe(4);
      expectCommitted([...sale, ...cost]);
    });

    it('fails both of two concurrent transactions that each add half of a balanced pair to an entry committed before', async () => {
      const id = await committedCashSale('3.00');
      // Together the two halves would balance, but neither transaction sees the other's; and the entry is closed anyway.
      const halves = await Promise.allSettled([
        withRunner((runner) => runner.query(POSTING_SQL, [id, Account.CASH, 'CNY', '2.00'])),
        withRunner((runner) => runner.query(POSTING_SQL, [id, Account.SALES_REVENUE, 'CNY', '-2.00'])),
      ]);
      expect(halves.map((h) => (h.status === 'rejected' ? (h.reason as { code?: string }).code : 'committed'))).toEqual(['23514', '23514']);
      expect(await count(`posting WHERE journal_entry_id = '${id}'`)).toBe(2);
    });

    it('refuses lines another transaction adds to an entry whose writer is still open, and after it commits', async () => {
      const sourceId = randomUUID();
      const sale = [line(Account.CASH, '30.00'), line(Account.SALES_REVENUE, '-30.00')];
      const cost = [line(Account.COGS, '9.00'), line(Account.INVENTORY, '-9.00')];
      const addCost = (entryId: string) =>
        withRunner((runner) => ledger.addLines(runner.manager, [{ entryId, currency: 'CNY', lines: cost }]));
      const writer = stack.dataSource.createQueryRunner();
      await writer.connect();
      let entryId: string | undefined;
      try {
        await writer.startTransaction();
        [entryId] = await ledger.postMany(writer.manager, [
          { description: 'a sale not yet committed', sourceType: 'test', sourceId, currency: 'CNY', lines: sale },
        ]);
        // Uncommitted, the entry does not exist for anyone else: their postings fail its foreign key.
        await expect(addCost(entryId!)).rejects.toMatchObject({ code: '23503' });
        await writer.commitTransaction();
      } finally {
        if (writer.isTransactionActive) await writer.rollbackTransaction();
        await writer.release();
      }
      expectCommitted(sale);
      // Committed, it is closed.
      await expect(addCost(entryId!)).rejects.toMatchObject({
        code: '23514',
        message: expect.stringMatching(/committed by an earlier transaction/),
      });
      expect(await count(`posting WHERE journal_entry_id = '${entryId}'`)).toBe(2);
    });

    it.each([
      ['off by a fen', `CASE WHEN a.code = 'CASH' THEN 12.50 WHEN e.id = $2 THEN -12.49 ELSE -12.50 END`, '', /does not balance/],
      [
        'with a single posting',
        `CASE WHEN a.code = 'CASH' THEN 12.50 ELSE -12.50 END`,
        `AND NOT (e.id = $2 AND a.code = 'CASH')`,
        /has 1 posting/,
      ],
      ['with no postings', `CASE WHEN a.code = 'CASH' THEN 12.50 ELSE -12.50 END`, 'AND e.id <> $2', /has 0 posting/],
    ])('finds the one entry %s among 200 written in one statement, and commits none of them', async (_case, amount, except, message) => {
      const ids = Array.from({ length: 200 }, () => randomUUID());
      const odd = ids[137];
      const outcome = withRunner((runner) =>
        runner.query(
          `WITH e AS (INSERT INTO journal_entry (id, description, source_type, source_id, currency)
                      SELECT id, 'one statement', 'test-sql', id::text, 'CNY' FROM unnest($1::uuid[]) AS id RETURNING id)
           INSERT INTO posting (journal_entry_id, account_id, currency, amount)
           SELECT e.id, a.id, 'CNY', ${amount}
             FROM e CROSS JOIN ledger_account a WHERE a.code IN ('CASH', 'SALES_REVENUE') ${except}`,
          [ids, odd],
        ),
      );
      await expect(outcome).rejects.toMatchObject({ code: '23514', message: expect.stringContaining(`journal entry ${odd} `) });
      await expect(outcome).rejects.toMatchObject({ message: expect.stringMatching(message) });
      expect(await stack.dataSource.query('SELECT id FROM journal_entry WHERE id = ANY($1)', [ids])).toEqual([]);
    });

    it('refuses a duplicate source with DuplicateJournalEntryError and leaves the transaction usable', async () => {
      const sourceId = randomUUID();
      const other = randomUUID();
      const lines = [line(Account.CASH, '7.00'), line(Account.SALES_REVENUE, '-7.00')];
      await stack.dataSource.transaction(async (em) => {
        await ledger.post(em, { description: 'first', sourceType: 'fill', sourceId, currency: 'CNY', lines });
        await expect(ledger.post(em, { description: 'second', sourceType: 'fill', sourceId, currency: 'CNY', lines })).rejects.toThrow(
          DuplicateJournalEntryError,
        );
        await ledger.post(em, { description: 'another fill', sourceType: 'fill', sourceId: other, currency: 'CNY', lines });
      });
      expectCommitted([...lines, ...lines]);
      await expect(post(lines, sourceId, 'fill')).rejects.toThrow(`A journal entry for fill ${sourceId} is already posted`);
      expect(await count(`journal_entry WHERE source_type = 'fill' AND source_id IN ('${sourceId}', '${other}')`)).toBe(2);
    });

    it('posts each source once when many transactions race to post it', async () => {
      const sourceId = randomUUID();
      const lines = [line(Account.CASH, '3.00'), line(Account.SALES_REVENUE, '-3.00')];
      const results = await Promise.allSettled(Array.from({ length: 12 }, () => post(lines, sourceId, 'fill')));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DuplicateJournalEntryError);
      expectCommitted(lines);
      expect(await count(`journal_entry WHERE source_id = '${sourceId}'`)).toBe(1);
    });

    it('creates a partner receivable account once, on first use, even under a race', async () => {
      const partner = await stack.gql(
        stack.adminKey,
        `mutation { createPartner(input: { name: "Racing Partner", countryCode: "SG", creditLimit: "1.00" }) { id } }`,
      );
      const id = partner.data!.createPartner.id as string;
      const accounts = await Promise.all(
        Array.from({ length: 10 }, () => stack.dataSource.transaction((em) => ledger.receivableAccount(em, id))),
      );
      expect(new Set(accounts.map((a) => a.id)).size).toBe(1);
      expect(accounts[0]).toMatchObject({ code: `RECEIVABLE:${id}`, kind: 'ASSET', partnerId: id });
      expect(await count(`ledger_account WHERE partner_id = '${id}'`)).toBe(1);
    });

    it('keeps receivable codes tied to their partner in the database', async () => {
      await expect(
        stack.dataSource.query(
          `INSERT INTO ledger_account (code, name, kind, partner_id) VALUES ('RECEIVABLE:elsewhere', 'x', 'ASSET', $1)`,
          [partnerId],
        ),
      ).rejects.toMatchObject({ code: '23514' });
      await expect(
        stack.dataSource.query(`INSERT INTO ledger_account (code, name, kind) VALUES ('RECEIVABLE:${randomUUID()}', 'x', 'ASSET')`),
      ).rejects.toMatchObject({ code: '23514' });
      await expect(
        stack.dataSource.query(`INSERT INTO ledger_account (code, name, kind) VALUES ('X', 'x', 'ASSETS')`),
      ).rejects.toMatchObject({
        code: '23514',
      });
    });
  });

  describe('trialBalance', () => {
    it('shows every posting of this file, summed exactly, per account and currency', async () => {
      const before = await trialBalance(keys.FINANCE);
      for (const lines of [
        [line(Account.CASH, '90071992547409.93'), line(Account.CASH, '0.01'), line(Account.SALES_REVENUE, '-90071992547409.94')],
        [line(Account.CASH, '250.00'), line(Account.SALES_REVENUE, '-200.00'), line(Account.VAT_PAYABLE, '-50.00')],
        [line(Account.CASH, '1.00'), line(Account.SALES_REVENUE, '-1.00')],
        [line(Account.CASH, '7.00'), line(Account.SALES_REVENUE, '-7.00')],
        [line(Account.CASH, '7.00'), line(Account.SALES_REVENUE, '-7.00')],
        [line(Account.CASH, '3.00'), line(Account.SALES_REVENUE, '-3.00')],
        [line(Account.INVENTORY, '1000000000000.01'), line(Account.FLEET_CAPITAL, '-1000000000000.01')],
      ]) {
        await postCommitted(lines);
      }
      const rows = await trialBalance(keys.FINANCE);
      const shown = Object.fromEntries(rows.map((r) => [`${r.account}|${r.currency}`, [r.debit, r.credit, r.balance]]));
      const want = Object.fromEntries(
        [...expected].map(([key, s]) => [key, [s.debit.toFixed(2), s.credit.toFixed(2), s.debit.minus(s.credit).toFixed(2)]]),
      );
      expect(shown).toEqual(want);
      // What this test's own entries added, to the fen.
      const change = (account: string) => {
        const [was, now] = [before, rows].map((all) => all.find((r) => r.account === account && r.currency === 'CNY'));
        return (['debit', 'credit', 'balance'] as const).map((field) => new Decimal(now![field]).minus(was?.[field] ?? 0).toFixed(2));
      };
      expect(change(Account.CASH)).toEqual(['90071992547677.94', '0.00', '90071992547677.94']);
      expect(rows.find((r) => r.account === Account.FLEET_CAPITAL)).toMatchObject({ kind: 'EQUITY', debit: '0.00' });
      expect(change(Account.FLEET_CAPITAL)).toEqual(['0.00', '1000000000000.01', '-1000000000000.01']);
    });

    it('sums to zero across accounts in each currency', async () => {
      for (const currency of ['CNY', 'USD']) {
        await postCommitted(
          [line(Account.CASH, '90071992547409.93'), line(Account.VAT_PAYABLE, '0.01'), line(Account.SALES_REVENUE, '-90071992547409.94')],
          currency,
        );
      }
      const rows = await trialBalance(stack.adminKey);
      const currencies = [...new Set(rows.map((r) => r.currency))].sort();
      expect(currencies).toEqual(['CNY', 'USD']);
      for (const currency of currencies) {
        const mine = rows.filter((r) => r.currency === currency);
        const total = (field: 'debit' | 'credit' | 'balance') => mine.reduce((s, r) => s.plus(r[field]), new Decimal(0));
        expect(total('balance').toFixed(2)).toBe('0.00');
        expect(total('debit').toFixed(2)).toBe(total('credit').toFixed(2));
        expect(total('debit').gt('9e13')).toBe(true);
      }
    });

    it.each(['OPERATOR', 'PARTNER'] as const)('is FORBIDDEN to %s', async (role) => {
      const res = await stack.gql(keys[role], TRIAL_BALANCE);
      expect(codesOf(res)).toEqual(['FORBIDDEN']);
      expect(res.data?.trialBalance).toBeUndefined();
    });

    it('adds a transaction’s postings to the running balances at its commit: until then it holds no balance row', async () => {
      const cash = async (runner?: QueryRunner) =>
        (
          await (runner ?? stack.dataSource).query(
            `SELECT b.debit FROM ledger_balance b JOIN ledger_account a ON a.id = b.account_id WHERE a.code = $1 AND b.currency = 'CNY'`,
            [Account.CASH],
          )
        )[0]?.debit ?? '0';
      const sale = (amount: string) => ({
        description: 'at the commit',
        sourceType: 'test',
        sourceId: randomUUID(),
        currency: 'CNY',
        lines: [line(Account.CASH, amount), line(Account.SALES_REVENUE, `-${amount}`)],
      });
      const before = await cash();
      const runner = stack.dataSource.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        await ledger.postMany(runner.manager, [sale('5.00')]);
        await runner.query('SAVEPOINT undone');
        await ledger.postMany(runner.manager, [sale('100.00')]);
        await runner.query('ROLLBACK TO SAVEPOINT undone');
        await ledger.postMany(runner.manager, [sale('0.25')]);
        expect(await cash(runner)).toBe(before);
        // Another transaction posts to the same accounts and commits while this one is open, waiting for nothing of it.
        await stack.dataSource.transaction(async (em) => {
          await em.query(`SET LOCAL lock_timeout = '5s'`);
          await ledger.postMany(em, [sale('2.00')]);
        });
        expect(await cash()).toBe(new Decimal(before).plus('2.00').toFixed(2));
        await runner.commitTransaction();
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
      expect(await cash()).toBe(new Decimal(before).plus('7.25').toFixed(2));
      expectCommitted([...sale('5.00').lines, ...sale('0.25').lines, ...sale('2.00').lines]);
      expect([await count('ledger_balance_change'), await count('ledger_balance_fold')]).toEqual([0, 0]);
      const rows = (await stack.gql(keys.FINANCE, TRIAL_BALANCE)).data!.trialBalance as Balance[];
      expect(rows.map(({ account, currency, debit, credit, balance }) => ({ account, currency, debit, credit, balance }))).toEqual(
        await resummed(stack),
      );
    });

    it('answers from running balances equal to a full re-sum after random concurrent postings, some rolled back', async () => {
      const seed = Number(process.env.LEDGER_SEED ?? Date.now() % 2 ** 31);
      let state = seed;
      const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
      const accounts = [Account.CASH, Account.SALES_REVENUE, Account.VAT_PAYABLE, Account.COGS, Account.INVENTORY];
      const amount = () => new Decimal(Math.floor(random() * 10 ** (2 + Math.floor(random() * 14))) + 1).div(100);
      const entry = (): JournalLine[] => {
        const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
          line(accounts[Math.floor(random() * accounts.length)]!, amount()),
        );
        const sum = lines.reduce((total, l) => total.plus(l.amount), new Decimal(0));
        return [...lines, line(accounts[Math.floor(random() * accounts.length)]!, sum.neg())];
      };
      const written: { currency: string; lines: JournalLine[] }[] = [];
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          stack.dataSource.transaction(async (em) => {
            const currency = random() < 0.3 ? 'USD' : 'CNY';
            const draft = () => ({
              description: `random ${seed}/${i}`,
              sourceType: 'test-random',
              sourceId: randomUUID(),
              currency,
              lines: entry(),
            });
            // Posted in one to three statements, an addition to the first entry among them, some undone by a savepoint:
            // the balance rows are only locked at the commit, so no order between the statements matters.
            const opening = draft();
            const [first] = await ledger.postMany(em, [opening]);
            const lines = [...opening.lines];
            for (let statement = Math.floor(random() * 3); statement > 0; statement--) {
              const undone = random() < 0.2;
              if (undone) await em.query('SAVEPOINT undone');
              const drafts = Array.from({ length: 1 + Math.floor(random() * 3) }, draft);
              if (random() < 0.5) await ledger.postMany(em, drafts);
              else await ledger.addLines(em, [{ entryId: first!, currency, lines: drafts.flatMap((d) => d.lines) }]);
              if (undone) await em.query('ROLLBACK TO SAVEPOINT undone');
              else lines.push(...drafts.flatMap((d) => d.lines));
            }
            if (random() < 0.25) throw new Error('rolled back on purpose');
            written[i] = { currency, lines };
          }),
        ),
      );
      outcomes.forEach((o, i) => {
        if (o.status === 'fulfilled')
          expectCommitted(written[i]!.lines.map(({ account, amount }) => ({ account, amount, currency: written[i]!.currency })));
      });
      expect(outcomes.filter((o) => o.status === 'rejected' && !String(o.reason).includes('on purpose'))).toEqual([]);
      expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);
      const rows = (await stack.gql(keys.FINANCE, TRIAL_BALANCE)).data!.trialBalance as Balance[];
      expect(rows.map(({ account, currency, debit, credit, balance }) => ({ account, currency, debit, credit, balance }))).toEqual(
        await resummed(stack),
      );
    });
  });
});
