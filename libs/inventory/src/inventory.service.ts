import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Account, LedgerService } from '@gpupool/ledger';
import { AuditService, AuthPrincipal, bigintCountTransformer, Decimal, formatDecimal, NotFoundError, Role, ZERO } from '@gpupool/platform';
import { GlobalShare } from './global-share.entity';
import { InventoryLot } from './inventory-lot.entity';
import {
  capReached,
  MAX_MARKET_UNITS,
  marketTooLarge,
  noMarket,
  noShareOverride,
  shareCapExceeded,
  unknownRegion,
  unknownSku,
} from './inventory.errors';
import { ReceiveInventoryInput, SetAskPriceInput, SetSellableShareInput } from './inventory.models';
import { Market } from './market.entity';
import { MarketView, readMarketViews, readMarketViewsById } from './market-view';
import { Region } from './region.entity';
import { ShareChange } from './share-change.entity';
import { ShareOverride } from './share-override.entity';
import { Sku } from './sku.entity';

const SHARE_LIMIT = new Decimal(10);
const FIFO_BATCH = 100;
/** The source type of the journal entry that brings a received lot into the books. */
export const LOT_SOURCE = 'lot';

/** The result of a change, and the offered markets whose supply it may have grown (to match after commit). */
export interface SupplyChange<T> {
  result: T;
  marketIds: string[];
}

export interface InventoryLotView {
  id: string;
  skuCode: string;
  regionCode: string;
  quantity: number;
  remainingQuantity: number;
  unitCost: Decimal;
  receivedAt: Date;
  reference: string | null;
}

export interface SharePolicyView {
  globalPercent: Decimal;
  overrides: { skuCode: string; percent: Decimal }[];
}

export interface ShareChangeView {
  id: string;
  skuCode: string | null;
  oldPercent: Decimal | null;
  newPercent: Decimal | null;
  reason: string;
  actorId: string;
  at: Date;
}

export interface LotFilter {
  skuCode?: string | null;
  regionCode?: string | null;
}

interface LotRow {
  id: string;
  quantity: number;
  remaining_quantity: number;
  unit_cost: string;
  received_at: Date;
  reference: string | null;
  sku_code: string;
  region_code: string;
}

const decimalOrNull = (value: string | null) => (value == null ? null : new Decimal(value));

/**
 * Inventory lots, markets and the sellable share. Writes take the caller's entity manager, so a
 * change, its audit row and its share history commit together; the caller asks for matching of
 * the returned markets after the commit.
 */
