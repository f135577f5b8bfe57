import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import DataLoader from 'dataloader';
import { PartnerModel, PartnerService, partnerLoader } from '@gpupool/identity';
import type { Partner } from '@gpupool/identity';
import {
  Connection,
  CurrentPrincipal,
  Decimal,
  loaderFor,
  pagedComplexity,
  pageSize,
  RequestContext,
  Role,
  Roles,
  roundFen,
  STAFF_ROLES,
  toConnection,
} from '@gpupool/platform';
import type { AuthPrincipal } from '@gpupool/platform';
import { Fill } from './fill.entity';
import { fillOfEvent, OrderEventMessage, OrderEvents, orderOfEvent } from './order-events';
import { OrderQueryService } from './order-query.service';
import { Order } from './order.entity';
import { OrderService } from './order.service';
import {
  FillConnection,
  FillFilter,
  FillModel,
  OrderBookModel,
  OrderConnection,
  OrderEventModel,
  OrderFilter,
  OrderModel,
  PlaceOrderInput,
} from './trading.models';

const ALL = [...STAFF_ROLES, Role.PARTNER];
const SUBSCRIBERS = new Set<Role>([Role.ADMIN, Role.OPERATOR]);

@Resolver(() => OrderModel)
export class OrderResolver {
  constructor(
    private readonly orderService: OrderService,
    private readonly queries: OrderQueryService,
    private readonly partners: PartnerService,
    private readonly events: OrderEvents,
  ) {}

  @Query(() => OrderModel, { nullable: true, description: 'partner: own orders only' })
  @Roles(...ALL)
  order(@CurrentPrincipal() principal: AuthPrincipal, @Args('id', { type: () => ID }) id: string): Promise<Order | null> {
    return this.queries.order(principal, id);
  }

  @Query(() => OrderConnection, { description: 'newest first; first ≤ 500', complexity: pagedComplexity })
  @Roles(...ALL)
  async orders(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Args('filter', { type: () => OrderFilter, nullable: true }) filter: OrderFilter | null,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<Connection<Order>> {
    return toConnection(await this.queries.orders(principal, filter ?? {}, pageSize(first), after));
  }

  @Query(() => FillConnection, { description: 'newest first; first ≤ 500', complexity: pagedComplexity })
  @Roles(...ALL)
  async fills(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Args('filter', { type: () => FillFilter, nullable: true }) filter: FillFilter | null,
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<Connection<Fill>> {
    return toConnection(await this.queries.fills(principal, filter ?? {}, pageSize(first), after));
  }

  @Query(() => OrderBookModel)
  @Roles(...ALL)
  orderBook(@Args('skuCode') skuCode: string, @Args('regionCode') regionCode: string): Promise<OrderBookModel> {
    return this.queries.orderBook(skuCode, regionCode);
  }

  @Mutation(() => OrderModel, { description: 'idempotent per clientOrderId' })
  @Roles(Role.PARTNER)
  placeOrder(@CurrentPrincipal() principal: AuthPrincipal, @Args('input') input: PlaceOrderInput): Promise<Order> {
    return this.orderService.place(principal, input);
  }

  @Mutation(() => OrderModel)
  @Roles(Role.PARTNER)
  cancelOrder(@CurrentPrincipal() principal: AuthPrincipal, @Args('id', { type: () => ID }) id: string): Promise<Order> {
    return this.orderService.cancel(principal, id);
  }

  @Subscription(() => OrderEventModel, {
    description: "a partner gets its own orders' events; ADMIN and OPERATOR get all",
    filter: (message: OrderEventMessage, _args: unknown, context: RequestContext) =>
      SUBSCRIBERS.has(context.principal.role) || message.order.partnerId === context.principal.partnerId,
    resolve: (message: OrderEventMessage) => message,
  })
  @Roles(...ALL)
  orderEvents(): AsyncIterableIterator<OrderEventMessage> {
    return this.events.stream();
  }

  @ResolveField(() => PartnerModel)
  partner(@Parent() order: Order, @Context() context: RequestContext): Promise<Partner | null> {
    return partnerLoader(context, this.partners).load(order.partnerId);
  }

  @ResolveField(() => Decimal, { nullable: true })
  averageFillPrice(@Parent() order: Order): Decimal | null {
    return order.filledQuantity === 0 ? null : roundFen(order.filledAmount.div(order.filledQuantity));
  }

  @ResolveField(() => [FillModel], { name: 'fills' })
  orderFills(@Parent() order: Order, @Context() context: RequestContext): Promise<Fill[]> {
    const loader = loaderFor(
      context,
      'order-fills',
      () =>
        new DataLoader<string, Fill[]>(async (ids) => {
          const rows = await this.queries.fillsByOrderIds(ids);
          return ids.map((id) => rows.filter((f) => f.orderId === id));
        }),
    );
    return loader.load(order.id);
  }
}

/** An order event as a subscriber sees it: the order (and fill) as the change left them, from the message itself. */
@Resolver(() => OrderEventModel)
export class OrderEventResolver {
  @ResolveField(() => OrderModel)
  order(@Parent() message: OrderEventMessage): Order {
    return orderOfEvent(message);
  }

  @ResolveField(() => FillModel, { nullable: true })
  fill(@Parent() message: OrderEventMessage): Fill | null {
    return fillOfEvent(message);
  }

  @ResolveField(() => Date)
  at(@Parent() message: OrderEventMessage): Date {
    return new Date(message.at!);
  }
}
