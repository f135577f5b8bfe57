import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, Role, Roles, STAFF_ROLES } from '@gpupool/platform';
import type { AuthPrincipal } from '@gpupool/platform';
import { InventoryCommandService } from './inventory-command.service';
import { InventoryLotModel, MarketModel, ReceiveInventoryInput, SetAskPriceInput } from './inventory.models';
import { InventoryLotView } from './inventory-lot.repository';
import { InventoryService } from './inventory.service';
import { MarketView } from './market-view';

@Resolver(() => MarketModel)
export class MarketResolver {
  constructor(
    private readonly inventory: InventoryService,
    private readonly commands: InventoryCommandService,
  ) {}

  @Query(() => [MarketModel], { description: 'a partner sees only offered markets' })
  @Roles(Role.ADMIN, Role.OPERATOR, Role.FINANCE, Role.PARTNER)
  markets(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Args('skuCode', { type: () => String, nullable: true }) skuCode: string | null,
    @Args('regionCode', { type: () => String, nullable: true }) regionCode: string | null,
  ): Promise<MarketView[]> {
    return this.inventory.markets(principal, { skuCode, regionCode });
  }

  @Query(() => [InventoryLotModel], { description: 'in FIFO order within each market' })
  @Roles(...STAFF_ROLES)
  inventoryLots(
    @Args('skuCode', { type: () => String, nullable: true }) skuCode: string | null,
    @Args('regionCode', { type: () => String, nullable: true }) regionCode: string | null,
  ): Promise<InventoryLotView[]> {
    return this.inventory.inventoryLots({ skuCode, regionCode });
  }

  @Mutation(() => InventoryLotModel)
  @Roles(Role.ADMIN, Role.OPERATOR)
  receiveInventory(@CurrentPrincipal() actor: AuthPrincipal, @Args('input') input: ReceiveInventoryInput): Promise<InventoryLotView> {
    return this.commands.receiveInventory(actor, input);
  }

  @Mutation(() => MarketModel)
  @Roles(Role.ADMIN, Role.OPERATOR)
  setAskPrice(@CurrentPrincipal() actor: AuthPrincipal, @Args('input') input: SetAskPriceInput): Promise<MarketView> {
    return this.commands.setAskPrice(actor, input);
  }
}
