import { Args, Context, Field, ID, Int, ObjectType, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ApiKeyService, PrincipalModel, principalLoader } from '@gpupool/identity';
import {
  AuditService,
  Connection,
  connectionTypes,
  mapPage,
  pagedComplexity,
  pageSize,
  RequestContext,
  Role,
  Roles,
  toConnection,
} from '@gpupool/platform';

@ObjectType('AuditEvent')
export class AuditEventModel {
  @Field(() => ID) id: string;
  @Field() action: string;
  @Field() entity: string;
  @Field(() => String, { nullable: true }) entityId: string | null;
  @Field(() => String, { nullable: true, description: 'JSON text' }) before: string | null;
  @Field(() => String, { nullable: true, description: 'JSON text' }) after: string | null;
  @Field(() => String, { nullable: true }) reason: string | null;
  @Field(() => Date) at: Date;
  actorId: string;
}

const AuditEventConnection = connectionTypes(AuditEventModel, 'AuditEvent');

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

@Resolver(() => AuditEventModel)
export class AuditResolver {
  constructor(
    private readonly audit: AuditService,
    private readonly keys: ApiKeyService,
  ) {}

  @Query(() => AuditEventConnection, { description: 'newest first', complexity: pagedComplexity })
  @Roles(Role.ADMIN)
  async auditEvents(
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('entity', { type: () => String, nullable: true }) entity: string | null,
    @Args('actorId', { type: () => ID, nullable: true, description: 'the API key that made the change' }) actorId: string | null,
  ): Promise<Connection<AuditEventModel>> {
    const page = await this.audit.list(pageSize(first), after, entity, actorId);
    return toConnection(mapPage(page, (e) => ({ ...e, before: json(e.before), after: json(e.after) })));
  }

  @ResolveField(() => PrincipalModel)
  actor(@Parent() event: AuditEventModel, @Context() context: RequestContext): Promise<PrincipalModel> {
    return principalLoader(context, this.keys).load(event.actorId);
  }
}
