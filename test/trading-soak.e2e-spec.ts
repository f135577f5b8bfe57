import { Queue } from 'bullmq';
import { codesOf, GraphQLResponse } from './support/graphql-client';
import { eventually, Pool } from './support/pool';
import { AppProcess, startWorkerProcess } from './support/processes';
import { settlementProgress, settlementViolations } from './support/settlement-invariants';
import { startStack, TestStack } from './support/stack';
import { seededRandom } from './support/seeded-random';
import { matchingQueue, matchingQuiet, tradingViolations } from './support/trading-invariants';
import type { TimeInForce } from './support/graphql/generated/graphql';

/**
 * The concurrency soak: SOAK_ORDERS orders (2,000 by default; `npm run soak -- --orders N --seed S`
 * runs a longer one) from 20 partners over 16 concurrent lanes on four markets, while an operator
 * raises the share and moves ask prices, partners cancel and replay orders, finance records
 * payments, and two worker processes match and settle. Seeded (printed) for replay. It fails on
 * any INTERNAL_SERVER_ERROR or other unexpected code, any job failed for good, and any broken
 * promise of the books.
 */
const ORDERS = Number(process.env.SOAK_ORDERS ?? 2000);
const SEED = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const LANES = 16;
const PARTNERS = 20;
const MARKETS = [
  { sku: 'ASCEND-910B', region: 'cn-beijing', ask: 100_000 },
  { sku: 'ASCEND-910C', region: 'cn-shanghai', ask: 150_000 },
  { sku: 'MLU370', region: 'cn-guangzhou', ask: 60_000 },
  { sku: 'H20', region: 'cn-beijing', ask: 110_000 },
];
/** Refusals a valid request may meet under this load; anything else fails the soak. */
const EXPECTED_REFUSALS = new Set(['INSUFFICIENT_CREDIT', 'EXPORT_LICENSE_REQUIRED', 'ORDER_NOT_CANCELLABLE']);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Generous: a shared machine under load places a few dozen orders a second.
jest.setTimeout(180_000 + ORDERS * 300);

