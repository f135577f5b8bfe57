import { ArgsType, Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsDate, IsEnum, IsInt, Max, Min } from 'class-validator';
import { Decimal } from '@gpupool/platform';
import { SalesInterval } from './sales-buckets';

export enum SalesGroupBy {
  SKU = 'SKU',
  REGION = 'REGION',
  PARTNER = 'PARTNER',
}
registerEnumType(SalesGroupBy, { name: 'SalesGroupBy' });
registerEnumType(SalesInterval, { name: 'SalesInterval', description: 'bucket width; UTC boundaries, weeks start on Monday' });

export const MAX_SALES_SERIES = 50;

@ArgsType()
export class SalesOverTimeArgs {
  @Field(() => Date, { description: 'settlements with from ≤ settledAt < to' }) @IsDate() from: Date;
  @Field(() => Date) @IsDate() to: Date;
  @Field(() => SalesInterval, { defaultValue: SalesInterval.DAY, description: 'at most 500 buckets' })
  @IsEnum(SalesInterval, { message: 'interval must be HOUR, DAY, WEEK or MONTH' })
  interval: SalesInterval;
  @Field(() => SalesGroupBy) @IsEnum(SalesGroupBy, { message: 'groupBy must be SKU, REGION or PARTNER' }) groupBy: SalesGroupBy;
  @Field(() => Int, {
    defaultValue: 10,
    description: `the series with the most revenue, 1-${MAX_SALES_SERIES}; the rest are summed as OTHER`,
  })
  @IsInt()
  @Min(1, { message: `top must be between 1 and ${MAX_SALES_SERIES}` })
  @Max(MAX_SALES_SERIES, { message: `top must be between 1 and ${MAX_SALES_SERIES}` })
  top: number;
}

@ObjectType('SalesPoint', { description: 'units sold and revenue (net, before tax) settled in one bucket' })
export class SalesPointModel {
  @Field(() => Date, { description: 'start of the bucket' }) at: Date;
  @Field(() => Int) units: number;
  @Field(() => Decimal) revenue: Decimal;
}

@ObjectType('SalesSeries', { description: 'one SKU, region or partner over time; every bucket of the period, oldest first' })
export class SalesSeriesModel {
  @Field({ description: 'SKU code, region code or partner id; OTHER for the rest' }) key: string;
  @Field() label: string;
  @Field(() => Int) units: number;
  @Field(() => Decimal) revenue: Decimal;
  @Field(() => [SalesPointModel]) points: SalesPointModel[];
}
