import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuthPrincipal, DomainEvents, transactionWithRetry } from '@gpupool/platform';
import { ReceiveInventoryInput, SetAskPriceInput, SetSellableShareInput } from './inventory.models';
import { InventoryLotView } from './inventory-lot.repository';
import { InventoryService, SupplyChange } from './inventory.service';
import { MarketView } from './market-view';
import { SharePolicyView } from './share-policy.repository';
import { MarketsChanged } from './markets-changed.event';

/**
 * Operator commands that can add supply. Each runs in one transaction (run again whole if it lost
 * a lock race); after it commits, it announces the markets whose supply grew (MarketsChanged), for a match run.
 */
@Injectable()
export class InventoryCommandService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inventory: InventoryService,
    private readonly events: DomainEvents,
  ) {}

  receiveInventory(actor: AuthPrincipal, input: ReceiveInventoryInput): Promise<InventoryLotView> {
    return this.run((em) => this.inventory.receiveInventory(em, actor, input));
  }

  setAskPrice(actor: AuthPrincipal, input: SetAskPriceInput): Promise<MarketView> {
    return this.run((em) => this.inventory.setAskPrice(em, actor, input));
  }

  setSellableShare(actor: AuthPrincipal, input: SetSellableShareInput): Promise<SharePolicyView> {
    return this.run((em) => this.inventory.setSellableShare(em, actor, input));
  }

  clearShareOverride(actor: AuthPrincipal, skuCode: string, reason: string): Promise<SharePolicyView> {
    return this.run((em) => this.inventory.clearShareOverride(em, actor, skuCode, reason));
  }

  private async run<T>(change: (em: EntityManager) => Promise<SupplyChange<T>>): Promise<T> {
    const { result, marketIds } = await transactionWithRetry(this.dataSource, change);
    await this.events.publish(new MarketsChanged(marketIds));
    return result;
  }
}