describe(`trading soak: ${ORDERS} orders, ${PARTNERS} partners, ${LANES} lanes, two workers (seed ${SEED})`, () => {
  let stack: TestStack;
  let pool: Pool;
  let workers: AppProcess[];
  let queues: Queue[];
  let partners: { id: string; key: string }[];

  beforeAll(async () => {
    console.log(`trading soak: SOAK_SEED=${SEED} SOAK_ORDERS=${ORDERS} (replay: npm run soak -- --orders ${ORDERS} --seed ${SEED})`);
    stack = await startStack({ env: { SWEEP_INTERVAL_MS: '2000', RATE_LIMIT_PER_SECOND: '0' } });
    workers = await Promise.all([startWorkerProcess(stack.env), startWorkerProcess(stack.env)]);
    pool = new Pool(stack);
    queues = [matchingQueue(stack), new Queue('settlement', { connection: { url: stack.env.REDIS_URL }, prefix: stack.env.QUEUE_PREFIX })];
    partners = [];
    for (let i = 0; i < PARTNERS; i++) {
      // A few partners run close to their credit limit, so INSUFFICIENT_CREDIT happens under load.
      const limit = i % 5 === 4 ? '3000000.00' : '100000000000.00';
      partners.push(await pool.partner(`Soak Partner ${i}`, i % 2 === 0 ? 'CN' : 'SG', limit));
    }
    for (const [i, partner] of partners.entries()) {
      if (i % 2 !== 0) continue; // CN partners need a license for the H20, and some run out of it
      await pool.ok(stack.adminKey, 'mutation($i: GrantExportLicenseInput!) { grantExportLicense(input: $i) { id } }', {
        i: { partnerId: partner.id, skuCode: 'H20', quantity: 40, validUntil: '2099-01-01T00:00:00Z', reference: `EAR-soak-${i}` },
      });
    }
    for (const market of MARKETS) {
      await pool.receive(market.sku, market.region, 40_000, `${market.ask * 0.8}.00`);
      await pool.ask(market.sku, market.region, `${market.ask}.00`);
    }
    await pool.share('0.50'); // cap 200 a market at first: the cap binds while orders arrive
  });
  afterAll(async () => {
    await Promise.all((workers ?? []).map((worker) => worker.kill()));
    await Promise.all((queues ?? []).map((queue) => queue.close()));
    await stack?.close();
  });

  it('answers every request with data or an expected refusal, fails no job, and keeps every book right', async () => {
    const next = seededRandom(SEED).below;
    const unexpected: { what: string; errors: GraphQLResponse['errors'] }[] = [];
    const counts = { placed: 0, refused: 0, busyRetries: 0, replays: 0, cancels: 0, payments: 0, moves: 0 };
    const check = (what: string, res: GraphQLResponse, allowed = EXPECTED_REFUSALS) => {
      const codes = codesOf(res);
      if (codes.some((code) => !allowed.has(code!))) unexpected.push({ what, errors: res.errors });
      return codes;
    };
    /** A request answered SERVICE_BUSY is sent again as is (the same clientOrderId), as the README tells clients to. */
    const send = async (what: string, request: () => Promise<GraphQLResponse>) => {
      for (let attempt = 0; ; attempt++) {
        const res = await request();
        if (!codesOf(res).includes('SERVICE_BUSY') || attempt >= 20) return res;
        counts.busyRetries++;
        await sleep(20 + attempt * 20);
      }
    };

    const specs = Array.from({ length: ORDERS }, (_, i) => {
      const market = MARKETS[next(MARKETS.length)]!;
      const roll = next(100);
      return {
        who: partners[next(PARTNERS)]!,
        input: {
          clientOrderId: `soak-${SEED}-${i}`,
          skuCode: market.sku,
          regionCode: market.region,
          quantity: 1 + next(roll < 5 ? 60 : 8),
          limitPrice: `${market.ask - 3_000 + next(60) * 250}.${String(next(100)).padStart(2, '0')}`,
          timeInForce: (roll % 10 === 0 ? 'IOC' : roll % 10 === 1 ? 'FOK' : 'GTC') as TimeInForce,
        },
        cancel: next(8) === 0,
        replay: next(20) === 0,
      };
    });

    let done = false;
    const lanes = Array.from({ length: LANES }, async (_, lane) => {
      for (let i = lane; i < specs.length; i += LANES) {
        const { who, input, cancel, replay } = specs[i]!;
        const place = () => pool.place(who.key, input);
        const [res, again] = await Promise.all([send(`place ${input.clientOrderId}`, place), replay ? send('replay', place) : undefined]);
        const codes = check(`place ${input.clientOrderId}`, res);
        if (codes.length > 0) {
          counts.refused++;
          continue;
        }
        counts.placed++;
        if ((counts.placed + counts.refused) % 1000 === 0) {
          console.log(`trading soak: ${counts.placed + counts.refused} orders answered, ${unexpected.length} unexpected answers`);
        }
        const id = res.data!.placeOrder.id as string;
        if (again) {
          counts.replays++;
          // A concurrent replay answers with the same order, or with the refusal the first request met.
          if (!codesOf(again).length && again.data!.placeOrder.id !== id)
            unexpected.push({ what: 'replay answered another order', errors: [] });
          check(`replay ${input.clientOrderId}`, again);
        }
        if (cancel) {
          counts.cancels++;
          check(`cancel ${id}`, await send(`cancel ${id}`, () => pool.cancel(who.key, id)));
        }
      }
    });

    // An operator raises the share step by step and moves ask prices; finance records payments.
    const operator = (async () => {
      const shares = ['1.00', '1.50', '2.00', '3.00', '4.00', '5.00'];
      for (let step = 0; !done; step++) {
        await sleep(400);
        const market = MARKETS[next(MARKETS.length)]!;
        const price = `${market.ask + (next(5) - 2) * 1_000}.00`;
        const moves = [
          send('ask', () =>
            stack.gql(stack.adminKey, 'mutation($i: SetAskPriceInput!) { setAskPrice(input: $i) { askPrice } }', {
              i: { skuCode: market.sku, regionCode: market.region, price },
            }),
          ),
        ];
        if (step % 3 === 0 && step / 3 < shares.length) {
          moves.push(
            send('share', () =>
              stack.gql(stack.adminKey, 'mutation($i: SetSellableShareInput!) { setSellableShare(input: $i) { globalPercent } }', {
                i: { percent: shares[step / 3], reason: 'soak: demand' },
              }),
            ),
          );
        }
        for (const res of await Promise.all(moves)) check('operator move', res, new Set());
        counts.moves += moves.length;
      }
    })();
    const finance = (async () => {
      for (let n = 0; !done; n++) {
        await sleep(150);
        const partner = partners[next(PARTNERS)]!;
        const [{ receivable }] = await stack.dataSource.query('SELECT receivable FROM partner WHERE id = $1', [partner.id]);
        const half = (BigInt(String(receivable).replace('.', '')) / 2n).toString().padStart(3, '0');
        if (half === '000') continue;
        const amount = `${half.slice(0, -2)}.${half.slice(-2)}`;
        const res = await send('payment', () =>
          stack.gql(stack.adminKey, 'mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { id } }', {
            i: { partnerId: partner.id, amount, reference: `soak-pay-${SEED}-${n}` },
          }),
        );
        check('payment', res, new Set());
        counts.payments++;
      }
    })();

    const started = Date.now();
    await Promise.all(lanes);
    done = true;
    await Promise.all([operator, finance]);
    const placedIn = (Date.now() - started) / 1000;
    await pool.share('6.00'); // the last share: every cap below is checked against it
    await matchingQuiet(stack, queues[0]!, 120_000);
    await eventually(
      () => settlementProgress(stack.dataSource),
      (p) => p.fills === p.settlements,
      120_000,
    );

    const [matching, settlement] = await Promise.all(queues.map((queue) => queue.getJobCounts('failed', 'completed')));
    const [{ fills, sold }] = await stack.dataSource.query(
      'SELECT count(*)::int AS fills, COALESCE(sum(quantity), 0)::int AS sold FROM fill',
    );
    console.log(
      `trading soak (seed ${SEED}): ${ORDERS} orders in ${placedIn.toFixed(1)} s (${(ORDERS / placedIn).toFixed(0)}/s); ` +
        `${JSON.stringify(counts)}; ${fills} fills, ${sold} units; match runs ${matching!.completed}, settle jobs ${settlement!.completed}`,
    );

    expect(unexpected.slice(0, 5)).toEqual([]);
    expect(counts.placed).toBeGreaterThan(ORDERS / 2);
    expect(fills).toBeGreaterThan(0);
    expect({ matching: matching!.failed, settlement: settlement!.failed }).toEqual({ matching: 0, settlement: 0 });
    // The share only rose, so the last cap bounds every fill's cap; each market sold at most it.
    for (const market of MARKETS) {
      const view = await pool.market(market.sku, market.region);
      expect({ market: market.sku, over: view.committedUnits! > view.capUnits! }).toEqual({ market: market.sku, over: false });
    }
    expect(await tradingViolations(stack.dataSource)).toEqual({});
    expect(await settlementViolations(stack.dataSource, true)).toEqual({});
    for (const worker of workers) expect(worker.log()).not.toMatch(/"level":50/);
  });
});