@Injectable()
export class InventoryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly ledger: LedgerService,
  ) {}

  /** Every market for staff; a partner sees only offered ones. */
  markets(principal: AuthPrincipal, filter: { skuCode?: string | null; regionCode?: string | null }): Promise<MarketView[]> {
    return readMarketViews(this.dataSource.manager, { ...filter, offeredOnly: principal.role === Role.PARTNER });
  }

  marketsByIds(ids: readonly string[], em: EntityManager = this.dataSource.manager): Promise<MarketView[]> {
    return readMarketViewsById(em, ids);
  }

  /** The currency of each market, by id (no fleet numbers: cheap). */
  async currencies(ids: readonly string[]): Promise<Map<string, string>> {
    const rows: { id: string; currency: string }[] = await this.dataSource.query(
      'SELECT id, currency FROM market WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.currency]));
  }

  async findMarket(skuCode: string, regionCode: string, em: EntityManager = this.dataSource.manager): Promise<MarketView | null> {
    const [market] = await readMarketViews(em, { skuCode, regionCode });
    return market ?? null;
  }

  /**
   * Locks the market row (FOR NO KEY UPDATE: runs of one market wait for each other, while orders
   * and fills that only reference the market do not wait for a run) and holds the sellable share
   * steady (FOR SHARE on the global share row, which every share change locks first) until the
   * transaction ends; returns its numbers.
   */
  async lockMarket(em: EntityManager, marketId: string): Promise<MarketView> {
    const locked: unknown[] = await em.query('SELECT id FROM market WHERE id = $1 FOR NO KEY UPDATE', [marketId]);
    if (locked.length === 0) throw new NotFoundError('Market', marketId);
    await em.query('SELECT id FROM global_share FOR SHARE');
    const [market] = await readMarketViewsById(em, [marketId]);
    return market!;
  }

  /** Records `units` as sold from the market; refuses to pass its cap. */
  async commitUnits(em: EntityManager, marketId: string, units: number): Promise<MarketView> {
    if (!Number.isSafeInteger(units) || units < 1) throw new RangeError(`units must be a positive whole number (got ${units})`);
    const market = await this.lockMarket(em, marketId);
    if (units > market.availableUnits) throw capReached(marketId, units, market.availableUnits);
    await em.query('UPDATE market SET committed_units = committed_units + $2 WHERE id = $1', [marketId, units]);
    return { ...market, committedUnits: market.committedUnits + units, availableUnits: market.availableUnits - units };
  }

  /**
   * Takes `units` out of the market's lots first in, first out (received_at, id), under row locks,
   * and returns their exact cost. Throws when fewer units remain.
   */
  async relieveFifo(em: EntityManager, marketId: string, units: number): Promise<Decimal> {
    const [cost] = await this.relieveFifoMany(em, marketId, [units]);
    return cost!;
  }

  /**
   * Takes each of `quantities` in turn out of the market's lots, first in, first out, and returns
   * the exact cost of each: the lots are locked once and updated in one statement. Throws when
   * fewer units remain than all of them together.
   */
  async relieveFifoMany(em: EntityManager, marketId: string, quantities: readonly number[]): Promise<Decimal[]> {
    for (const units of quantities) {
      if (!Number.isSafeInteger(units) || units < 1) throw new RangeError(`units must be a positive whole number (got ${units})`);
    }
    const total = quantities.reduce((sum, units) => sum + units, 0);
    const lots: { id: string; remaining_quantity: number; unit_cost: string; received_at: Date }[] = [];
    let locked = 0;
    while (locked < total) {
      const after = lots.at(-1);
      const page: typeof lots = await em.query(
        `SELECT id, remaining_quantity, unit_cost, received_at FROM inventory_lot
          WHERE market_id = $1 AND remaining_quantity > 0
            AND ($2::timestamptz IS NULL OR (received_at, id) > ($2::timestamptz, $3::uuid))
          ORDER BY received_at, id
          LIMIT ${FIFO_BATCH}
          FOR UPDATE`,
        [marketId, after?.received_at ?? null, after?.id ?? null],
      );
      if (page.length === 0) throw new Error(`market ${marketId} has ${locked} units left at cost; ${total} were to be relieved`);
      for (const lot of page) {
        if (locked >= total) break;
        lots.push(lot);
        locked += lot.remaining_quantity;
      }
    }
    const taken = lots.map(() => 0);
    let lot = 0;
    const costs = quantities.map((units) => {
      let cost = ZERO;
      for (let left = units; left > 0;) {
        if (taken[lot] === lots[lot].remaining_quantity) lot++;
        const take = Math.min(left, lots[lot].remaining_quantity - taken[lot]);
        taken[lot] += take;
        cost = cost.plus(new Decimal(lots[lot].unit_cost).times(take));
        left -= take;
      }
      return cost;
    });
    await em.query(
      `UPDATE inventory_lot l SET remaining_quantity = l.remaining_quantity - u.take
         FROM unnest($1::uuid[], $2::int[]) AS u(id, take) WHERE l.id = u.id`,
      [lots.map((l) => l.id), taken],
    );
    return costs;
  }

  /** Lots in the order their cost leaves inventory (FIFO). */
  async inventoryLots(filter: LotFilter): Promise<InventoryLotView[]> {
    return this.readLots(this.dataSource.manager, filter);
  }

  /** Receives a lot; the first lot of a (SKU, region) opens its market. */
  async receiveInventory(em: EntityManager, actor: AuthPrincipal, input: ReceiveInventoryInput): Promise<SupplyChange<InventoryLotView>> {
    const sku = await this.skuByCode(em, input.skuCode);
    const region = await this.regionByCode(em, input.regionCode);
    const opened = await em
      .createQueryBuilder()
      .insert()
      .into(Market)
      .values({ skuId: sku.id, regionId: region.id })
      .orIgnore()
      .returning('id')
      .execute();
    const [market]: { id: string; ask_price: string | null; currency: string }[] = await em.query(
      'SELECT id, ask_price, currency FROM market WHERE sku_id = $1 AND region_id = $2 FOR NO KEY UPDATE',
      [sku.id, region.id],
    );
    const marketId = market!.id;
    if (opened.raw.length > 0) {
      await this.audit.record(em, actor, {
        action: 'market.open',
        entity: 'Market',
        entityId: marketId,
        after: { skuCode: sku.code, regionCode: region.code, currency: market!.currency },
      });
    }
    const [{ total }]: { total: string }[] = await em.query(
      'SELECT COALESCE(sum(quantity), 0) AS total FROM inventory_lot WHERE market_id = $1',
      [marketId],
    );
    const newTotal = (bigintCountTransformer.from(total) as number) + input.quantity;
    if (newTotal > MAX_MARKET_UNITS) throw marketTooLarge(sku.code, region.code, newTotal);
    const inserted = await em.insert(InventoryLot, {
      marketId,
      quantity: input.quantity,
      remainingQuantity: input.quantity,
      unitCost: input.unitCost,
      reference: input.reference ?? null,
    });
    const lotId = inserted.identifiers[0]!.id as string;
    const cost = input.unitCost.times(input.quantity);
    await this.ledger.post(em, {
      description: `Lot ${lotId}: ${input.quantity} × ${sku.code} received into ${region.code} at ${formatDecimal(input.unitCost)}`,
      sourceType: LOT_SOURCE,
      sourceId: lotId,
      currency: market!.currency,
      lines: [
        { account: Account.INVENTORY, amount: cost },
        { account: Account.FLEET_CAPITAL, amount: cost.neg() },
      ],
    });
    const [lot] = await this.readLots(em, { lotId });
    await this.audit.record(em, actor, {
      action: 'inventory.receive',
      entity: 'InventoryLot',
      entityId: lotId,
      after: {
        marketId,
        skuCode: sku.code,
        regionCode: region.code,
        quantity: lot!.quantity,
        unitCost: lot!.unitCost,
        reference: lot!.reference,
      },
    });
    return { result: lot!, marketIds: market!.ask_price == null ? [] : [marketId] };
  }

  /** Sets or (with null) withdraws the offer of a market. */
  async setAskPrice(em: EntityManager, actor: AuthPrincipal, input: SetAskPriceInput): Promise<SupplyChange<MarketView>> {
    const price = input.price ?? null;
    const sku = await this.skuByCode(em, input.skuCode);
    const region = await this.regionByCode(em, input.regionCode);
    const [market]: { id: string; ask_price: string | null }[] = await em.query(
      'SELECT id, ask_price FROM market WHERE sku_id = $1 AND region_id = $2 FOR NO KEY UPDATE',
      [sku.id, region.id],
    );
    if (!market) throw noMarket(sku.code, region.code);
    const before = decimalOrNull(market.ask_price);
    await em.update(Market, { id: market.id }, { askPrice: price });
    await this.audit.record(em, actor, {
      action: price == null ? 'market.withdraw-offer' : 'market.set-ask-price',
      entity: 'Market',
      entityId: market.id,
      before: { skuCode: sku.code, regionCode: region.code, askPrice: before },
      after: { skuCode: sku.code, regionCode: region.code, askPrice: price },
    });
    const [view] = await readMarketViewsById(em, [market.id]);
    const cheaper = price != null && (before == null || price.lt(before));
    return { result: view!, marketIds: cheaper ? [market.id] : [] };
  }

  async sharePolicy(em: EntityManager = this.dataSource.manager): Promise<SharePolicyView> {
    const global = await em.findOneByOrFail(GlobalShare, { id: true });
    const overrides: { sku_code: string; percent: string }[] = await em.query(
      'SELECT s.code AS sku_code, o.percent FROM share_override o JOIN sku s ON s.id = o.sku_id ORDER BY s.code',
    );
    return { globalPercent: global.percent, overrides: overrides.map((o) => ({ skuCode: o.sku_code, percent: new Decimal(o.percent) })) };
  }

  /** Share changes, newest first. */
  async shareHistory(first: number): Promise<ShareChangeView[]> {
    const rows: {
      id: string;
      sku_code: string | null;
      old_percent: string | null;
      new_percent: string | null;
      reason: string;
      actor_id: string;
      at: Date;
    }[] = await this.dataSource.query(
      `SELECT c.id, s.code AS sku_code, c.old_percent, c.new_percent, c.reason, c.actor_id, c.at
           FROM share_change c LEFT JOIN sku s ON s.id = c.sku_id
          ORDER BY c.seq DESC
          LIMIT $1`,
      [first],
    );
    return rows.map((row) => ({
      id: row.id,
      skuCode: row.sku_code,
      oldPercent: decimalOrNull(row.old_percent),
      newPercent: decimalOrNull(row.new_percent),
      reason: row.reason,
      actorId: row.actor_id,
      at: row.at,
    }));
  }

  /** Sets the global share, or a SKU's override when `skuCode` is given; under 10 % always. */
  async setSellableShare(em: EntityManager, actor: AuthPrincipal, input: SetSellableShareInput): Promise<SupplyChange<SharePolicyView>> {
    if (input.percent.gte(SHARE_LIMIT)) throw shareCapExceeded(input.percent);
    const global = await this.lockGlobalShare(em);
    if (!input.skuCode) {
      await em.update(GlobalShare, { id: true }, { percent: input.percent });
      await this.recordShareChange(em, actor, null, global, input.percent, input.reason);
      const raised = input.percent.gt(global);
      return { result: await this.sharePolicy(em), marketIds: raised ? await this.offeredMarketsOnGlobalShare(em) : [] };
    }
    const sku = await this.skuByCode(em, input.skuCode);
    const override = await em.findOneBy(ShareOverride, { skuId: sku.id });
    if (override) await em.update(ShareOverride, { skuId: sku.id }, { percent: input.percent });
    else await em.insert(ShareOverride, { skuId: sku.id, percent: input.percent });
    await this.recordShareChange(em, actor, sku, override?.percent ?? null, input.percent, input.reason);
    const raised = input.percent.gt(override?.percent ?? global);
    return { result: await this.sharePolicy(em), marketIds: raised ? await this.offeredMarketsOf(em, sku.id) : [] };
  }

  /** Removes a SKU's override: its markets go back to the global share. */
  async clearShareOverride(
    em: EntityManager,
    actor: AuthPrincipal,
    skuCode: string,
    reason: string,
  ): Promise<SupplyChange<SharePolicyView>> {
    const global = await this.lockGlobalShare(em);
    const sku = await this.skuByCode(em, skuCode);
    const override = await em.findOneBy(ShareOverride, { skuId: sku.id });
    if (!override) throw noShareOverride(sku.code);
    await em.delete(ShareOverride, { skuId: sku.id });
    await this.recordShareChange(em, actor, sku, override.percent, null, reason);
    const raised = global.gt(override.percent);
    return { result: await this.sharePolicy(em), marketIds: raised ? await this.offeredMarketsOf(em, sku.id) : [] };
  }

  /** Serializes share changes with each other and with fills holding `lockMarket`; returns the global share. */
  private async lockGlobalShare(em: EntityManager): Promise<Decimal> {
    const [row]: { percent: string }[] = await em.query('SELECT percent FROM global_share FOR UPDATE');
    return new Decimal(row!.percent);
  }

  private async recordShareChange(
    em: EntityManager,
    actor: AuthPrincipal,
    sku: Sku | null,
    oldPercent: Decimal | null,
    newPercent: Decimal | null,
    reason: string,
  ): Promise<void> {
    await em.insert(ShareChange, { skuId: sku?.id ?? null, oldPercent, newPercent, reason, actorId: actor.id });
    const scope = sku ? { skuCode: sku.code } : { scope: 'global' };
    await this.audit.record(em, actor, {
      action: newPercent == null ? 'share.clear-override' : sku ? 'share.set-override' : 'share.set-global',
      entity: 'SharePolicy',
      entityId: sku?.code ?? 'global',
      before: oldPercent == null ? null : { ...scope, percent: oldPercent },
      after: newPercent == null ? null : { ...scope, percent: newPercent },
      reason,
    });
  }

  private async offeredMarketsOnGlobalShare(em: EntityManager): Promise<string[]> {
    const rows: { id: string }[] = await em.query(
      `SELECT m.id FROM market m
        WHERE m.ask_price IS NOT NULL AND NOT EXISTS (SELECT 1 FROM share_override o WHERE o.sku_id = m.sku_id)`,
    );
    return rows.map((r) => r.id);
  }

  private async offeredMarketsOf(em: EntityManager, skuId: string): Promise<string[]> {
    const rows: { id: string }[] = await em.query('SELECT id FROM market WHERE sku_id = $1 AND ask_price IS NOT NULL', [skuId]);
    return rows.map((r) => r.id);
  }

  /** The ids of every market of a SKU, offered or not; NOT_FOUND for a SKU not in the catalog. */
  async marketIdsOfSku(em: EntityManager, skuCode: string): Promise<string[]> {
    const sku = await this.skuByCode(em, skuCode);
    const rows: { id: string }[] = await em.query('SELECT id FROM market WHERE sku_id = $1', [sku.id]);
    return rows.map((r) => r.id);
  }

  /**
   * Says why (SKU, region) has no market: NOT_FOUND for a SKU or region not in the catalog (the
   * same code wherever a catalog code is unknown); returns when both are known.
   */
  async requireCatalogCodes(skuCode: string, regionCode: string, em: EntityManager = this.dataSource.manager): Promise<void> {
    await this.skuByCode(em, skuCode);
    await this.regionByCode(em, regionCode);
  }

  /** The SKU with this code; NOT_FOUND when it is not in the catalog. */
  async skuByCode(em: EntityManager, code: string): Promise<Sku> {
    const sku = await em.findOneBy(Sku, { code });
    if (!sku) throw unknownSku(code);
    return sku;
  }

  private async regionByCode(em: EntityManager, code: string): Promise<Region> {
    const region = await em.findOneBy(Region, { code });
    if (!region) throw unknownRegion(code);
    return region;
  }

  private async readLots(em: EntityManager, filter: LotFilter & { lotId?: string }): Promise<InventoryLotView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (filter.lotId) where.push(`l.id = ${param(filter.lotId)}`);
    if (filter.skuCode != null) where.push(`s.code = ${param(filter.skuCode)}`);
    if (filter.regionCode != null) where.push(`r.code = ${param(filter.regionCode)}`);
    const rows: LotRow[] = await em.query(
      `SELECT l.id, l.quantity, l.remaining_quantity, l.unit_cost, l.received_at, l.reference,
              s.code AS sku_code, r.code AS region_code
         FROM inventory_lot l
         JOIN market m ON m.id = l.market_id
         JOIN sku s ON s.id = m.sku_id
         JOIN region r ON r.id = m.region_id
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY s.code, r.code, l.received_at, l.id`,
      params,
    );
    return rows.map((row) => ({
      id: row.id,
      skuCode: row.sku_code,
      regionCode: row.region_code,
      quantity: row.quantity,
      remainingQuantity: row.remaining_quantity,
      unitCost: new Decimal(row.unit_cost),
      receivedAt: row.received_at,
      reference: row.reference,
    }));
  }
}
