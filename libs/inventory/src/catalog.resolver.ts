import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, Role, Roles } from '@gpupool/platform';
import type { AuthPrincipal } from '@gpupool/platform';
import { CatalogService } from './catalog.service';
import { RegionModel, SkuModel, UpsertRegionInput, UpsertSkuInput } from './inventory.models';

const EVERY_ROLE = [Role.ADMIN, Role.OPERATOR, Role.FINANCE, Role.PARTNER];

@Resolver()
export class CatalogResolver {
  constructor(private readonly catalog: CatalogService) {}

  @Query(() => [SkuModel])
  @Roles(...EVERY_ROLE)
  skus(): Promise<SkuModel[]> {
    return this.catalog.skus();
  }

  @Query(() => [RegionModel])
  @Roles(...EVERY_ROLE)
  regions(): Promise<RegionModel[]> {
    return this.catalog.regions();
  }

  @Mutation(() => SkuModel)
  @Roles(Role.ADMIN, Role.OPERATOR)
  upsertSku(@CurrentPrincipal() actor: AuthPrincipal, @Args('input') input: UpsertSkuInput): Promise<SkuModel> {
    return this.catalog.upsertSku(actor, input);
  }

  @Mutation(() => RegionModel)
  @Roles(Role.ADMIN, Role.OPERATOR)
  upsertRegion(@CurrentPrincipal() actor: AuthPrincipal, @Args('input') input: UpsertRegionInput): Promise<RegionModel> {
    return this.catalog.upsertRegion(actor, input);
  }
}
