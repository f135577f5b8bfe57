import { Args, Context, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import DataLoader from 'dataloader';
import { CurrentPrincipal, Decimal, isUuid, loaderFor, NotFoundError, RequestContext, Role, Roles } from '@gpupool/platform';
import type { AuthPrincipal } from '@gpupool/platform';
import { ApiKeyService } from './api-key.service';
import { ApiKeyInfoModel, CreatePartnerInput, IssueApiKeyInput, IssuedApiKeyModel, PartnerModel, PrincipalModel } from './identity.models';
import { Partner } from './partner.entity';
import { PartnerService } from './partner.service';

const ALL = [Role.ADMIN, Role.OPERATOR, Role.FINANCE, Role.PARTNER];

/** Loads partners by id once per request. */
export function partnerLoader(context: RequestContext, partners: PartnerService): DataLoader<string, Partner | null> {
  return loaderFor(
    context,
    'partner',
    () =>
      new DataLoader<string, Partner | null>(async (ids) => {
        const rows = await partners.findByIds(ids);
        const byId = new Map(rows.map((p) => [p.id, p]));
        return ids.map((id) => byId.get(id) ?? null);
      }),
  );
}

/** Loads principals (API key holders, revoked ones included) by id once per request. */
export function principalLoader(context: RequestContext, keys: ApiKeyService): DataLoader<string, PrincipalModel> {
  return loaderFor(
    context,
    'principal',
    () =>
      new DataLoader<string, PrincipalModel>(async (ids) => {
        const byId = new Map((await keys.principalsByIds(ids)).map((p) => [p.id, p]));
        return ids.map((id) => byId.get(id) ?? new Error(`principal ${id} is missing`));
      }),
  );
}

@Resolver(() => PrincipalModel)
export class PrincipalResolver {
  constructor(
    private readonly keys: ApiKeyService,
    private readonly partners: PartnerService,
  ) {}

  @Query(() => PrincipalModel)
  @Roles(...ALL)
  me(@CurrentPrincipal() principal: AuthPrincipal): PrincipalModel {
    return principal;
  }

  @ResolveField(() => PartnerModel, { nullable: true })
  partner(@Parent() principal: PrincipalModel, @Context() context: RequestContext): Promise<Partner | null> | null {
    return principal.partnerId ? partnerLoader(context, this.partners).load(principal.partnerId) : null;
  }

  @Query(() => [ApiKeyInfoModel])
  @Roles(Role.ADMIN)
  apiKeys(): Promise<ApiKeyInfoModel[]> {
    return this.keys.list();
  }

  @Mutation(() => IssuedApiKeyModel)
  @Roles(Role.ADMIN)
  issueApiKey(@CurrentPrincipal() actor: AuthPrincipal, @Args('input') input: IssueApiKeyInput): Promise<IssuedApiKeyModel> {
    return this.keys.issue(actor, input);
  }

  @Mutation(() => ApiKeyInfoModel)
  @Roles(Role.ADMIN)
  revokeApiKey(
    @CurrentPrincipal() actor: AuthPrincipal,
    @Args('id', { type: () => ID }) id: string,
    @Args('reason') reason: string,
  ): Promise<ApiKeyInfoModel> {
    // An id that is not a UUID matches no key, like a missing one.
    if (!isUuid(id)) throw new NotFoundError('ApiKey', id);
    return this.keys.revoke(actor, id, reason);
  }
}

@Resolver(() => PartnerModel)
export class PartnerResolver {
  constructor(private readonly partnerService: PartnerService) {}

  @Query(() => [PartnerModel], { description: 'a partner sees only itself' })
  @Roles(...ALL)
  partners(@CurrentPrincipal() principal: AuthPrincipal): Promise<Partner[]> {
    return this.partnerService.list(principal);
  }

  @Mutation(() => PartnerModel)
  @Roles(Role.ADMIN, Role.OPERATOR)
  createPartner(@CurrentPrincipal() actor: AuthPrincipal, @Args('input') input: CreatePartnerInput): Promise<Partner> {
    return this.partnerService.create(actor, input);
  }

  @ResolveField(() => Decimal)
  creditUsed(@Parent() partner: Partner): Decimal {
    return partner.creditUsed;
  }

  @ResolveField(() => Decimal)
  creditAvailable(@Parent() partner: Partner): Decimal {
    return partner.creditAvailable;
  }
}
