import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { connectionTypes, Decimal, IsDecimalInRange } from '@gpupool/platform';
import { ORDER_STATUSES, OrderStatusValue } from './order-status';

export enum TimeInForce {
  GTC = 'GTC',
  IOC = 'IOC',
  FOK = 'FOK',
}
registerEnumType(TimeInForce, { name: 'TimeInForce' });

/** The GraphQL enum of the lifecycle's statuses (`order-status.ts`). */
export const OrderStatus = Object.fromEntries(ORDER_STATUSES.map((status) => [status, status])) as { [S in OrderStatusValue]: S };
export type OrderStatus = OrderStatusValue;
registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description: 'an order ending with a remainder is CANCELLED or EXPIRED, whatever it filled',
});

@ObjectType('Fill')
export class FillModel {
  @Field(() => ID) id: string;
  @Field(() => ID) orderId: string;
  @Field() skuCode: string;
  @Field() regionCode: string;
  @Field(() => Int) quantity: number;
  @Field(() => Decimal) price: Decimal;
  @Field(() => Decimal, { description: 'quantity × price, before tax' }) amount: Decimal;
  @Field(() => Date) executedAt: Date;
  partnerId: string;
}

@ObjectType('Order')
export class OrderModel {
  @Field(() => ID) id: string;
  @Field() clientOrderId: string;
  @Field() skuCode: string;
  @Field() regionCode: string;
  @Field(() => Int) quantity: number;
  @Field(() => Int) filledQuantity: number;
  @Field(() => Int) remainingQuantity: number;
  @Field(() => Decimal) limitPrice: Decimal;
  @Field(() => Decimal, { nullable: true }) averageFillPrice: Decimal | null;
  @Field(() => TimeInForce) timeInForce: TimeInForce;
  @Field(() => Date, { nullable: true }) expiresAt: Date | null;
  @Field(() => OrderStatus) status: OrderStatus;
  @Field(() => String, { nullable: true, description: 'why it is not (fully) filled, or why it ended' }) statusReason: string | null;
  @Field(() => Date) createdAt: Date;
  @Field(() => Date) updatedAt: Date;
  partnerId: string;
}

export const OrderConnection = connectionTypes(OrderModel, 'Order');
export const FillConnection = connectionTypes(FillModel, 'Fill');

@ObjectType('PriceLevel')
export class PriceLevelModel {
  @Field(() => Decimal) price: Decimal;
  @Field(() => Int) quantity: number;
  @Field(() => Int) orders: number;
}

@ObjectType('OrderBook')
export class OrderBookModel {
  @Field() skuCode: string;
  @Field() regionCode: string;
  @Field(() => Decimal, { nullable: true }) askPrice: Decimal | null;
  @Field(() => Int) availableUnits: number;
  @Field(() => [PriceLevelModel], { description: 'open bids by price level, best (highest) first' }) bids: PriceLevelModel[];
}

@ObjectType('OrderEvent')
export class OrderEventModel {
  @Field({ description: 'PLACED, FILLED, PARTIALLY_FILLED, CANCELLED, EXPIRED' }) type: string;
  @Field(() => OrderModel) order: OrderModel;
  @Field(() => FillModel, { nullable: true }) fill: FillModel | null;
  @Field(() => Date) at: Date;
}

const CLIENT_ORDER_ID = /^[\x21-\x7e]([\x20-\x7e]{0,62}[\x21-\x7e])?$/;

@InputType()
export class PlaceOrderInput {
  @Field({ description: '1-64 printable characters; unique per partner (the idempotency key)' })
  @Matches(CLIENT_ORDER_ID, { message: 'clientOrderId must be 1-64 printable ASCII characters without leading or trailing spaces' })
  clientOrderId: string;
  @Field() @Matches(/^[A-Z0-9][A-Z0-9-]{0,31}$/, { message: 'skuCode must be a SKU code such as H20' }) skuCode: string;
  @Field() @Matches(/^[a-z0-9-]{2,32}$/, { message: 'regionCode must be a region code such as cn-beijing' }) regionCode: string;
  @Field(() => Int, { description: '1 ≤ quantity ≤ 1,000,000' }) @IsInt() @Min(1) @Max(1_000_000) quantity: number;
  @Field(() => Decimal, { description: '> 0 and ≤ 100,000,000.00, at most 2 decimals' })
  @IsDecimalInRange({ min: '0', minExclusive: true, max: '100000000', maxDecimals: 2 })
  limitPrice: Decimal;
  @Field(() => TimeInForce, { defaultValue: TimeInForce.GTC }) @IsIn(Object.values(TimeInForce)) timeInForce: TimeInForce;
  @Field(() => Date, { nullable: true, description: 'in the future' }) @IsOptional() expiresAt?: Date | null;
}

@InputType()
export class OrderFilter {
  @Field(() => [OrderStatus], { nullable: true }) @IsOptional() @IsIn([...ORDER_STATUSES], { each: true }) status?: OrderStatus[];
  @Field({ nullable: true }) @IsOptional() skuCode?: string;
  @Field({ nullable: true }) @IsOptional() regionCode?: string;
  @Field(() => ID, { nullable: true }) @IsOptional() partnerId?: string;
}

@InputType()
export class FillFilter {
  @Field(() => ID, { nullable: true }) @IsOptional() orderId?: string;
  @Field({ nullable: true }) @IsOptional() skuCode?: string;
  @Field({ nullable: true }) @IsOptional() regionCode?: string;
  @Field(() => ID, { nullable: true }) @IsOptional() partnerId?: string;
  @Field(() => Date, { nullable: true }) @IsOptional() from?: Date;
  @Field(() => Date, { nullable: true }) @IsOptional() to?: Date;
}
