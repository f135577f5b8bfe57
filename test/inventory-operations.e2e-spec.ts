import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource, EntityManager } from 'typeorm';
import { ApiKeyService } from '@gpupool/identity';
import {
  CatalogService,
  DEMO_FLEET,
  importLots,
  importPrincipal,
  InventoryCommandService,
  InventoryErrorCode,
  InventoryService,
  loadDemoFleet,
  LotImportProgress,
} from '@gpupool/inventory';
import { AuthPrincipal, Decimal, ErrorCode, Role } from '@gpupool/platform';
import { LotImportModule } from '../scripts/import-lots';
import { createTestDatabase, TestDatabase } from './support/database';
import { setProcessEnv, stackEnv } from './support/stack';

/** The services the import script and the trading work use, wired as the import script wires them. */
describe('inventory operations: demo fleet, FIFO cost relief, commits under the cap, CSV import', () => {
  let db: TestDatabase;
  let restoreEnv: (() => void) | undefined;
  let app: INestApplicationContext;
  let dataSource: DataSource;
  let inventory: InventoryService;
  let commands: InventoryCommandService;
  let catalog: CatalogService;
  let apiKeys: ApiKeyService;
  let admin: AuthPrincipal;
  let operatorKey: string;
  let financeKey: string;

  const tx = <T>(work: (em: EntityManager) => Promise<T>) => dataSource.transaction(work);
  const count = async (table: string) => Number((await dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const counts = async () => ({
    lots: await count('inventory_lot'),
    markets: await count('market'),
    audits: await count('audit_event'),
    changes: await count('share_change'),
  });
  const receive = (skuCode: string, regionCode: string, quantity: number, unitCost: string) =>
    commands.receiveInventory(admin, { skuCode, regionCode, quantity, unitCost: new Decimal(unitCost) });
  const marketOf = async (skuCode: string, regionCode: string) => (await inventory.findMarket(skuCode, regionCode))!;
  const remaining = async (marketId: string) =>
    (
      await dataSource.query('SELECT remaining_quantity AS r FROM inventory_lot WHERE market_id = $1 ORDER BY received_at, id', [marketId])
    ).map((row: { r: number }) => row.r);
  const newSku = (code: string) => catalog.upsertSku(admin, { code, vendor: 'Test', name: code, memoryGb: 80 });

  beforeAll(async () => {
    db = await createTestDatabase();
    const adminKey = `admin-${randomBytes(16).toString('hex')}`;
    restoreEnv = setProcessEnv(stackEnv(db, adminKey));
    app = await NestFactory.createApplicationContext(LotImportModule, { logger: false });
    dataSource = app.get(DataSource);
    inventory = app.get(InventoryService);
    commands = app.get(InventoryCommandService);
    catalog = app.get(CatalogService);
    apiKeys = app.get(ApiKeyService);
    await apiKeys.ensureBootstrapAdmin(adminKey);
    admin = (await apiKeys.authenticate(adminKey))!;
    operatorKey = (await apiKeys.issue(admin, { role: Role.OPERATOR, label: 'import desk' })).key;
    financeKey = (await apiKeys.issue(admin, { role: Role.FINANCE, label: 'finance desk' })).key;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
    restoreEnv?.();
  });

  describe('demo fleet', () => {
    it('loads in the caller’s transaction: a failure after it leaves nothing behind', async () => {
      const before = await counts();
      const shareBefore = (await inventory.sharePolicy()).globalPercent.toFixed(2);
      await expect(
        tx(async (em) => {
          await loadDemoFleet(em, admin, inventory);
          throw new Error('abort after loading');
        }),
      ).rejects.toThrow('abort after loading');
      expect(await counts()).toEqual(before);
      expect((await inventory.sharePolicy()).globalPercent.toFixed(2)).toBe(shareBefore);
    });

    it('receives about 1,000,000 GPUs at realistic costs, shares 8 % and offers most markets above cost', async () => {
      // What other tests left behind is not the fleet's: it is told apart by what existed before the load.
      const ids = async (table: string) => (await dataSource.query(`SELECT id::text FROM ${table}`)).map((r: { id: string }) => r.id);
      const [lotsBefore, auditsBefore] = [await ids('inventory_lot'), await ids('audit_event')];
      const marketsBefore = new Set((await inventory.markets(admin, {})).map((m) => m.id));
      const historyBefore = (await inventory.shareHistory(4)).map((c) => c.reason);
      await tx((em) => loadDemoFleet(em, admin, inventory));
      const [{ units, cost, min, max }] = await dataSource.query(
        `SELECT sum(quantity) AS units, sum(quantity * unit_cost) AS cost, min(unit_cost) AS min, max(unit_cost) AS max
           FROM inventory_lot WHERE id::text <> ALL($1::text[])`,
        [lotsBefore],
      );
      expect(Number(units)).toBe(1_000_000);
      expect(new Decimal(cost).gt('100000000000')).toBe(true);
      expect(new Decimal(min).gte(50_000) && new Decimal(max).lte(300_000)).toBe(true);

      const policy = await inventory.sharePolicy();
      expect(policy.globalPercent.toFixed(2)).toBe('8.00');
      expect((await inventory.shareHistory(5)).map((c) => c.reason)).toEqual([
        'Demo fleet: 8 % of every market on offer to partners',
        ...historyBefore,
      ]);

      const markets = (await inventory.markets(admin, {})).filter((m) => !marketsBefore.has(m.id));
      expect(markets).toHaveLength(DEMO_FLEET.length);
      const offered = markets.filter((m) => m.askPrice !== null);
      expect(offered.length).toBeGreaterThanOrEqual(markets.length * 0.75);
      expect(offered.length).toBeLessThan(markets.length);
      for (const market of markets) {
        expect(market.capUnits).toBe(Math.floor((market.totalUnits * 8) / 100));
        expect(market.availableUnits).toBe(market.capUnits);
      }
      expect(markets.filter((m) => m.sku.code === 'H100').map((m) => m.region.code)).toEqual(['ap-singapore']);
      const costs: { market_id: string; average: string }[] = await dataSource.query(
        `SELECT market_id, sum(quantity * unit_cost) / sum(quantity) AS average FROM inventory_lot
          WHERE id::text <> ALL($1::text[]) GROUP BY market_id`,
        [lotsBefore],
      );
      for (const { market_id, average } of costs) {
        const ask = markets.find((m) => m.id === market_id)!.askPrice;
        if (ask) expect(ask.gt(average)).toBe(true);
      }
      const actors = await dataSource.query('SELECT DISTINCT actor_id FROM audit_event WHERE id::text <> ALL($1::text[])', [auditsBefore]);
      expect(actors).toEqual([{ actor_id: admin.id }]);
    });
  });

  describe('FIFO cost relief', () => {
    let sku = 0;
    let skuCode: string;
    let marketId: string;

    // Each test gets a market of its own: lots of 10 at 100.00, 5 at 200.50 and 20 at 99.99, oldest first.
    beforeEach(async () => {
      skuCode = `FIFO-LOTS-${++sku}`;
      await newSku(skuCode);
      await receive(skuCode, 'cn-beijing', 10, '100.00');
      await receive(skuCode, 'cn-beijing', 5, '200.50');
      await receive(skuCode, 'cn-beijing', 20, '99.99');
      marketId = (await marketOf(skuCode, 'cn-beijing')).id;
    });
    /** Relieves the first 25 units, leaving 10 in the newest lot. */
    const relieveFirst25 = async () => {
      await tx((em) => inventory.relieveFifo(em, marketId, 25));
      expect(await remaining(marketId)).toEqual([0, 0, 10]);
    };

    it('takes units from the oldest lots first and returns their exact cost', async () => {
      expect((await tx((em) => inventory.relieveFifo(em, marketId, 12))).toFixed(2)).toBe('1401.00');
      expect(await remaining(marketId)).toEqual([0, 3, 20]);
      expect((await tx((em) => inventory.relieveFifo(em, marketId, 13))).toFixed(2)).toBe('1601.40');
      expect(await remaining(marketId)).toEqual([0, 0, 10]);
    });

    it('throws when fewer units remain, and the transaction changes nothing', async () => {
      await relieveFirst25();
      await expect(tx((em) => inventory.relieveFifo(em, marketId, 11))).rejects.toThrow(/10 units left at cost; 11/);
      expect(await remaining(marketId)).toEqual([0, 0, 10]);
      await expect(tx((em) => inventory.relieveFifo(em, marketId, 0))).rejects.toThrow(RangeError);
      await expect(tx((em) => inventory.relieveFifo(em, marketId, 1.5))).rejects.toThrow(RangeError);
    });

    it('never changes what was received: quantities, costs and the market total stay', async () => {
      await relieveFirst25();
      expect((await tx((em) => inventory.relieveFifo(em, marketId, 10))).toFixed(2)).toBe('999.90');
      expect(await remaining(marketId)).toEqual([0, 0, 0]);
      expect((await marketOf(skuCode, 'cn-beijing')).totalUnits).toBe(35);
      const lots = await inventory.inventoryLots({ skuCode });
      expect(lots.map((l) => [l.quantity, l.unitCost.toFixed(2), l.remainingQuantity])).toEqual([
        [10, '100.00', 0],
        [5, '200.50', 0],
        [20, '99.99', 0],
      ]);
      await expect(dataSource.query('UPDATE inventory_lot SET quantity = quantity + 1 WHERE market_id = $1', [marketId])).rejects.toThrow(
        /only remaining_quantity may change/,
      );
      await expect(
        dataSource.query('UPDATE inventory_lot SET remaining_quantity = quantity + 1 WHERE market_id = $1', [marketId]),
      ).rejects.toThrow(/inventory_lot_remaining/);
      await expect(dataSource.query('DELETE FROM inventory_lot WHERE market_id = $1', [marketId])).rejects.toThrow(/append-only/);
    });

    it('relieves each unit once when settlements run at the same time', async () => {
      await newSku('FIFO-2');
      await receive('FIFO-2', 'cn-shanghai', 10, '1.10');
      await receive('FIFO-2', 'cn-shanghai', 10, '2.20');
      await receive('FIFO-2', 'cn-shanghai', 10, '3.30');
      const id = (await marketOf('FIFO-2', 'cn-shanghai')).id;
      const costs = await Promise.all(Array.from({ length: 6 }, () => tx((em) => inventory.relieveFifo(em, id, 5))));
      expect(costs.reduce((sum, c) => sum.plus(c), new Decimal(0)).toFixed(2)).toBe('66.00');
      expect(await remaining(id)).toEqual([0, 0, 0]);
      await expect(tx((em) => inventory.relieveFifo(em, id, 1))).rejects.toThrow(/0 units left/);
    });
  });

  describe('commits under the cap', () => {
    let sku = 0;
    let skuCode: string;
    let marketId: string;

    // Each test gets a market of its own: 1,000 units at 9.99 %, none committed.
    beforeEach(async () => {
      skuCode = `COMMIT-CAP-${++sku}`;
      await newSku(skuCode);
      await receive(skuCode, 'cn-beijing', 1_000, '1000.00');
      await commands.setSellableShare(admin, { percent: new Decimal('9.99'), skuCode, reason: 'commit test' });
      marketId = (await marketOf(skuCode, 'cn-beijing')).id;
    });

    it('locks a market and shows its numbers; an unknown market is NOT_FOUND', async () => {
      const locked = await tx((em) => inventory.lockMarket(em, marketId));
      expect(locked).toMatchObject({ id: marketId, totalUnits: 1_000, capUnits: 99, committedUnits: 0, availableUnits: 99 });
      expect(locked.effectiveSharePercent.toFixed(2)).toBe('9.99');
      await expect(tx((em) => inventory.lockMarket(em, '00000000-0000-4000-8000-000000000000'))).rejects.toMatchObject({
        code: ErrorCode.NOT_FOUND,
      });
      expect((await inventory.marketsByIds([marketId])).map((m) => m.sku.code)).toEqual([skuCode]);
      expect(await inventory.findMarket(skuCode, 'ap-singapore')).toBeNull();
    });

    it('lets concurrent commits take the cap and not one unit more', async () => {
      const commit = (units: number) => tx(async (em) => inventory.commitUnits(em, await inventory.lockMarket(em, marketId), units));
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => commit(7)));
      const refused = results.filter((r) => r.status === 'rejected');
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(14);
      expect(refused).toHaveLength(6);
      for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: InventoryErrorCode.SHARE_CAP_EXCEEDED });
      expect(await marketOf(skuCode, 'cn-beijing')).toMatchObject({ committedUnits: 98, availableUnits: 1 });
      await expect(commit(2)).rejects.toMatchObject({ code: InventoryErrorCode.SHARE_CAP_EXCEEDED });
      expect((await commit(1)).availableUnits).toBe(0);
      await expect(commit(0)).rejects.toThrow(RangeError);
    });

    it('holds the share steady while a market is locked: a share change waits for the commit', async () => {
      await newSku('COMMIT-2');
      await receive('COMMIT-2', 'cn-beijing', 1_000, '1000.00');
      await commands.setSellableShare(admin, { percent: new Decimal('5'), skuCode: 'COMMIT-2', reason: 'lock test' });
      const id = (await marketOf('COMMIT-2', 'cn-beijing')).id;
      let change: Promise<unknown> | undefined;
      let settled = false;
      await tx(async (em) => {
        const locked = await inventory.lockMarket(em, id);
        expect(locked.capUnits).toBe(50);
        change = commands
          .setSellableShare(admin, { percent: new Decimal('1'), skuCode: 'COMMIT-2', reason: 'lowered during a fill' })
          .finally(() => (settled = true));
        for (let i = 0; i < 100; i++) {
          const waiting = await dataSource.query(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%global_share FOR UPDATE%'`,
          );
          if (Number(waiting[0].n) > 0) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(settled).toBe(false);
        await inventory.commitUnits(em, locked, 50);
        expect(settled).toBe(false);
      });
      await change;
      expect(await marketOf('COMMIT-2', 'cn-beijing')).toMatchObject({ capUnits: 10, committedUnits: 50, availableUnits: 0 });
    });
  });

  describe('CSV import', () => {
    const csv = (text: string) => Readable.from([Buffer.from(text)]);

    it('acts as an ADMIN or OPERATOR key and refuses anything else', async () => {
      const authenticate = (key: string) => apiKeys.authenticate(key);
      expect(await importPrincipal(authenticate, operatorKey)).toMatchObject({ role: Role.OPERATOR, name: 'import desk' });
      await expect(importPrincipal(authenticate, financeKey)).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
      await expect(importPrincipal(authenticate, 'gpk_not-a-key')).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
      await expect(importPrincipal(authenticate, undefined)).rejects.toThrow(/GPUPOOL_API_KEY/);
    });

    it('imports the good lines, each audited as the importer, and reports every bad line with its number and reason', async () => {
      const operator = (await apiKeys.authenticate(operatorKey))!;
      await newSku('CSV-1');
      const before = await counts();
      const file = [
        'skuCode,regionCode,quantity,unitCost,reference',
        'CSV-1,cn-shanghai,100,95000.00,PO-1',
        'CSV-1,cn-shanghai,0,95000.00,',
        'H999,cn-shanghai,5,1.00,',
        '',
        'CSV-1,cn-guangzhou,250,120000.5,"PO-2, rush"',
        'CSV-1,cn-shanghai,10,95000.001,',
        'CSV-1,cn-shanghai,ten,95000,',
        'CSV-1,cn-shanghai,10',
        'CSV-1,cn-guangzhou,40,55000,',
        'CSV-1,"cn-shanghai,5,1.00,',
        'CSV-1,cn-shanghai,1,1e5,',
        `CSV-1,cn-shanghai,1,1.00,${'r'.repeat(201)}`,
        'CSV-1,eu-frankfurt,1,1.00,',
        'CSV-1,cn-shanghai,1,100000000.01,',
        '  CSV-1 , cn-wulanchabu , 7 , 10.00 , trimmed ',
      ].join('\n');
      const progress: LotImportProgress[] = [];
      const report = await importLots(commands, operator, csv(file), (p) => progress.push(p));

      expect(report).toMatchObject({ lines: 14, imported: 4, importedUnits: 397 });
      expect(report.rejected.map((r) => r.line)).toEqual([3, 4, 7, 8, 9, 11, 12, 13, 14, 15]);
      const reasons = Object.fromEntries(report.rejected.map((r) => [r.line, r.reason]));
      expect(reasons[3]).toMatch(/quantity must be between 1 and 10000000/);
      expect(reasons[4]).toMatch(/SKU H999 is not in the catalog/);
      expect(reasons[7]).toMatch(/unitCost must be a decimal > 0, ≤ 100000000, at most 2 decimals/);
      expect(reasons[8]).toMatch(/quantity must be a whole number/);
      expect(reasons[9]).toMatch(/expected 5 fields, got 3/);
      expect(reasons[11]).toMatch(/not a CSV line/);
      expect(reasons[12]).toMatch(/unitCost must be a decimal number/);
      expect(reasons[13]).toMatch(/reference/);
      expect(reasons[14]).toMatch(/Region eu-frankfurt/);
      expect(reasons[15]).toMatch(/unitCost/);

      const lots = await inventory.inventoryLots({ skuCode: 'CSV-1' });
      expect(lots.map((l) => [l.regionCode, l.quantity, l.unitCost.toFixed(2), l.reference])).toEqual([
        ['cn-guangzhou', 250, '120000.50', 'PO-2, rush'],
        ['cn-guangzhou', 40, '55000.00', null],
        ['cn-shanghai', 100, '95000.00', 'PO-1'],
        ['cn-wulanchabu', 7, '10.00', 'trimmed'],
      ]);
      const after = await counts();
      expect(after.lots - before.lots).toBe(4);
      const receipts = await dataSource.query(
        `SELECT actor_id, entity_id FROM audit_event WHERE action = 'inventory.receive' AND entity_id = ANY($1::text[])`,
        [lots.map((l) => l.id)],
      );
      expect(receipts).toHaveLength(4);
      expect(new Set(receipts.map((r: { actor_id: string }) => r.actor_id))).toEqual(new Set([operator.id]));
      expect(after.audits - before.audits).toBe(4 + 3);

      expect(progress).toHaveLength(14);
      expect(progress.at(-1)).toEqual({ bytes: Buffer.byteLength(file) + 1, imported: 4, rejected: 10 });
    });

    it('reads a byte-order mark and CRLF line ends, and lets the reference column be left out', async () => {
      await newSku('CSV-2');
      const report = await importLots(commands, admin, csv('\uFEFFregionCode,skuCode,unitCost,quantity\r\ncn-beijing,CSV-2,1.50,3\r\n'));
      expect(report).toEqual({ lines: 1, imported: 1, importedUnits: 3, rejected: [] });
      expect((await inventory.inventoryLots({ skuCode: 'CSV-2' })).map((l) => [l.quantity, l.unitCost.toFixed(2)])).toEqual([[3, '1.50']]);
    });

    it.each([
      ['an unknown column', 'skuCode,regionCode,quantity,unitCost,colour\nH20,cn-beijing,1,1.00,red\n'],
      ['a missing column', 'skuCode,regionCode,quantity\nH20,cn-beijing,1\n'],
      ['a repeated column', 'skuCode,regionCode,quantity,unitCost,unitCost\nH20,cn-beijing,1,1.00,1.00\n'],
      ['no header', 'H20,cn-beijing,1,1.00,\n'],
      ['nothing at all', ''],
    ])('imports nothing from a file with %s', async (_case, text) => {
      const before = await counts();
      await expect(importLots(commands, admin, csv(text))).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
      expect(await counts()).toEqual(before);
    });
  });
});
