import { Args, Query, Resolver } from '@nestjs/graphql';
import { Role, Roles } from '@gpupool/platform';
import { bucketCount } from './sales-buckets';
import { SalesOverTimeArgs, SalesSeriesModel } from './sales-series.models';
import { SalesSeriesService } from './sales-series.service';

/**
 * Priced before it runs like a list: `top` series × the buckets of the period × the cost of one
 * point, so a year by hour is refused by the complexity limit rather than computed.
 */
export const salesComplexity = ({ args, childComplexity }: { args: Record<string, unknown>; childComplexity: number }) =>
  1 + Number(args.top ?? 10) * bucketCount(args.from, args.to, args.interval) * Math.max(childComplexity, 1);

@Resolver(() => SalesSeriesModel)
export class SalesSeriesResolver {
  constructor(private readonly sales: SalesSeriesService) {}

  @Query(() => [SalesSeriesModel], {
    description: 'units sold and revenue per bucket of settlement time, by SKU, region or partner; most revenue first',
    complexity: salesComplexity,
  })
  @Roles(Role.ADMIN, Role.OPERATOR, Role.FINANCE)
  salesOverTime(@Args() args: SalesOverTimeArgs): Promise<SalesSeriesModel[]> {
    return this.sales.series(args);
  }
}
