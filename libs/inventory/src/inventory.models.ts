import { ArgsType, Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsInt, IsISO31661Alpha2, IsOptional, Matches, Max, Min } from 'class-validator';
import { allowRoles, Decimal, IsCleanText, IsDecimalInRange, STAFF_ROLES } from '@gpupool/platform';

export const SKU_CODE = /^[A-Z0-9][A-Z0-9-]{0,31}$/;
export const REGION_CODE = /^[a-z0-9-]{2,32}$/;
export const MAX_LOT_QUANTITY = 10_000_000;
const MONEY = { min: '0', minExclusive: true, max: '100000000', maxDecimals: 2 } as const;
const REASON_LENGTH = 500;

const skuCodeRule = (field: string) =>
  Matches(SKU_CODE, { message: `${field} must be 1-32 upper-case letters, digits or '-', such as H20 or ASCEND-910B` });
const regionCodeRule = (field: string) =>
  Matches(REGION_CODE, { message: `${field} must be 2-32 lower-case letters, digits or '-', such as cn-beijing` });

/** Fleet numbers that partners never see. */
const staffOnly = { nullable: true, middleware: [allowRoles(...STAFF_ROLES)] };

@ObjectType('Sku')
export class SkuModel {
  @Field() code: string;
  @Field() vendor: string;
  @Field() name: string;
  @Field(() => Int) memoryGb: number;
}

@ObjectType('Region')
export class RegionModel {
  @Field() code: string;
  @Field() name: string;
  @Field() countryCode: string;
}

@ObjectType('Market', { description: 'One (SKU, region). Partners see only offered markets, and no fleet numbers.' })
export class MarketModel {
  @Field(() => ID) id: string;
  @Field(() => SkuModel) sku: SkuModel;
  @Field(() => RegionModel) region: RegionModel;
  @Field() currency: string;
  @Field(() => Decimal, { nullable: true, description: 'null: not offered' }) askPrice: Decimal | null;
  @Field(() => Int, { description: 'max(0, capUnits − committedUnits)' }) availableUnits: number;
  @Field(() => Int, { ...staffOnly, description: 'every unit ever received; ADMIN, OPERATOR, FINANCE only' }) totalUnits: number;
  @Field(() => Int, { ...staffOnly, description: 'floor(totalUnits × effectiveSharePercent / 100); ADMIN, OPERATOR, FINANCE only' })
  capUnits: number;
  @Field(() => Int, { ...staffOnly, description: 'units sold so far; ADMIN, OPERATOR, FINANCE only' }) committedUnits: number;
  @Field(() => Decimal, { ...staffOnly, description: "the SKU's override, else the global share; ADMIN, OPERATOR, FINANCE only" })
  effectiveSharePercent: Decimal;
}

@ObjectType('InventoryLot')
export class InventoryLotModel {
  @Field(() => ID) id: string;
  @Field() skuCode: string;
  @Field() regionCode: string;
  @Field(() => Int, { description: 'as received; never changes' }) quantity: number;
  @Field(() => Int, { description: 'units whose cost has not left inventory yet (FIFO)' }) remainingQuantity: number;
  @Field(() => Decimal) unitCost: Decimal;
  @Field(() => Date) receivedAt: Date;
  @Field(() => String, { nullable: true }) reference: string | null;
}

@ObjectType('ShareOverride')
export class ShareOverrideModel {
  @Field() skuCode: string;
  @Field(() => Decimal) percent: Decimal;
}

@ObjectType('ShareChange')
export class ShareChangeModel {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true, description: 'null: the global share' }) skuCode: string | null;
  @Field(() => Decimal, { nullable: true, description: 'null for a first override' }) oldPercent: Decimal | null;
  @Field(() => Decimal, { nullable: true, description: 'null when an override was cleared' }) newPercent: Decimal | null;
  @Field() reason: string;
  @Field(() => Date) at: Date;
  actorId: string;
}

@ObjectType('SharePolicy')
export class SharePolicyModel {
  @Field(() => Decimal) globalPercent: Decimal;
  @Field(() => [ShareOverrideModel]) overrides: ShareOverrideModel[];
}

@InputType()
export class UpsertSkuInput {
  @Field() @skuCodeRule('code') code: string;
  @Field() @IsCleanText(64) vendor: string;
  @Field() @IsCleanText(100) name: string;
  @Field(() => Int)
  @IsInt()
  @Min(1, { message: 'memoryGb must be between 1 and 4096' })
  @Max(4096, { message: 'memoryGb must be between 1 and 4096' })
  memoryGb: number;
}

@InputType()
export class UpsertRegionInput {
  @Field() @regionCodeRule('code') code: string;
  @Field() @IsCleanText(100) name: string;
  @Field({ description: 'ISO 3166-1 alpha-2, upper case' })
  @Matches(/^[A-Z]{2}$/, { message: 'countryCode must be two upper-case letters (ISO 3166-1 alpha-2)' })
  @IsISO31661Alpha2()
  countryCode: string;
}

@InputType()
export class ReceiveInventoryInput {
  @Field() @skuCodeRule('skuCode') skuCode: string;
  @Field() @regionCodeRule('regionCode') regionCode: string;
  @Field(() => Int, { description: `1 to ${MAX_LOT_QUANTITY}` })
  @IsInt()
  @Min(1, { message: `quantity must be between 1 and ${MAX_LOT_QUANTITY}` })
  @Max(MAX_LOT_QUANTITY, { message: `quantity must be between 1 and ${MAX_LOT_QUANTITY}` })
  quantity: number;
  @Field(() => Decimal, { description: '> 0 and ≤ 100,000,000.00, at most 2 decimals' }) @IsDecimalInRange(MONEY) unitCost: Decimal;
  @Field(() => String, { nullable: true, description: 'free text, up to 200 characters' })
  @IsOptional()
  @IsCleanText(200)
  reference?: string | null;
}

@InputType()
export class SetAskPriceInput {
  @Field() @skuCodeRule('skuCode') skuCode: string;
  @Field() @regionCodeRule('regionCode') regionCode: string;
  @Field(() => Decimal, { nullable: true, description: 'null withdraws the offer; else > 0 and ≤ 100,000,000.00, at most 2 decimals' })
  @IsOptional()
  @IsDecimalInRange(MONEY)
  price?: Decimal | null;
}

@InputType()
export class SetSellableShareInput {
  @Field(() => Decimal, { description: '0 ≤ percent < 10, at most 2 decimals; 10 or more is SHARE_CAP_EXCEEDED' })
  @IsDecimalInRange({ min: '0', maxDecimals: 2 })
  percent: Decimal;
  @Field(() => String, { nullable: true, description: 'no skuCode: the global share' })
  @IsOptional()
  @skuCodeRule('skuCode')
  skuCode?: string | null;
  @Field() @IsCleanText(REASON_LENGTH) reason: string;
}

@ArgsType()
export class ClearShareOverrideArgs {
  @Field() @skuCodeRule('skuCode') skuCode: string;
  @Field() @IsCleanText(REASON_LENGTH) reason: string;
}
