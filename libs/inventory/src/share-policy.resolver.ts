import { Args, Context, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ApiKeyService, PrincipalModel, principalLoader } from '@gpupool/identity';
import { CurrentPrincipal, pagedComplexity, pageSize, RequestContext, Role, Roles, STAFF_ROLES } from '@gpupool/platform';
import type { AuthPrincipal } from '@gpupool/platform';
import { InventoryCommandService } from './inventory-command.service';
import { ClearShareOverrideArgs, SetSellableShareInput, ShareChangeModel, SharePolicyModel } from './inventory.models';
import { InventoryService } from './inventory.service';
import { SharePolicyView, ShareChangeView } from './share-policy.repository';

@Resolver(() => SharePolicyModel)
export class SharePolicyResolver {
  constructor(
    private readonly inventory: InventoryService,
    private readonly commands: InventoryCommandService,
  ) {}

  @Query(() => SharePolicyModel)
  @Roles(...STAFF_ROLES)
  sellableShare(): Promise<SharePolicyView> {
    return this.inventory.sharePolicy();
  }

  @Mutation(() => SharePolicyModel, { description: 'percent ≥ 10: SHARE_CAP_EXCEEDED' })
  @Roles(Role.ADMIN, Role.OPERATOR)
  setSellableShare(@CurrentPrincipal() actor: AuthPrincipal, @Args('input') input: SetSellableShareInput): Promise<SharePolicyView> {
    return this.commands.setSellableShare(actor, input);
  }

  @Mutation(() => SharePolicyModel)
  @Roles(Role.ADMIN, Role.OPERATOR)
  clearShareOverride(@CurrentPrincipal() actor: AuthPrincipal, @Args() args: ClearShareOverrideArgs): Promise<SharePolicyView> {
    return this.commands.clearShareOverride(actor, args.skuCode, args.reason);
  }

  @ResolveField(() => [ShareChangeModel], { description: 'newest first; 1 ≤ first ≤ 500', complexity: pagedComplexity })
  history(@Args('first', { type: () => Int, defaultValue: 20 }) first: number): Promise<ShareChangeView[]> {
    return this.inventory.shareHistory(pageSize(first));
  }
}

@Resolver(() => ShareChangeModel)
export class ShareChangeResolver {
  constructor(private readonly keys: ApiKeyService) {}

  @ResolveField(() => PrincipalModel)
  actor(@Parent() change: ShareChangeView, @Context() context: RequestContext): Promise<PrincipalModel> {
    return principalLoader(context, this.keys).load(change.actorId);
  }
}
