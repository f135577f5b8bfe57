import { InventoryService } from '@gpupool/inventory';
import { randomUUID } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { Decimal, NotFoundError, QueueName } from '@gpupool/platform';
import { fillsOfSettleJob, SETTLE_FILL_JOB, SettleFillJob, settleJobId, SettlementService, SettlementSweep } from '@gpupool/settlement';
import { MatchingService } from '@gpupool/trading';
import { WorkerModule } from '../apps/worker/src/worker.module';
import { codesOf } from './support/graphql-client';
import { eventually, Pool } from './support/pool';
import { settlementViolations } from './support/settlement-invariants';
import { startStack, TestStack } from './support/stack';
import { ReceiveInventoryDocument } from './support/graphql/generated/graphql';

const SETTLEMENT_FIELDS = 'id fillId netAmount taxAmount grossAmount costAmount journalEntryId settledAt';

describe('settlement: every fill becomes money in the ledger, exactly once', () => {
  let stack: TestStack;
  let pool: Pool;
  let settlements: SettlementService;
  let cn: { id: string; key: string };
  let sg: { id: string; key: string };
  let financeKey: string;
  let operatorKey: string;
  let n = 0;

  const sql = <T = any>(query: string, params: unknown[] = []): Promise<T[]> => stack.dataSource.query(query, params);
  const marketId = async (sku: string, region: string) => (await stack.get(InventoryService).findMarket(sku, region))!.id;
  /** Places an order as a partner and runs the market's match here, as the worker would: the fills are committed, not settled. */
  const fill = async (who: { key: string }, sku: string, region: string, quantity: number, limitPrice: string): Promise<string[]> => {
    const res = await pool.place(who.key, {
      clientOrderId: `s-${++n}`,
      skuCode: sku,
      regionCode: region,
      quantity,
      limitPrice,
      timeInForce: 'IOC',
    });
    expect(res.errors).toBeUndefined();
    await stack.get(MatchingService).run(await marketId(sku, region));
    const rows = await sql<{ id: string }>('SELECT id FROM fill WHERE order_id = $1 ORDER BY executed_at, id', [res.data!.placeOrder.id]);
    expect(rows.length).toBeGreaterThan(0);
    return rows.map((r) => r.id);
  };
  const postings = async (journalEntryId: string) =>
    (
      await sql<{ code: string; amount: string }>(
        `SELECT a.code, p.amount FROM posting p JOIN ledger_account a ON a.id = p.account_id WHERE p.journal_entry_id = $1 ORDER BY p.amount DESC, a.code`,
        [journalEntryId],
      )
    ).map((p) => [p.code, p.amount]);
  const partnerRow = async (id: string) => (await sql('SELECT credit_held, receivable FROM partner WHERE id = $1', [id]))[0];
  const trialBalance = async () =>
    (await pool.ok(financeKey, '{ trialBalance { account balance } }')).trialBalance as { account: string; balance: string }[];
  /** Settled fills of its own for a test that reads settlements: one fill of each of `who`. */
  const settledFills = async (...who: { key: string; id: string }[]) => {
    const fillIds: string[] = [];
    for (const partner of who) {
      const region = partner === cn ? 'cn-shanghai' : 'ap-singapore';
      fillIds.push(...(await fill(partner, 'MLU370', region, 1, partner === cn ? '1.50' : '0.50')));
    }
    return settlements.settleMany(fillIds);
  };
  const fillSettlement = async (key: string, fillId: string, fields = SETTLEMENT_FIELDS) => {
    const res = await stack.gql(key, `{ fills(first: 500) { edges { node { id settlement { ${fields} } } } } }`);
    return { res, node: res.data?.fills.edges.find((e: any) => e.node.id === fillId)?.node };
  };

  beforeAll(async () => {
    stack = await startStack();
    pool = new Pool(stack);
    settlements = stack.get(SettlementService);
    cn = await pool.partner('Settle CN', 'CN', '200000000000000.00');
    sg = await pool.partner('Settle SG', 'SG', '1000000000.00');
    financeKey = (await pool.key('FINANCE', 'FINANCE')).key;
    operatorKey = (await pool.key('OPERATOR', 'OPERATOR')).key;
    await pool.receive('ASCEND-910B', 'cn-beijing', 1_000_000, '250000.00');
    await pool.share('5.00', 'ASCEND-910B'); // cap 50,000
    await pool.ask('ASCEND-910B', 'cn-beijing', '299999.99');
    await pool.receive('ASCEND-910C', 'cn-wulanchabu', 400_000, '90000000.00');
    await pool.receive('ASCEND-910C', 'cn-wulanchabu', 9_800_000, '80000000.00');
    await pool.receive('ASCEND-910C', 'cn-wulanchabu', 9_800_000, '80000000.00');
    await pool.share('5.00', 'ASCEND-910C'); // cap 1,000,000
    await pool.ask('ASCEND-910C', 'cn-wulanchabu', '99999999.99');
    await pool.share('5.00'); // every other market
    for (const region of ['cn-shanghai', 'ap-singapore']) {
      await pool.receive('MLU370', region, 1000, '0.30');
      await pool.ask('MLU370', region, '0.50');
    }
  });
  afterAll(() => stack.close());

  describe('amounts', () => {
    it('settles 50,000 GPUs at CNY 299,999.99 with 13 % VAT exactly, and turns the hold into the receivable', async () => {
      const [fillId] = await fill(cn, 'ASCEND-910B', 'cn-beijing', 50_000, '299999.99');
      const [hold] = await sql('SELECT hold_amount FROM fill WHERE id = $1', [fillId]);
      expect(hold.hold_amount).toBe('16949999435.00');
      const before = await partnerRow(cn.id);

      const settlement = await settlements.settle(fillId!);
      expect(settlement).toMatchObject({ fillId, partnerId: cn.id, quantity: 50_000, currency: 'CNY' });
      expect(
        [
          settlement.unitPrice,
          settlement.netAmount,
          settlement.taxRatePercent,
          settlement.taxAmount,
          settlement.grossAmount,
          settlement.costAmount,
        ].map((d) => d.toFixed(2)),
      ).toEqual(['299999.99', '14999999500.00', '13.00', '1949999935.00', '16949999435.00', '12500000000.00']);
      expect(await postings(settlement.journalEntryId)).toEqual([
        [`RECEIVABLE:${cn.id}`, '16949999435.00'],
        ['COGS', '12500000000.00'],
        ['VAT_PAYABLE', '-1949999935.00'],
        ['INVENTORY', '-12500000000.00'],
        ['SALES_REVENUE', '-14999999500.00'],
      ]);
      const after = await partnerRow(cn.id);
      expect(new Decimal(before.credit_held).minus(after.credit_held).toFixed(2)).toBe('16949999435.00');
      expect(new Decimal(after.receivable).minus(before.receivable).toFixed(2)).toBe('16949999435.00');

      const { node } = await fillSettlement(cn.key, fillId!, 'id fillId netAmount taxAmount grossAmount journalEntryId settledAt');
      expect(node.settlement).toEqual({
        id: settlement.id,
        fillId,
        netAmount: '14999999500.00',
        taxAmount: '1949999935.00',
        grossAmount: '16949999435.00',
        journalEntryId: settlement.journalEntryId,
        settledAt: settlement.settledAt.toISOString(),
      });
    });

    it('stays exact past 2^53 fen: 1,000,000 GPUs at CNY 99,999,999.99, cost relieved FIFO across lots', async () => {
      const revenueBefore = (await trialBalance()).find((r) => r.account === 'SALES_REVENUE')?.balance ?? '0';
      const [fillId] = await fill(cn, 'ASCEND-910C', 'cn-wulanchabu', 1_000_000, '99999999.99');
      const settlement = await settlements.settle(fillId!);
      expect([settlement.netAmount, settlement.taxAmount, settlement.grossAmount, settlement.costAmount].map((d) => d.toFixed(2))).toEqual([
        '99999999990000.00',
        '12999999998700.00',
        '112999999988700.00',
        '84000000000000.00', // 400,000 × 90,000,000.00 + 600,000 × 80,000,000.00
      ]);
      const { node } = await fillSettlement(financeKey, fillId!);
      expect(node.settlement).toMatchObject({ grossAmount: '112999999988700.00', costAmount: '84000000000000.00' });
      const lots = await sql(
        `SELECT l.quantity, l.remaining_quantity FROM inventory_lot l JOIN market m ON m.id = l.market_id JOIN sku s ON s.id = m.sku_id
          WHERE s.code = 'ASCEND-910C' ORDER BY l.received_at, l.id`,
      );
      expect(lots).toEqual([
        { quantity: 400_000, remaining_quantity: 0 },
        { quantity: 9_800_000, remaining_quantity: 9_200_000 },
        { quantity: 9_800_000, remaining_quantity: 9_800_000 },
      ]);
      const trial = await trialBalance();
      const revenue = new Decimal(trial.find((r) => r.account === 'SALES_REVENUE')!.balance);
      expect(revenue.minus(revenueBefore).toFixed(2)).toBe('-99999999990000.00');
      expect(trial.reduce((sum, r) => sum.plus(r.balance), new Decimal(0)).toFixed(2)).toBe('0.00');
    });

    it.each([
      ['CN', '0.50', '0.07', '0.57'], // 0.065 rounds half-up
      ['CN', '1.50', '0.20', '1.70'], // 0.195
      ['SG', '0.50', '0.00', '0.50'], // 0 %: no VAT line
    ])('a %s partner buying one GPU at %s pays tax %s', async (country, price, tax, gross) => {
      const who = country === 'CN' ? cn : sg;
      const region = country === 'CN' ? 'cn-shanghai' : 'ap-singapore';
      await pool.ask('MLU370', region, price);
      const [fillId] = await fill(who, 'MLU370', region, 1, price);
      const settlement = await settlements.settle(fillId!);
      expect([settlement.netAmount, settlement.taxAmount, settlement.grossAmount, settlement.costAmount].map((d) => d.toFixed(2))).toEqual([
        price,
        tax,
        gross,
        '0.30',
      ]);
      const accounts = (await postings(settlement.journalEntryId)).map(([code]) => code);
      expect(accounts.includes('VAT_PAYABLE')).toBe(tax !== '0.00');
      expect(accounts).toHaveLength(tax === '0.00' ? 4 : 5);
    });

    it('taxes at the rate the order was placed with, not the partner’s rate now', async () => {
      await pool.ask('MLU370', 'cn-shanghai', '1.50');
      const res = await pool.place(cn.key, {
        clientOrderId: `s-${++n}`,
        skuCode: 'MLU370',
        regionCode: 'cn-shanghai',
        quantity: 2,
        limitPrice: '1.50',
      });
      expect(res.errors).toBeUndefined();
      await sql(`UPDATE partner SET tax_rate_percent = 6 WHERE id = $1`, [cn.id]);
      try {
        await stack.get(MatchingService).run(await marketId('MLU370', 'cn-shanghai'));
        const [{ id }] = await sql('SELECT id FROM fill WHERE order_id = $1', [res.data!.placeOrder.id]);
        const settlement = await settlements.settle(id);
        expect([settlement.taxRatePercent.toFixed(2), settlement.taxAmount.toFixed(2)]).toEqual(['13.00', '0.39']);
      } finally {
        await sql(`UPDATE partner SET tax_rate_percent = 13 WHERE id = $1`, [cn.id]);
      }
    });
  });

  describe('exactly once', () => {
    it('shows null until the fill is settled', async () => {
      const [fillId] = await fill(sg, 'MLU370', 'ap-singapore', 1, '0.50');
      const before = await fillSettlement(sg.key, fillId!, 'id netAmount');
      expect(before.res.errors).toBeUndefined();
      expect(before.node).toEqual({ id: fillId, settlement: null });
      const settlement = await settlements.settle(fillId!);
      expect((await fillSettlement(sg.key, fillId!, 'id')).node.settlement).toEqual({ id: settlement.id });
    });

    it('settles a fill once when ten settles run at the same time', async () => {
      const [fillId] = await fill(cn, 'MLU370', 'cn-shanghai', 3, '1.50');
      const before = await partnerRow(cn.id);
      const results = await Promise.all(Array.from({ length: 10 }, () => settlements.settle(fillId!)));
      expect(new Set(results.map((s) => s.id)).size).toBe(1);
      expect(await sql('SELECT count(*)::int AS n FROM settlement WHERE fill_id = $1', [fillId])).toEqual([{ n: 1 }]);
      expect(await sql(`SELECT count(*)::int AS n FROM journal_entry WHERE source_type = 'fill' AND source_id = $1`, [fillId])).toEqual([
        { n: 1 },
      ]);
      const after = await partnerRow(cn.id);
      expect(new Decimal(after.receivable).minus(before.receivable).toFixed(2)).toBe(results[0]!.grossAmount.toFixed(2));
    });

    it('settles overlapping batches of many partners and markets at once, each fill once, without deadlock', async () => {
      const third = await pool.partner('Settle CN 2', 'CN', '1000000000.00');
      const fills: string[] = [];
      for (let i = 0; i < 8; i++) {
        for (const [who, region] of [
          [cn, 'cn-shanghai'],
          [sg, 'ap-singapore'],
          [third, 'cn-shanghai'],
        ] as const) {
          fills.push(...(await fill(who, 'MLU370', region, 1 + (i % 3), '1.50')));
        }
      }
      const batches = Array.from({ length: 8 }, (_, b) => {
        const some = fills.filter((_, i) => (i + b) % 3 !== 0);
        return b % 2 ? some.reverse() : some;
      });
      const results = await Promise.all(batches.map((batch) => settlements.settleMany(batch)));
      results.forEach((settled, b) => expect(settled.map((s) => s.fillId)).toEqual(batches[b]));
      const byFill = new Map(results.flat().map((s) => [s.fillId, s.id]));
      for (const settled of results.flat()) expect(settled.id).toBe(byFill.get(settled.fillId));
      const counts = await sql('SELECT fill_id, count(*)::int AS n FROM settlement WHERE fill_id = ANY($1) GROUP BY fill_id', [fills]);
      expect(counts.filter((c) => c.n !== 1)).toEqual([]);
      expect(counts.length).toBe(fills.length);
    });

    it('queues a stuck fill (its job lost) in one sweep round, and keeps the watermark before the oldest unsettled fill', async () => {
      const queue = new Queue<SettleFillJob>(QueueName.SETTLEMENT, {
        connection: { url: stack.env.REDIS_URL },
        prefix: stack.env.QUEUE_PREFIX,
      });
      try {
        const [stuck] = await fill(sg, 'MLU370', 'ap-singapore', 1, '0.50');
        await queue.obliterate({ force: true }); // every settle job lost, as when Redis was flushed
        const unsettled = await sql<{ n: number; oldest: Date }>(
          'SELECT count(*)::int AS n, min(f.executed_at) AS oldest FROM fill f WHERE NOT EXISTS (SELECT 1 FROM settlement s WHERE s.fill_id = f.id)',
        );
        expect(await stack.get(SettlementSweep).run()).toBe(unsettled[0]!.n);
        const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
        expect(jobs.filter((job) => fillsOfSettleJob(job.data).includes(stuck!))).toHaveLength(1);
        const [mark] = await sql<{ settled_before: Date }>('SELECT settled_before FROM settlement_sweep_mark');
        expect(mark!.settled_before.getTime()).toBeLessThanOrEqual(unsettled[0]!.oldest.getTime());
        // The next round queues the fill again in a job of its own, whatever became of the first.
        await new Promise((r) => setTimeout(r, 5));
        await stack.get(SettlementSweep).run();
        expect(
          (await queue.getJobs(['waiting', 'prioritized', 'delayed'])).filter((job) => fillsOfSettleJob(job.data).includes(stuck!)),
        ).toHaveLength(2);
      } finally {
        await queue.close();
      }
    });

    it('refuses to settle a fill that does not exist, writing nothing', async () => {
      const count = async () => (await sql('SELECT (SELECT count(*) FROM settlement) AS s, (SELECT count(*) FROM journal_entry) AS j'))[0];
      const before = await count();
      const [known] = await fill(sg, 'MLU370', 'ap-singapore', 1, '0.50');
      const missing = randomUUID();
      await expect(settlements.settleMany([known!, missing])).rejects.toThrow(NotFoundError);
      await expect(settlements.settle(missing)).rejects.toThrow(`Fill ${missing} was not found`);
      await expect(settlements.settle('not-a-fill')).rejects.toThrow('Fill not-a-fill was not found');
      expect(await settlements.settleMany([])).toEqual([]);
      expect(await count()).toEqual(before);
    });

    it('keeps settlements append-only and one per fill in the database itself', async () => {
      const [{ id, fillId }] = await settledFills(sg);
      for (const statement of [
        `UPDATE settlement SET net_amount = 0 WHERE id = '${id}'`,
        `DELETE FROM settlement WHERE id = '${id}'`,
        'TRUNCATE settlement CASCADE',
      ]) {
        await expect(sql(statement)).rejects.toMatchObject({ message: expect.stringMatching(/settlement is append-only/) });
      }
      const copy = `INSERT INTO settlement (fill_id, partner_id, market_id, quantity, unit_price, net_amount, tax_rate_percent, tax_amount, gross_amount, cost_amount, currency, journal_entry_id)
        SELECT fill_id, partner_id, market_id, quantity, unit_price, net_amount, tax_rate_percent, tax_amount, $2, cost_amount, currency, $3 FROM settlement WHERE id = $1`;
      const [{ id: entry }] = await sql(`SELECT id FROM journal_entry WHERE source_type = 'lot' LIMIT 1`);
      await expect(sql(copy, [id, '1.00', entry])).rejects.toMatchObject({
        code: '23514',
        message: expect.stringMatching(/settlement_gross/),
      });
      await sql('SELECT gross_amount FROM settlement WHERE id = $1', [id]).then(async ([row]) =>
        expect(sql(copy, [id, row.gross_amount, entry])).rejects.toMatchObject({
          code: '23505',
          message: expect.stringMatching(/settlement_fill/),
        }),
      );
      expect(await sql('SELECT count(*)::int AS n FROM settlement WHERE fill_id = $1', [fillId])).toEqual([{ n: 1 }]);
    });
  });

  describe('locks', () => {
    it('writes a batch’s entries before it waits for its market’s lots, holding no balance row: another market’s batch settles meanwhile', async () => {
      const waitingFills = [
        ...(await fill(sg, 'MLU370', 'ap-singapore', 1, '0.50')),
        ...(await fill(sg, 'MLU370', 'ap-singapore', 2, '0.50')),
      ];
      const otherFills = await fill(cn, 'MLU370', 'cn-shanghai', 2, '1.50');
      const holder = stack.dataSource.createQueryRunner();
      await holder.connect();
      let settling: Promise<number> | undefined;
      try {
        await holder.startTransaction();
        await holder.query('SELECT id FROM inventory_lot WHERE market_id = $1 FOR UPDATE', [await marketId('MLU370', 'ap-singapore')]);
        settling = settlements.settleAll(waitingFills);
        const [waiting] = await eventually(
          () =>
            sql<{ pid: number }>(
              `SELECT pid FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM inventory_lot%FOR UPDATE%'`,
            ),
          (rows) => rows.length === 1,
        );
        const written = await sql<{ name: string }>(
          `SELECT relation::regclass::text AS name FROM pg_locks
            WHERE pid = $1 AND mode = 'RowExclusiveLock' AND relation::regclass::text IN ('journal_entry', 'posting') ORDER BY 1`,
          [waiting!.pid],
        );
        expect(written.map((r) => r.name)).toEqual(['journal_entry', 'posting']);
        // Its postings name the shared accounts (sales, cost of sales, inventory) another batch posts to as well.
        await expect(
          Promise.race([
            settlements.settleAll(otherFills),
            new Promise((_, reject) => setTimeout(() => reject(new Error('waited for the batch that waits for its lots')), 10_000)),
          ]),
        ).resolves.toBe(otherFills.length);
        await holder.commitTransaction();
        await expect(settling).resolves.toBe(waitingFills.length);
      } finally {
        if (holder.isTransactionActive) await holder.rollbackTransaction();
        await holder.release();
        await settling?.catch(() => undefined);
      }
      const entries = await sql<{ n: number }>(
        `SELECT count(p.id)::int AS n FROM settlement s JOIN posting p ON p.journal_entry_id = s.journal_entry_id
          WHERE s.fill_id = ANY($1) GROUP BY s.id ORDER BY s.id`,
        [waitingFills],
      );
      // At 0 % VAT: receivable, sales, cost of sales, inventory.
      expect(entries).toEqual(waitingFills.map(() => ({ n: 4 })));
    });
  });

  describe('the settle job', () => {
    let worker: INestApplicationContext;
    let queue: Queue;
    beforeAll(async () => {
      worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false }).then((w) => w.init());
      queue = new Queue(QueueName.SETTLEMENT, { connection: { url: stack.env.REDIS_URL }, prefix: stack.env.QUEUE_PREFIX });
    });
    afterAll(async () => {
      await queue.close();
      await worker.close();
    });
    const state = async (jobId: string) => (await queue.getJob(jobId))?.getState();

    it('settles what matching queued; jobs of either shape delivered again settle nothing twice; a job for an unknown fill fails alone', async () => {
      const fillIds = [...(await fill(cn, 'MLU370', 'cn-shanghai', 2, '1.50')), ...(await fill(sg, 'MLU370', 'ap-singapore', 2, '0.50'))];
      // The first payload shape, one fill a job, and the batch shape, both delivered on top of what matching queued.
      const single = fillIds.map((fillId) => ({ name: SETTLE_FILL_JOB, data: { fillId }, opts: { jobId: `single-${fillId}` } }));
      const batch = { name: SETTLE_FILL_JOB, data: { fillIds }, opts: { jobId: settleJobId(fillIds, 'again') } };
      const unknown = randomUUID();
      await queue.addBulk([
        ...single,
        batch,
        { name: SETTLE_FILL_JOB, data: { fillId: unknown }, opts: { jobId: `single-${unknown}`, attempts: 1 } },
      ]);
      await eventually(
        () => Promise.all([...single.map((j) => state(j.opts.jobId)), state(batch.opts.jobId)]),
        (s) => s.every((x) => x === 'completed'),
      );
      await eventually(
        () => state(`single-${unknown}`),
        (s) => s === 'failed',
      );
      expect((await queue.getJob(`single-${unknown}`))!.failedReason).toBe(`Fill ${unknown} was not found`);
      const counts = await sql('SELECT fill_id, count(*)::int AS n FROM settlement WHERE fill_id = ANY($1) GROUP BY fill_id', [fillIds]);
      expect(counts.map((c) => c.n)).toEqual(fillIds.map(() => 1));
      expect(
        await sql(`SELECT count(*)::int AS n FROM journal_entry WHERE source_type = 'fill' AND source_id = ANY($1)`, [fillIds]),
      ).toEqual([{ n: fillIds.length }]);
    });

    it('settles through the api as a partner sees it: placed, matched and settled by the worker', async () => {
      const res = await pool.place(sg.key, {
        clientOrderId: `s-${++n}`,
        skuCode: 'MLU370',
        regionCode: 'ap-singapore',
        quantity: 3,
        limitPrice: '0.50',
      });
      expect(res.errors).toBeUndefined();
      const order = await eventually(
        () =>
          pool.ok(sg.key, `query($id: ID!) { order(id: $id) { fills { settlement { netAmount taxAmount grossAmount } } } }`, {
            id: res.data!.placeOrder.id,
          }),
        (d) => d.order.fills.length > 0 && d.order.fills.every((f: any) => f.settlement !== null),
      );
      expect(order.order.fills).toEqual([{ settlement: { netAmount: '1.50', taxAmount: '0.00', grossAmount: '1.50' } }]);
    });
  });

  describe('who sees what', () => {
    it('refuses costAmount to a partner, also under an alias, and shows it to staff', async () => {
      const [{ fillId }] = await settledFills(cn);
      for (const fields of ['costAmount', 'c: costAmount', 'netAmount cost: costAmount']) {
        const { res } = await fillSettlement(cn.key, fillId, fields);
        expect(codesOf(res)).toContain('FORBIDDEN');
        expect(JSON.stringify(res.data ?? null)).not.toMatch(/"(c|cost|costAmount)":"\d/);
      }
      const listed = await stack.gql(cn.key, '{ settlements { edges { node { id costAmount } } } }');
      expect(codesOf(listed)).toContain('FORBIDDEN');
      for (const key of [financeKey, operatorKey, stack.adminKey]) {
        const { res, node } = await fillSettlement(key, fillId, 'costAmount');
        expect(res.errors).toBeUndefined();
        expect(node.settlement.costAmount).toMatch(/^\d+\.\d{2}$/);
      }
    });

    it('shows a partner only its own settlements; another partner’s id answers like an unknown one', async () => {
      await settledFills(cn, sg);
      const own = (await pool.ok(sg.key, '{ settlements(first: 500) { totalCount edges { node { id fillId } } } }')).settlements;
      const [{ n }] = await sql('SELECT count(*)::int AS n FROM settlement WHERE partner_id = $1', [sg.id]);
      expect(own.totalCount).toBe(n);
      const ownFills = await sql('SELECT fill_id FROM settlement WHERE partner_id = $1', [sg.id]);
      expect(own.edges.map((e: any) => e.node.fillId).sort()).toEqual(ownFills.map((r: any) => r.fill_id).sort());
      for (const partnerId of [cn.id, randomUUID(), 'not-an-id']) {
        const other = await pool.ok(sg.key, 'query($p: ID) { settlements(partnerId: $p) { totalCount edges { node { id } } } }', {
          p: partnerId,
        });
        expect(other.settlements).toEqual({ totalCount: 0, edges: [] });
      }
      const cnFills = await sql('SELECT fill_id FROM settlement WHERE partner_id = $1', [cn.id]);
      expect(cnFills.length).toBeGreaterThan(0);
      const seen = await pool.ok(sg.key, '{ fills(first: 500) { edges { node { id settlement { id } } } } }');
      expect(seen.fills.edges.some((e: any) => cnFills.some((r: any) => r.fill_id === e.node.id))).toBe(false);
      const operator = await stack.gql(operatorKey, '{ settlements { totalCount } }');
      expect(codesOf(operator)).toEqual(['FORBIDDEN']);
    });

    it('lists every partner’s settlements to finance, newest first, by period and partner, page by page', async () => {
      await settledFills(cn, sg, cn);
      await settledFills(sg, cn, sg);
      const all = await sql('SELECT id, partner_id, settled_at FROM settlement ORDER BY settled_at DESC, id DESC');
      const pages: string[] = [];
      let after: string | null = null;
      do {
        const page: any = (
          await pool.ok(
            financeKey,
            'query($a: String) { settlements(first: 4, after: $a) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }',
            { a: after },
          )
        ).settlements;
        expect(page.totalCount).toBe(all.length);
        pages.push(...page.edges.map((e: any) => e.node.id));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      expect(pages).toEqual(all.map((r) => r.id));

      const cnOnly = (await pool.ok(financeKey, 'query($p: ID) { settlements(partnerId: $p, first: 500) { totalCount } }', { p: cn.id }))
        .settlements;
      expect(cnOnly.totalCount).toBe(all.filter((r) => r.partner_id === cn.id).length);
      const middle = all[Math.floor(all.length / 2)]!.settled_at as Date;
      const window = (
        await pool.ok(
          financeKey,
          'query($f: DateTime, $t: DateTime) { settlements(from: $f, to: $t, first: 500) { edges { node { id settledAt } } } }',
          {
            f: middle.toISOString(),
            t: new Date(middle.getTime() + 1).toISOString(),
          },
        )
      ).settlements.edges.map((e: any) => e.node.id);
      expect(window.sort()).toEqual(
        all
          .filter((r) => (r.settled_at as Date).getTime() === middle.getTime())
          .map((r) => r.id)
          .sort(),
      );
    });

    it.each([
      ['first: 0', /first must be between 1 and 500/],
      ['first: 501', /first must be between 1 and 500/],
      ['after: "nonsense"', /after is not a cursor/],
      ['from: "yesterday"', /DateTime must be an ISO-8601/],
    ])('answers settlements(%s) with BAD_USER_INPUT', async (args, message) => {
      const res = await stack.gql(financeKey, `{ settlements(${args}) { totalCount } }`);
      expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.message).toMatch(message);
    });
  });

  describe('inventory in the books', () => {
    it('books each lot received, Dr INVENTORY / Cr FLEET_CAPITAL at cost, and nothing for a refused one', async () => {
      const lot = (
        await pool.ok(stack.adminKey, ReceiveInventoryDocument, {
          input: { skuCode: 'H20', regionCode: 'cn-guangzhou', quantity: 1234, unitCost: '95300.01' },
        })
      ).receiveInventory;
      const [entry] = await sql(`SELECT id, currency FROM journal_entry WHERE source_type = 'lot' AND source_id = $1`, [lot.id]);
      expect(entry.currency).toBe('CNY');
      expect(await postings(entry.id)).toEqual([
        ['INVENTORY', '117600212.34'],
        ['FLEET_CAPITAL', '-117600212.34'],
      ]);
      const [{ n: before }] = await sql('SELECT count(*)::int AS n FROM journal_entry');
      const refused = await stack.gql(stack.adminKey, ReceiveInventoryDocument, {
        input: { skuCode: 'NO-SUCH-GPU', regionCode: 'cn-guangzhou', quantity: 5, unitCost: '1.00' },
      });
      expect(codesOf(refused)).toEqual(['NOT_FOUND']);
      expect(await sql('SELECT count(*)::int AS n FROM journal_entry')).toEqual([{ n: before }]);
    });

    it('keeps every promise of the ledger: balanced entries, receivables, inventory + COGS = cost of all lots, holds', async () => {
      await settlements.settleMany(
        (await sql('SELECT f.id FROM fill f LEFT JOIN settlement s ON s.fill_id = f.id WHERE s.id IS NULL')).map((r) => r.id),
      );
      expect(await settlementViolations(stack.dataSource)).toEqual({});
    });
  });
});
