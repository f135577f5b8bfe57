import { Injectable } from '@nestjs/common';
import { PartnerService } from '@gpupool/identity';
import { InventoryService } from '@gpupool/inventory';
import { bigintCountTransformer, Decimal } from '@gpupool/platform';
import { salesBuckets } from './sales-buckets';
import { SalesGroupBy, SalesOverTimeArgs, SalesSeriesModel } from './sales-series.models';
import { SettledBucketRow, SettlementRepository } from './settlement.repository';

interface Group {
  key: string;
  label: string;
  units: number[];
  revenue: Decimal[];
}

export const OTHER_SERIES = 'OTHER';

/** Units sold and revenue over time, grouped by SKU, region or partner, from settlements. */
@Injectable()
export class SalesSeriesService {
  constructor(
    private readonly settlements: SettlementRepository,
    private readonly inventory: InventoryService,
    private readonly partners: PartnerService,
  ) {}

  async series(args: SalesOverTimeArgs): Promise<SalesSeriesModel[]> {
    const buckets = salesBuckets(args.from, args.to, args.interval);
    const index = new Map(buckets.map((at, i) => [at.getTime(), i]));
    const by = args.groupBy === SalesGroupBy.PARTNER ? 'partner' : 'market';
    const rows: SettledBucketRow[] = await this.settlements.bucketSums(by, args.interval.toLowerCase(), args.from, args.to);
    const labels = await this.labelsOf(args.groupBy, [...new Set(rows.map((r) => r.key))]);

    const groups = new Map<string, Group>();
    for (const row of rows) {
      const { key, label } = labels.get(row.key)!;
      let group = groups.get(key);
      if (!group) {
        group = { key, label, units: buckets.map(() => 0), revenue: buckets.map(() => new Decimal(0)) };
        groups.set(key, group);
      }
      const i = index.get(new Date(row.bucket).getTime())!;
      group.units[i] += bigintCountTransformer.from(row.units) as number;
      group.revenue[i] = group.revenue[i].plus(row.revenue);
    }

    const ranked = [...groups.values()].sort((a, b) => total(b).comparedTo(total(a)) || a.key.localeCompare(b.key));
    const kept = ranked.slice(0, args.top);
    const rest = ranked.slice(args.top);
    if (rest.length > 0)
      kept.push(
        rest.reduce(merge, {
          key: OTHER_SERIES,
          label: `${rest.length} others`,
          units: buckets.map(() => 0),
          revenue: buckets.map(() => new Decimal(0)),
        }),
      );
    return kept.map((group) => ({
      key: group.key,
      label: group.label,
      units: group.units.reduce((a, b) => a + b, 0),
      revenue: total(group),
      points: buckets.map((at, i) => ({ at, units: group.units[i], revenue: group.revenue[i] })),
    }));
  }

  /** The series key and label of each market or partner id. */
  private async labelsOf(groupBy: SalesGroupBy, ids: string[]): Promise<Map<string, { key: string; label: string }>> {
    if (groupBy === SalesGroupBy.PARTNER) {
      const partners = await this.partners.findByIds(ids);
      return new Map(partners.map((p) => [p.id, { key: p.id, label: p.name }]));
    }
    const markets = await this.inventory.marketsByIds(ids);
    return new Map(
      markets.map((m) => [
        m.id,
        groupBy === SalesGroupBy.SKU ? { key: m.sku.code, label: m.sku.name } : { key: m.region.code, label: m.region.name },
      ]),
    );
  }
}

const total = (group: Group) => group.revenue.reduce((a, b) => a.plus(b), new Decimal(0));

function merge(into: Group, group: Group): Group {
  group.units.forEach((u, i) => (into.units[i] += u));
  group.revenue.forEach((r, i) => (into.revenue[i] = into.revenue[i].plus(r)));
  return into;
}
