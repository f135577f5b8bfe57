import { DataSource, QueryFailedError } from 'typeorm';
import {
  dataSourceOptions,
  ErrorCode,
  formatGraphQLError,
  retryOnConflict,
  SentStatements,
  ServiceBusyError,
  transactionWithRetry,
} from '@gpupool/platform';
import { createTestDatabase, TestDatabase } from './support/database';

describe('transactions retried whole on lock conflicts, SERVICE_BUSY when the retries run out', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(db.url, [], [], 6)).initialize();
    await dataSource.query('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)');
    await dataSource.query('INSERT INTO counter VALUES (1, 0), (2, 0)');
  });
  beforeEach(() => dataSource.query('UPDATE counter SET n = 0'));
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('runs both sides of a real deadlock to completion: the victim is run again, and each adds exactly once', async () => {
    let started = 0;
    const bothHoldTheirFirstRow = new Promise<void>((resolve) => {
      const check = setInterval(() => started >= 2 && (clearInterval(check), resolve()), 5);
    });
    let attempts = 0;
    const side = (first: number, second: number) =>
      transactionWithRetry(dataSource, async (em) => {
        attempts++;
        await em.query('UPDATE counter SET n = n + 1 WHERE id = $1', [first]);
        started++;
        await bothHoldTheirFirstRow; // the second attempt passes straight through
        await em.query('UPDATE counter SET n = n + 1 WHERE id = $1', [second]);
      });
    await Promise.all([side(1, 2), side(2, 1)]);
    expect(attempts).toBe(3);
    expect(await dataSource.query('SELECT id, n FROM counter ORDER BY id')).toEqual([
      { id: 1, n: 2 },
      { id: 2, n: 2 },
    ]);
  });

  it('retries a deadlock in a statement sent ahead: the first failure decides, not the aborted statements after it', async () => {
    let started = 0;
    const bothHoldTheirFirstRow = new Promise<void>((resolve) => {
      const check = setInterval(() => started >= 2 && (clearInterval(check), resolve()), 5);
    });
    const failures: string[] = [];
    let attempts = 0;
    const side = (first: number, second: number) =>
      transactionWithRetry(dataSource, async (em) => {
        attempts++;
        const sent = new SentStatements();
        await sent
          .settledAfter(async () => {
            await sent.add(em.query('UPDATE counter SET n = n + 1 WHERE id = $1', [first]));
            started++;
            await bothHoldTheirFirstRow;
            sent.add(em.query('UPDATE counter SET n = n + 1 WHERE id = $1', [second])); // not awaited: the victim deadlocks here
            const read = sent.add(em.query('SELECT n FROM counter WHERE id = $1', [first])); // then fails as "transaction aborted"
            await read;
          })
          .catch((error: { driverError?: { code?: string } }) => {
            failures.push(error.driverError?.code ?? String(error));
            throw error;
          });
      });
    await Promise.all([side(1, 2), side(2, 1)]);
    expect(failures).toEqual(['40P01']);
    expect(attempts).toBe(3);
    expect(await dataSource.query('SELECT id, n FROM counter ORDER BY id')).toEqual([
      { id: 1, n: 2 },
      { id: 2, n: 2 },
    ]);
  });

  it('waits for every statement sent before it answers, and throws nothing when all succeeded', async () => {
    const sent = new SentStatements();
    await dataSource.transaction(async (em) => {
      await sent.settledAfter(async () => {
        for (let i = 0; i < 20; i++) sent.add(em.query('UPDATE counter SET n = n + 1 WHERE id = 1'));
      });
      expect(await em.query('SELECT n FROM counter WHERE id = 1')).toEqual([{ n: 20 }]);
    });
  });

  it('gives up with SERVICE_BUSY after its attempts when the lock never comes, having written nothing', async () => {
    const holder = dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query('SELECT * FROM counter WHERE id = 1 FOR UPDATE');
    let attempts = 0;
    try {
      const busy = transactionWithRetry(dataSource, async (em) => {
        attempts++;
        await em.query(`SET LOCAL lock_timeout = '20ms'`);
        await em.query('UPDATE counter SET n = n + 100 WHERE id = 2');
        await em.query('UPDATE counter SET n = n + 100 WHERE id = 1');
      });
      await expect(busy).rejects.toBeInstanceOf(ServiceBusyError);
      await expect(busy).rejects.toMatchObject({ code: ErrorCode.SERVICE_BUSY, sqlState: '55P03' });
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    expect(attempts).toBe(6);
    expect(await dataSource.query('SELECT id, n FROM counter ORDER BY id')).toEqual([
      { id: 1, n: 0 },
      { id: 2, n: 0 },
    ]);
  });

  it('throws any other error at once, without a second attempt', async () => {
    let attempts = 0;
    const failing = retryOnConflict(async () => {
      attempts++;
      await dataSource.query('SELECT 1 / 0');
    });
    await expect(failing).rejects.toBeInstanceOf(QueryFailedError);
    expect(attempts).toBe(1);
  });

  it('answers a lock conflict that reached the edge without a retry as SERVICE_BUSY, never INTERNAL_SERVER_ERROR', async () => {
    const error = await dataSource.query(`SELECT 1 / 0`).catch((e: QueryFailedError) => e);
    Object.assign((error as QueryFailedError).driverError, { code: '40P01' });
    const formatted = formatGraphQLError({ message: 'deadlock detected', path: ['placeOrder'] }, error);
    expect(formatted.extensions).toEqual({ code: ErrorCode.SERVICE_BUSY });
    expect(formatted.message).toMatch(/same clientOrderId/);
  });
});
