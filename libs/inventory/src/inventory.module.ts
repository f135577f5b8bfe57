import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityModule } from '@gpupool/identity';
import { LedgerModule } from '@gpupool/ledger';
import { CatalogResolver } from './catalog.resolver';
import { CatalogService } from './catalog.service';
import { GlobalShare } from './global-share.entity';
import { InventoryCommandService } from './inventory-command.service';
import { InventoryLot } from './inventory-lot.entity';
import { InventoryLotRepository } from './inventory-lot.repository';
import { InventoryService } from './inventory.service';
import { InventoryMetrics } from './inventory.metrics';
import { Market } from './market.entity';
import { MarketRepository } from './market.repository';
import { MarketResolver } from './market.resolver';
import { Region } from './region.entity';
import { ShareChange } from './share-change.entity';
import { ShareOverride } from './share-override.entity';
import { ShareChangeResolver, SharePolicyResolver } from './share-policy.resolver';
import { SharePolicyRepository } from './share-policy.repository';
import { Sku } from './sku.entity';

export const INVENTORY_ENTITIES = [Sku, Region, Market, InventoryLot, GlobalShare, ShareOverride, ShareChange];
export const INVENTORY_RESOLVERS = [CatalogResolver, MarketResolver, SharePolicyResolver, ShareChangeResolver];

/** Catalog, inventory, markets and the sellable share; imported by the api, the worker and the scripts. */
@Module({
  imports: [TypeOrmModule.forFeature(INVENTORY_ENTITIES), LedgerModule],
  providers: [
    CatalogService,
    InventoryService,
    InventoryCommandService,
    MarketRepository,
    InventoryLotRepository,
    SharePolicyRepository,
    InventoryMetrics,
  ],
  exports: [CatalogService, InventoryService, InventoryCommandService],
})
export class InventoryModule {}

/** GraphQL for inventory: only the api imports it. */
@Module({
  imports: [InventoryModule, IdentityModule],
  providers: INVENTORY_RESOLVERS,
})
export class InventoryApiModule {}
