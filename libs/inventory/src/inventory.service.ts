import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Account, LedgerService } from '@gpupool/ledger';
import { AuditService, AuthPrincipal, Decimal, formatDecimal, NotFoundError, Role, ZERO } from '@gpupool/platform';
import { InventoryLotRepository, InventoryLotView, LotFilter, RemainingLot } from './inventory-lot.repository';
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
import { MarketRepository } from './market.repository';
import { MarketView } from './market-view';
import { Region } from './region.entity';
import { SharePolicyRepository, SharePolicyView, ShareChangeView } from './share-policy.repository';
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

/**
 * Inventory lots, markets and the sellable share. Writes take the caller's entity manager, so a
 * change, its audit row and its share history commit together; the caller asks for matching of
 * the returned markets after the commit.
 */
@Injectable()
export class InventoryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly marketRows: MarketRepository,
    private readonly lots: InventoryLotRepository,
    private readonly shares: SharePolicyRepository,
    private readonly audit: AuditService,
    private readonly ledger: LedgerService,
  ) {}

  /** Every market for staff; a partner sees only offered ones. */
  markets(principal: AuthPrincipal, filter: { skuCode?: string | null; regionCode?: string | null }): Promise<MarketView[]> {
    return this.marketRows.views(this.dataSource.manager, { ...filter, offeredOnly: principal.role === Role.PARTNER });
  }

  marketsByIds(ids: readonly string[], em: EntityManager = this.dataSource.manager): Promise<MarketView[]> {
    return this.marketRows.viewsById(em, ids);
  }

  /** The currency of each market, by id (no fleet numbers: cheap). */
  currencies(ids: readonly string[]): Promise<Map<string, string>> {
    return this.marketRows.currencies(ids);
  }

  /** The id of every market. */
  marketIds(): Promise<string[]> {
    return this.marketRows.ids();
  }

  async findMarket(skuCode: string, regionCode: string, em: EntityManager = this.dataSource.manager): Promise<MarketView | null> {
    const [market] = await this.marketRows.views(em, { skuCode, regionCode });
    return market ?? null;
  }

  /**
   * Locks the market row (FOR NO KEY UPDATE: runs of one market wait for each other, while orders
   * and fills that only reference the market do not wait for a run) and holds the sellable share
   * steady (FOR SHARE on the global share row, which every share change locks first) until the
   * transaction ends; returns its numbers.
   */
  async lockMarket(em: EntityManager, marketId: string): Promise<MarketView> {
    if (!(await this.marketRows.lock(em, marketId))) throw new NotFoundError('Market', marketId);
    await this.shares.holdSteady(em);
    return (await this.marketRows.viewById(em, marketId))!;
  }

  /**
   * Records `units` as sold from a market the caller locked with `lockMarket` in this transaction,
   * `locked` being what that returned (nothing can change its numbers while the lock is held);
   * refuses to pass its cap.
   */
  async commitUnits(em: EntityManager, locked: MarketView, units: number): Promise<MarketView> {
    if (!Number.isSafeInteger(units) || units < 1) throw new RangeError(`units must be a positive whole number (got ${units})`);
    if (units > locked.availableUnits) throw capReached(locked.id, units, locked.availableUnits);
    await this.marketRows.addCommittedUnits(em, locked.id, units);
    return { ...locked, committedUnits: locked.committedUnits + units, availableUnits: locked.availableUnits - units };
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
    const lots: RemainingLot[] = [];
    let locked = 0;
    while (locked < total) {
      const page = await this.lots.lockRemaining(em, marketId, lots.at(-1), FIFO_BATCH);
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
    await this.lots.take(
      em,
      lots.map((l) => l.id),
      taken,
    );
    return costs;
  }

  /** Lots in the order their cost leaves inventory (FIFO). */
  async inventoryLots(filter: LotFilter): Promise<InventoryLotView[]> {
    return this.lots.views(filter);
  }

  /** Receives a lot; the first lot of a (SKU, region) opens its market. */
  async receiveInventory(em: EntityManager, actor: AuthPrincipal, input: ReceiveInventoryInput): Promise<SupplyChange<InventoryLotView>> {
    const sku = await this.skuByCode(em, input.skuCode);
    const region = await this.regionByCode(em, input.regionCode);
    const opened = await this.marketRows.open(em, sku.id, region.id);
    const market = (await this.marketRows.lockOf(em, sku.id, region.id))!;
    const marketId = market.id;
    if (opened) {
      await this.audit.record(em, actor, {
        action: 'market.open',
        entity: 'Market',
        entityId: marketId,
        after: { skuCode: sku.code, regionCode: region.code, currency: market.currency },
      });
    }
    const newTotal = market.receivedUnits + input.quantity;
    if (newTotal > MAX_MARKET_UNITS) throw marketTooLarge(sku.code, region.code, newTotal);
    const lotId = await this.lots.insert(em, {
      marketId,
      quantity: input.quantity,
      unitCost: input.unitCost,
      reference: input.reference ?? null,
    });
    const cost = input.unitCost.times(input.quantity);
    await this.ledger.post(em, {
      description: `Lot ${lotId}: ${input.quantity} × ${sku.code} received into ${region.code} at ${formatDecimal(input.unitCost)}`,
      sourceType: LOT_SOURCE,
      sourceId: lotId,
      currency: market.currency,
      lines: [
        { account: Account.INVENTORY, amount: cost },
        { account: Account.FLEET_CAPITAL, amount: cost.neg() },
      ],
    });
    const [lot] = await this.lots.views({ lotId }, em);
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
    return { result: lot!, marketIds: market.askPrice == null ? [] : [marketId] };
  }

  /** Sets or (with null) withdraws the offer of a market. */
  async setAskPrice(em: EntityManager, actor: AuthPrincipal, input: SetAskPriceInput): Promise<SupplyChange<MarketView>> {
    const price = input.price ?? null;
    const sku = await this.skuByCode(em, input.skuCode);
    const region = await this.regionByCode(em, input.regionCode);
    const market = await this.marketRows.lockOf(em, sku.id, region.id);
    if (!market) throw noMarket(sku.code, region.code);
    const before = market.askPrice;
    await this.marketRows.setAskPrice(em, market.id, price);
    await this.audit.record(em, actor, {
      action: price == null ? 'market.withdraw-offer' : 'market.set-ask-price',
      entity: 'Market',
      entityId: market.id,
      before: { skuCode: sku.code, regionCode: region.code, askPrice: before },
      after: { skuCode: sku.code, regionCode: region.code, askPrice: price },
    });
    const [view] = await this.marketRows.viewsById(em, [market.id]);
    const cheaper = price != null && (before == null || price.lt(before));
    return { result: view!, marketIds: cheaper ? [market.id] : [] };
  }

  sharePolicy(em: EntityManager = this.dataSource.manager): Promise<SharePolicyView> {
    return this.shares.policy(em);
  }

  /** Share changes, newest first. */
  shareHistory(first: number): Promise<ShareChangeView[]> {
    return this.shares.history(first);
  }

  /** Sets the global share, or a SKU's override when `skuCode` is given; under 10 % always. */
  async setSellableShare(em: EntityManager, actor: AuthPrincipal, input: SetSellableShareInput): Promise<SupplyChange<SharePolicyView>> {
    if (input.percent.gte(SHARE_LIMIT)) throw shareCapExceeded(input.percent);
    const global = await this.shares.lockGlobal(em);
    if (!input.skuCode) {
      await this.shares.setGlobal(em, input.percent);
      await this.recordShareChange(em, actor, null, global, input.percent, input.reason);
      const raised = input.percent.gt(global);
      return { result: await this.sharePolicy(em), marketIds: raised ? await this.marketRows.offeredOnGlobalShare(em) : [] };
    }
    const sku = await this.skuByCode(em, input.skuCode);
    const override = await this.shares.override(em, sku.id);
    if (override) await this.shares.updateOverride(em, sku.id, input.percent);
    else await this.shares.insertOverride(em, sku.id, input.percent);
    await this.recordShareChange(em, actor, sku, override, input.percent, input.reason);
    const raised = input.percent.gt(override ?? global);
    return { result: await this.sharePolicy(em), marketIds: raised ? await this.marketRows.offeredOfSku(em, sku.id) : [] };
  }

  /** Removes a SKU's override: its markets go back to the global share. */
  async clearShareOverride(
    em: EntityManager,
    actor: AuthPrincipal,
    skuCode: string,
    reason: string,
  ): Promise<SupplyChange<SharePolicyView>> {
    // Serializes share changes with each other and with match runs holding `lockMarket`.
    const global = await this.shares.lockGlobal(em);
    const sku = await this.skuByCode(em, skuCode);
    const override = await this.shares.override(em, sku.id);
    if (!override) throw noShareOverride(sku.code);
    await this.shares.deleteOverride(em, sku.id);
    await this.recordShareChange(em, actor, sku, override, null, reason);
    const raised = global.gt(override);
    return { result: await this.sharePolicy(em), marketIds: raised ? await this.marketRows.offeredOfSku(em, sku.id) : [] };
  }

  private async recordShareChange(
    em: EntityManager,
    actor: AuthPrincipal,
    sku: Sku | null,
    oldPercent: Decimal | null,
    newPercent: Decimal | null,
    reason: string,
  ): Promise<void> {
    await this.shares.recordChange(em, { skuId: sku?.id ?? null, oldPercent, newPercent, reason, actorId: actor.id });
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

  /** The ids of every market of a SKU, offered or not; NOT_FOUND for a SKU not in the catalog. */
  async marketIdsOfSku(em: EntityManager, skuCode: string): Promise<string[]> {
    const sku = await this.skuByCode(em, skuCode);
    return this.marketRows.idsOfSku(em, sku.id);
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
}
