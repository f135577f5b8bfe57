import { Args, Context, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import DataLoader from 'dataloader';
import {
  Connection,
  CurrentPrincipal,
  loaderFor,
  pagedComplexity,
  pageSize,
  RequestContext,
  Role,
  Roles,
  toConnection,
} from '@gpupool/platform';
import type { AuthPrincipal } from '@gpupool/platform';
import { FillModel } from '@gpupool/trading';
import type { Fill } from '@gpupool/trading';
import { SettlementQueryService } from './settlement-query.service';
import { Settlement } from './settlement.entity';
import { SettlementConnection, SettlementModel } from './settlement.models';

@Resolver(() => SettlementModel)
export class SettlementResolver {
  constructor(private readonly queries: SettlementQueryService) {}

  @Query(() => SettlementConnection, {
    description: 'newest first, from ≤ settledAt < to; a partner sees its own; first ≤ 500',
    complexity: pagedComplexity,
  })
  @Roles(Role.ADMIN, Role.FINANCE, Role.PARTNER)
  async settlements(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Args('partnerId', { type: () => ID, nullable: true }) partnerId: string | null,
    @Args('from', { type: () => Date, nullable: true }) from: Date | null,
    @Args('to', { type: () => Date, nullable: true }) to: Date | null,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<Connection<Settlement>> {
    return toConnection(await this.queries.list(principal, { partnerId, from, to }, pageSize(first), after));
  }
}

/** A fill's settlement, loaded once per request for every fill asked. */
@Resolver(() => FillModel)
export class FillSettlementResolver {
  constructor(private readonly queries: SettlementQueryService) {}

  @ResolveField(() => SettlementModel, { nullable: true, description: 'null until settled' })
  settlement(@Parent() fill: Fill, @Context() context: RequestContext): Promise<Settlement | null> {
    const loader = loaderFor(
      context,
      'fill-settlement',
      () =>
        new DataLoader<string, Settlement | null>(async (fillIds) => {
          const byFill = new Map((await this.queries.byFillIds(fillIds)).map((s) => [s.fillId, s]));
          return fillIds.map((id) => byFill.get(id) ?? null);
        }),
    );
    return loader.load(fill.id);
  }
}
